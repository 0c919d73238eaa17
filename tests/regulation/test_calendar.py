"""第十七条 working days: China's official calendar with 调休, overrides, missing years."""

from datetime import date

import pytest

from regulation.calendar import (
    CalendarDataMissing,
    CalendarOverrides,
    WorkingCalendar,
    default_calendar,
)

cal = default_calendar()


@pytest.mark.parametrize(
    "day, working",
    [
        ("2026-02-14", True),   # Saturday, 春节调休上班
        ("2026-02-15", False),  # Sunday, Spring Festival holiday
        ("2026-09-20", True),   # Sunday, 国庆调休上班
        ("2026-10-01", False),  # National Day
        ("2026-10-07", False),  # substituted day off (from 10-10)
        ("2026-10-08", True),   # ordinary Thursday after the holiday
        ("2026-10-10", True),   # Saturday, 调休上班
        ("2026-10-11", False),  # ordinary Sunday
        ("2026-11-26", True),   # ordinary Thursday
    ],
)
def test_working_day_follows_official_china_calendar_with_make_up_days(day, working):
    assert cal.is_working_day(date.fromisoformat(day)) is working


def test_add_working_days_skips_national_day_week():
    assert cal.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_add_working_days_counts_make_up_saturday():
    # Friday 2026-02-13 + 1 working day = Saturday 02-14 (调休上班)
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)


def test_add_zero_working_days_returns_the_day_itself():
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_add_negative_working_days_is_refused():
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 3), -1)


def test_working_days_between_counts_end_but_not_start():
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert cal.working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == 0
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


def test_year_without_official_schedule_raises_error_naming_the_year():
    with pytest.raises(CalendarDataMissing) as err:
        cal.is_working_day(date(2099, 3, 2))
    assert err.value.year == 2099 and "2099" in str(err.value)


def test_deadline_crossing_into_an_unknown_year_raises_not_guesses():
    # 2098 declared, 2099 not: a deadline reaching into 2099 must not guess. (Not 2027: the
    # test must not depend on which years the installed holidays release knows.)
    known_2098 = WorkingCalendar(CalendarOverrides(official_years=frozenset({2098})))
    with pytest.raises(CalendarDataMissing, match="2099"):
        known_2098.add_working_days(date(2098, 12, 30), 5)


def test_override_declares_a_year_and_its_days():
    overrides = CalendarOverrides(
        official_years=frozenset({2099}),
        holidays=frozenset({date(2099, 1, 1)}),       # a Thursday off
        working_days=frozenset({date(2099, 1, 3)}),   # a Saturday on
    )
    c = WorkingCalendar(overrides)
    assert c.is_working_day(date(2099, 1, 1)) is False
    assert c.is_working_day(date(2099, 1, 2)) is True
    assert c.is_working_day(date(2099, 1, 3)) is True
    assert c.is_working_day(date(2099, 1, 4)) is False  # ordinary Sunday


def test_override_adds_late_holiday_to_a_known_year():
    c = WorkingCalendar(CalendarOverrides(holidays=frozenset({date(2026, 11, 26)})))
    assert c.is_working_day(date(2026, 11, 26)) is False


def test_override_file_parses_dates():
    o = CalendarOverrides.from_mapping(
        {"official_years": [2099], "holidays": [{"date": "2099-01-01", "name": "元旦"}],
         "working_days": [{"date": date(2099, 1, 3)}]})
    assert o.official_years == {2099}
    assert o.holidays == {date(2099, 1, 1)} and o.working_days == {date(2099, 1, 3)}


def test_a_declared_year_is_the_whole_schedule_with_its_make_up_days():
    from regulation.calendar import DeclaredYear

    year = DeclaredYear(2099, frozenset({date(2099, 1, 1), date(2099, 1, 2)}), frozenset({date(2099, 1, 10)}), "测试")
    cal = WorkingCalendar(declared=(year,))
    assert not cal.is_working_day(date(2099, 1, 1)) and not cal.is_working_day(date(2099, 1, 2))
    assert cal.is_working_day(date(2099, 1, 10))  # a make-up Saturday
    assert not cal.is_working_day(date(2099, 1, 3))  # an ordinary Saturday
    assert cal.next_working_day_from(date(2099, 1, 1)) == date(2099, 1, 5)
    assert cal.source_of(2099).startswith("工作人员录入")
    with pytest.raises(CalendarDataMissing, match="2100年的法定节假日安排尚未录入"):
        cal.is_working_day(date(2100, 1, 4))


def test_a_declaration_is_refused_for_a_day_outside_its_year_a_day_both_off_and_worked_or_a_weekday_make_up():
    from regulation.calendar import declaration_problems

    problems = dict(declaration_problems(2099, [date(2099, 1, 1), date(2100, 1, 1), date(2099, 1, 10)],
                                         [date(2099, 1, 10), date(2099, 1, 5)]))
    assert problems[date(2100, 1, 1)] == "2100-01-01 不在2099年内"
    assert problems[date(2099, 1, 10)] == "2099-01-10 既列为放假日又列为调休上班日"
    assert "本来就是工作日" in problems[date(2099, 1, 5)]
    assert declaration_problems(2099, [], []) == [(None, "2099年：未列出任何放假日")]
