"""Roster cells: dates, lists, levels, people, phone, e-mail, terms — each refused with a reason."""

from datetime import date, datetime

import pytest

from procedures.rosters.schema import (
    SUPERVISORS,
    CellError,
    email,
    examiners,
    internal_supervisors,
    levels,
    parse_date,
    parse_datetime,
    parse_int,
    parse_list,
    phone,
)
from regulation.identity import make_number

ID = make_number("370102", date(1980, 5, 17), 123)
terms = SUPERVISORS.column("terms").parse


def test_roster_dates_accept_excel_dates_and_iso_text():
    assert parse_date(datetime(2026, 1, 2, 0, 0)) == date(2026, 1, 2)
    assert parse_date("2026/01/02") == date(2026, 1, 2)
    assert parse_date(None) is None
    with pytest.raises(CellError, match="YYYY-MM-DD"):
        parse_date("2026-02-30")


def test_roster_datetime_needs_a_time():
    assert parse_datetime("2026-12-05 09:00") == datetime(2026, 12, 5, 9)
    with pytest.raises(CellError, match="缺少时间"):
        parse_datetime("2026-12-05")


def test_roster_lists_split_on_chinese_and_ascii_separators():
    assert parse_list("电工；焊工;育婴员、 车工") == ["电工", "焊工", "育婴员", "车工"]


def test_roster_levels_only_from_the_table():
    assert levels("五级；四级") == ["五级", "四级"]
    with pytest.raises(CellError, match="六级"):
        levels("五级；六级")


def test_roster_int_refuses_negative_and_text():
    assert parse_int(40.0) == 40 and parse_int(None) == 0
    with pytest.raises(CellError, match="非负整数"):
        parse_int("-1")


def test_roster_people_shape_and_identity():
    assert examiners(f"甲:{ID}") == [{"name": "甲", "person_key": ID}]
    assert internal_supervisors(f"乙：S240001260001：{ID}")[0]["card_code"] == "S240001260001"
    with pytest.raises(CellError, match="姓名:身份证号"):
        examiners("甲")
    with pytest.raises(CellError, match="校验码"):
        examiners("甲:370102198005171230")


@pytest.mark.parametrize("value, ok", [("13800000000", True), ("0531-88888888", True), ("1380000000", False),
                                       ("", True), ("12800000000", False)])
def test_roster_phone(value, ok):
    if ok:
        assert phone(value) == value
    else:
        with pytest.raises(CellError):
            phone(value)


def test_roster_email():
    assert email("a@b.cn") == "a@b.cn"
    with pytest.raises(CellError):
        email("a@b")


def test_roster_terms_parse_sorted_and_refuse_reversed():
    assert terms("2024-04-01至2027-03-31；2021-04-01~2024-03-31") == [
        (date(2021, 4, 1), date(2024, 3, 31)), (date(2024, 4, 1), date(2027, 3, 31))]
    with pytest.raises(CellError, match="早于"):
        terms("2024-04-01至2024-03-31")
    with pytest.raises(CellError, match="起始日至终止日"):
        terms("2024-04-01")
