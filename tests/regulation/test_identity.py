"""GB 11643 identity numbers: length, digits, birth date, check character."""

from datetime import date

import pytest

from regulation.identity import IdentityNumberError, check_char, is_valid, make_number, validate


def test_identity_number_published_example_is_valid_with_check_x():
    assert validate("11010519491231002X") == "11010519491231002X"


def test_identity_number_lowercase_x_is_normalized():
    assert validate(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("first17, expected", [
    ("11010519491231002", "X"),  # sum mod 11 == 2
    ("00000000000000000", "1"),  # sum 0
    ("00000000000000001", "X"),  # last weight 2 → sum 2
    ("00000000000000005", "2"),  # sum 10, the last index
    ("00000000000000010", "8"),  # weight 4 → sum 4
])
def test_identity_check_char_mod_11_2(first17, expected):
    assert check_char(first17) == expected


@pytest.mark.parametrize("number, message", [
    ("11010519491231002", "18位"),
    ("1101051949123100200", "18位"),
    ("11010519491231A02X", "第15位应为数字"),
    ("11010519491231002Y", "第18位"),
    ("110105194902300021", "不是有效日期"),
    ("11010518991231002X", "不合理"),
    ("011105194912310021", "行政区划"),
    ("110105194912310021", "校验码错误：第18位应为“X”"),
])
def test_identity_number_refused_naming_what_is_wrong(number, message):
    with pytest.raises(IdentityNumberError, match=message):
        validate(number)


def test_identity_number_born_after_today_is_refused():
    future = make_number("370102", date(2030, 1, 1), 1)
    assert is_valid(future)
    with pytest.raises(IdentityNumberError, match="不合理"):
        validate(future, as_of=date(2026, 11, 27))


def test_identity_make_number_round_trips():
    assert is_valid(make_number("370102", date(1980, 5, 17), 123))


def test_sample_card_holders_and_people_get_valid_numbers_one_per_card():
    from cli.demo_data import card_holder_identity, sample_identity
    from regulation.identity import is_valid

    holders = {card_holder_identity(area, year, serial) for area in "0AB" for year in (2024, 2025) for serial in range(1, 400)}
    assert len(holders) == 3 * 2 * 399 and all(is_valid(n) for n in holders)
    assert is_valid(sample_identity("370211", "DEMO-20261207-P1-1"))
    assert sample_identity("370211", "x") == sample_identity("370211", "x") != sample_identity("370211", "y")
