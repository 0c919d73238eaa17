"""附件1 card codes: external 9 chars, internal 13 chars; errors name the position."""

import pytest

from regulation.cards import (
    CardCodeError,
    ExternalCard,
    InternalCard,
    canonical_area,
    canonical_card_code,
    format_external,
    format_internal,
    internal_issuer_code,
    next_external,
    next_internal,
    parse_card,
)


def test_external_card_parses_city_year_serial():
    c = parse_card("R3722A001")
    assert isinstance(c, ExternalCard)
    assert (c.year, c.area, c.area_name, c.serial) == (2022, "A", "济南市", 1)


def test_external_card_provincial_area_zero():
    c = parse_card("R37230123")
    assert c.area == "0" and c.area_name.startswith("山东省") and c.serial == 123


@pytest.mark.parametrize("letter, city", [("Q", "临沂市"), ("N", "德州市"), ("M", "滨州市"), ("R", "菏泽市")])
def test_external_card_city_table_3_letters(letter, city):
    assert parse_card(f"R3726{letter}999").area_name == city


@pytest.mark.parametrize(
    "code, position",
    [
        ("X3722A001", 1),   # unknown category
        ("R3822A001", 3),   # not Shandong
        ("R4722A001", 2),
        ("R37A2A001", 4),   # year must be digits
        ("R3722I001", 6),   # I is not a city letter (表3 skips it)
        ("R3722Z001", 6),
        ("R3722A0X1", 8),
        ("R3722A000", 9),   # serial starts at 001
    ],
)
def test_invalid_external_card_error_names_the_position(code, position):
    with pytest.raises(CardCodeError) as err:
        parse_card(code)
    assert err.value.position == position
    assert f"第{position}位" in str(err.value)


@pytest.mark.parametrize("code", ["R3722A01", "R3722A0011", ""])
def test_external_card_of_wrong_length_is_refused(code):
    with pytest.raises(CardCodeError, match="长度|9位"):
        parse_card(code)


def test_internal_card_parses_category_issuer_year_serial():
    c = parse_card("Y001234220001")
    assert isinstance(c, InternalCard)
    assert (c.category, c.category_name, c.issuer_code, c.year, c.serial) == ("Y", "用人单位", "001234", 2022, 1)


@pytest.mark.parametrize("code, position", [("Y00A234220001", 4), ("S001234X20001", 8), ("H001234220000", 13)])
def test_invalid_internal_card_error_names_the_position(code, position):
    with pytest.raises(CardCodeError) as err:
        parse_card(code)
    assert err.value.position == position


def test_internal_card_of_wrong_length_is_refused():
    with pytest.raises(CardCodeError, match="13位"):
        parse_card("H00123422001")


def test_format_external_round_trips():
    assert format_external("A", 2026, 7) == "R3726A007"
    assert parse_card(format_external("0", 2026, 999)).serial == 999


@pytest.mark.parametrize("serial", [0, 1000])
def test_format_external_serial_range_001_to_999(serial):
    with pytest.raises(ValueError):
        format_external("A", 2026, serial)


def test_format_internal_serial_range_0001_to_9999():
    assert format_internal("S", "123456", 2026, 9999) == "S123456269999"
    with pytest.raises(ValueError):
        format_internal("S", "123456", 2026, 10000)


def test_next_external_serial_continues_per_issuer_and_year():
    existing = ["R3726A001", "R3726A007", "R3726B050", "R3725A900"]
    assert next_external(existing, "A", 2026) == "R3726A008"
    assert next_external(existing, "B", 2026) == "R3726B051"
    assert next_external(existing, "C", 2026) == "R3726C001"
    assert next_external(existing, "A", 2025) == "R3725A901"


def test_next_external_refuses_when_999_used():
    with pytest.raises(ValueError, match="用尽"):
        next_external(["R3726A999"], "A", 2026)


def test_next_internal_serial_per_issuer():
    existing = ["Y001234260041", "Y001235260099"]
    assert next_internal(existing, "Y", "001234", 2026) == "Y001234260042"


def test_internal_issuer_code_from_filing_number():
    assert internal_issuer_code("mohrss", "Y000012345") == "002345"
    assert internal_issuer_code("province", "S370000123456") == "123456"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("R3722O001", "R37220001"),  # the letter O at position 6: the provincial mark
        ("R37220001", "R37220001"),  # the digit 0: already canonical
        (" r3722o001 ", "R37220001"),  # trimmed, upper-cased
        ("R3722A001", "R3722A001"),  # a city letter is untouched
        ("R3722O0O1", "R372200O1"),  # only position 6 is the mark; position 8 stays (and is invalid)
        ("R3722O01", "R3722O01"),  # wrong length: no position 6 to speak of, left to parse_card
        ("S123456250001", "S123456250001"),  # internal codes have no area mark
        ("Y0O1234250001", "Y0O1234250001"),
    ],
)
def test_provincial_mark_letter_o_and_digit_0_have_one_canonical_form(typed, stored):
    assert canonical_card_code(typed) == stored


def test_card_with_letter_o_parses_as_provincial_and_carries_the_canonical_code():
    c = parse_card("R3722O001")
    assert (c.code, c.area, c.area_name) == ("R37220001", "0", "山东省（省直）")
    assert parse_card("R3722O001") == parse_card("R37220001")


def test_letter_o_elsewhere_is_still_refused_naming_the_position():
    with pytest.raises(CardCodeError) as err:
        parse_card("R3722O0O1")
    assert err.value.position == 8


def test_area_o_is_the_provincial_area_when_formatting_and_numbering():
    assert canonical_area("o") == "0" and canonical_area("A") == "A"
    assert format_external("O", 2026, 1) == "R37260001"
    assert next_external(["R37260001", "R3726O002"], "O", 2026) == "R37260003"
