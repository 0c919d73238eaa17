"""Supervisor card codes (附件1): parse, validate, generate, next serial.

External (附件1 一), 9 characters: R · 37 · YY · area · NNN, e.g. R3722A001.
Interpretation (RULES.md): the text says "1 letter + 8 digits", yet position 6 is
"0" (省直) or a city letter from 表3; we accept exactly those. The annex describes the
provincial mark as "大写英文字母 0" (an upper-case *letter* 0), so the letter `O` at
position 6 is accepted as the same mark on input and stored as the digit `0` — one
canonical form (`canonical_card_code`); input is also trimmed and upper-cased.
Internal (附件1 二), 13 characters: H|Y|S · 6-digit issuer code · YY · NNNN.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from regulation.data_files import load_yaml

_TABLE = load_yaml("card-codes.yaml")
EXTERNAL = _TABLE["external"]
INTERNAL = _TABLE["internal"]
CITY_NAMES: dict[str, str] = dict(EXTERNAL["cities"])
PROVINCIAL_AREA: str = EXTERNAL["provincial_area"]
INTERNAL_CATEGORIES: dict[str, str] = dict(INTERNAL["categories"])
PROVINCE_NAME = "山东省（省直）"


class CardCodeError(ValueError):
    """An invalid card code; names the 1-based position and what was expected there."""

    def __init__(self, code: str, position: int | None, expected: str, article: str):
        where = f"第{position}位" if position else "长度"
        got = repr(code[position - 1]) if position and position <= len(code) else f"{len(code)}位"
        super().__init__(f"证卡编码 {code!r} 无效：{where}应为{expected}，实际为{got}（{article}）")
        self.code, self.position, self.expected, self.article = code, position, expected, article


@dataclass(frozen=True)
class ExternalCard:
    code: str
    year: int
    area: str  # "0" (省直) or a city letter
    serial: int
    kind: Literal["external"] = "external"

    @property
    def area_name(self) -> str:
        return PROVINCE_NAME if self.area == PROVINCIAL_AREA else CITY_NAMES[self.area]

    @property
    def issuer(self) -> str:
        """Issuer key for serial numbering: one counter per issuing body per year."""
        return self.area


@dataclass(frozen=True)
class InternalCard:
    code: str
    category: str  # H / Y / S
    issuer_code: str  # 6 digits
    year: int
    serial: int
    kind: Literal["internal"] = "internal"

    @property
    def category_name(self) -> str:
        return INTERNAL_CATEGORIES[self.category]

    @property
    def issuer(self) -> str:
        return self.category + self.issuer_code


Card = ExternalCard | InternalCard


def canonical_card_code(code: str) -> str:
    """The one stored form of a card code as typed (附件1): trimmed, upper case, and an
    external code's provincial mark (position 6) as the digit 0 even when typed as the
    letter O ("大写英文字母 0 代表省直"). Never raises: `parse_card` validates."""
    code = code.strip().upper()
    if len(code) == 9 and code[0] == EXTERNAL["category"] and code[5] == "O":
        code = code[:5] + PROVINCIAL_AREA + code[6:]
    return code


def canonical_area(area: str) -> str:
    """An external card's area mark (position 6) as stored: "O" (the letter) → "0" (省直)."""
    area = area.strip().upper()
    return PROVINCIAL_AREA if area == "O" else area


def _digits(code: str, start: int, end: int, what: str, article: str) -> int:
    for pos in range(start, end + 1):
        if not code[pos - 1].isascii() or not code[pos - 1].isdigit():
            raise CardCodeError(code, pos, what, article)
    return int(code[start - 1 : end])


def parse_card(code: str) -> Card:
    """Parse and validate a card code of either kind; raises CardCodeError naming the position.

    The code is first brought to its canonical form (`canonical_card_code`); the card
    returned carries that form."""
    code = canonical_card_code(code)
    if not code:
        raise CardCodeError(code, None, "9位（外督）或13位（内督）", "附件1")
    if code[0] == EXTERNAL["category"]:
        return _parse_external(code)
    if code[0] in INTERNAL_CATEGORIES:
        return _parse_internal(code)
    raise CardCodeError(code, 1, "证卡类别代码 R（外督）或 H/Y/S（内督）", "附件1 表2、表5")


