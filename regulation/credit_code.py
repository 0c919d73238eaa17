"""Unified social credit codes (统一社会信用代码, GB 32100-2015): the organisation behind a filing.

撤销备案回执 (第二十三条) ends a filing and 「不再受理其备案或遴选申请」: the organisation, not the
filing number, is refused later — so institutions are also keyed by their credit code.
An 18-character code is: 1 registering authority · 1 kind · 6-digit region · 9-character
organisation code · 1 check character (weights below, modulo 31, over the 31 characters of
CHARS: digits and capital letters without I, O, Z, S, V).
"""

ARTICLE = "GB 32100-2015"
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class CreditCodeError(ValueError):
    """Why a credit code is invalid, in Chinese, naming the position."""


def check_char(first17: str) -> str:
    total = sum(CHARS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARS[(31 - total % 31) % 31]


def validate(code: str) -> str:
    """The normalized code (trimmed, upper case), or CreditCodeError saying what is wrong."""
    c = code.strip().upper()
    if len(c) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位，实际为{len(c)}位（{ARTICLE}）")
    for pos, ch in enumerate(c, start=1):
        if ch not in CHARS:
            raise CreditCodeError(f"统一社会信用代码第{pos}位“{ch}”无效：只能是数字或除I、O、Z、S、V以外的大写字母（{ARTICLE}）")
    expected = check_char(c[:17])
    if c[17] != expected:
        raise CreditCodeError(f"统一社会信用代码校验码错误：第18位应为“{expected}”，实际为“{c[17]}”（{ARTICLE}）")
    return c


def make_code(first17: str) -> str:
    """A valid code from its first 17 characters (examples, demo data, tests)."""
    return first17 + check_char(first17)
