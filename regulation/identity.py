"""Resident identity numbers (公民身份号码, GB 11643-1999): the person behind a card.

The regulation follows the person, not the card (第十三条 recusal, 第二十六条 ban), so
supervisors, examiners and internal supervisors are keyed by their identity number.
An 18-character number is: 6-digit address code · 8-digit birth date (YYYYMMDD) ·
3-digit sequence · check character (ISO 7064 MOD 11-2: digits 0-9 or X).
"""

from datetime import date

ARTICLE = "GB 11643-1999"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index: sum mod 11


class IdentityNumberError(ValueError):
    """Why an identity number is invalid, in Chinese, naming the position."""


def check_char(first17: str) -> str:
    """The check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize(number: str) -> str:
    """Trim and upper-case the check character (x → X); nothing else is changed."""
    return number.strip().upper()


def validate(number: str, as_of: date | None = None) -> str:
    """The normalized number, or IdentityNumberError saying what is wrong and what is allowed."""
    n = normalize(number)
    if len(n) != 18:
        raise IdentityNumberError(f"身份证号应为18位，实际为{len(n)}位（{ARTICLE}）")
    for pos, ch in enumerate(n[:17], start=1):
        if not (ch.isascii() and ch.isdigit()):
            raise IdentityNumberError(f"身份证号第{pos}位应为数字，实际为“{ch}”（{ARTICLE}）")
    if not (n[17].isascii() and (n[17].isdigit() or n[17] == "X")):
        raise IdentityNumberError(f"身份证号第18位（校验码）应为数字或X，实际为“{n[17]}”（{ARTICLE}）")
    if n[0] == "0":
        raise IdentityNumberError(f"身份证号第1-6位应为行政区划代码，不能以0开头（{ARTICLE}）")
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise IdentityNumberError(f"身份证号第7-14位应为出生日期（YYYYMMDD），“{n[6:14]}”不是有效日期（{ARTICLE}）") from None
    if born.year < 1900 or (as_of is not None and born > as_of):
        raise IdentityNumberError(f"身份证号中的出生日期 {born} 不合理（{ARTICLE}）")
    expected = check_char(n[:17])
    if n[17] != expected:
        raise IdentityNumberError(f"身份证号校验码错误：第18位应为“{expected}”，实际为“{n[17]}”（{ARTICLE}）")
    return n


def is_valid(number: str) -> bool:
    try:
        validate(number)
    except IdentityNumberError:
        return False
    return True


def make_number(address: str, born: date, sequence: int) -> str:
    """A well-formed number (for examples, tests and benchmarks)."""
    first17 = f"{address}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