def _parse_external(code: str) -> ExternalCard:
    art = EXTERNAL["article"]
    if len(code) != 9:
        raise CardCodeError(code, None, "9位", art)
    if code[1:3] != EXTERNAL["province"]:
        pos = 2 if code[1] != EXTERNAL["province"][0] else 3
        raise CardCodeError(code, pos, "颁发机构代码 37（山东省）的一部分", art)
    year = _digits(code, 4, 5, "年份代码（两位数字）", art)
    area = code[5]
    if area != PROVINCIAL_AREA and area not in CITY_NAMES:
        allowed = "/".join(CITY_NAMES)
        raise CardCodeError(code, 6, f"0（省直）或设区市代码 {allowed}", "附件1 表3")
    serial = _digits(code, 7, 9, "序列码数字", art)
    if serial == 0:
        raise CardCodeError(code, 9, "序列码 001-999", art)
    return ExternalCard(code, 2000 + year, area, serial)


def _parse_internal(code: str) -> InternalCard:
    art = INTERNAL["article"]
    if len(code) != 13:
        raise CardCodeError(code, None, "13位", art)
    _digits(code, 2, 7, "颁发机构代码（6位数字）", art)
    year = _digits(code, 8, 9, "年份代码（两位数字）", art)
    serial = _digits(code, 10, 13, "序列码数字", art)
    if serial == 0:
        raise CardCodeError(code, 13, "序列码 0001-9999", art)
    return InternalCard(code, code[0], code[1:7], 2000 + year, serial)


def format_external(area: str, year: int, serial: int) -> str:
    """Build an external code (area "O" is taken as "0"); validated by parsing it back."""
    area = canonical_area(area)
    if not 1 <= serial <= EXTERNAL["serial_max"]:
        raise ValueError(f"外督证卡序列码应在 001-{EXTERNAL['serial_max']} 之间，实际为 {serial}（附件1 一）")
    code = f"{EXTERNAL['category']}{EXTERNAL['province']}{year % 100:02d}{area}{serial:03d}"
    _parse_external(code)
    return code


def format_internal(category: str, issuer_code: str, year: int, serial: int) -> str:
    if not 1 <= serial <= INTERNAL["serial_max"]:
        raise ValueError(f"内督证卡序列码应在 0001-{INTERNAL['serial_max']} 之间，实际为 {serial}（附件1 二）")
    code = f"{category}{issuer_code}{year % 100:02d}{serial:04d}"
    card = parse_card(code)
    if not isinstance(card, InternalCard):
        raise CardCodeError(code, 1, "内督证卡类别代码 H/Y/S", "附件1 表5")
    return code


def internal_issuer_code(filing_authority: str, filing_number: str) -> str:
    """附件1 二(二)2: MOHRSS-filed → "00" + 4-digit filing number; province-filed → last 6 digits."""
    digits = "".join(ch for ch in filing_number if ch.isdigit())
    if filing_authority == "mohrss":
        if len(digits) < 4:
            raise ValueError("人社部备案号应至少含4位数字（附件1 二）")
        return "00" + digits[-4:]
    if len(digits) < 6:
        raise ValueError("本省备案号应至少含6位数字（附件1 二）")
    return digits[-6:]


def next_external(existing_codes: Iterable[str], area: str, year: int) -> str:
    """The next external code for an issuer (area) and year, after the highest serial in use."""
    area = canonical_area(area)
    last = max(
        (c.serial for c in map(parse_card, existing_codes)
         if isinstance(c, ExternalCard) and c.area == area and c.year == year),
        default=0,
    )
    if last >= EXTERNAL["serial_max"]:
        raise ValueError(f"{year}年该颁发机构的外督证卡序列码已用尽（001-999，附件1 一）")
    return format_external(area, year, last + 1)


def next_internal(existing_codes: Iterable[str], category: str, issuer_code: str, year: int) -> str:
    last = max(
        (c.serial for c in map(parse_card, existing_codes)
         if isinstance(c, InternalCard) and c.issuer == category + issuer_code and c.year == year),
        default=0,
    )
    if last >= INTERNAL["serial_max"]:
        raise ValueError(f"{year}年该颁发机构的内督证卡序列码已用尽（0001-9999，附件1 二）")
    return format_internal(category, issuer_code, year, last + 1)
