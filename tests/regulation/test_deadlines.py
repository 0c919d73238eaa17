"""第十七条 record deadline, 附件4 rectification deadline, 第二十二/二十三条 inactivity."""

from datetime import date

import pytest

from regulation.calendar import CalendarDataMissing, DeclaredYear, WorkingCalendar
from regulation.deadlines import (
    add_calendar_months,
    inactivity,
    is_record_late,
    moved_last_day,
    period_last_day,
    record_due,
    rectification_deadline,
)


def test_record_due_two_working_days_after_inspection_end():
    d = record_due(date(2026, 9, 30))
    assert d.due == date(2026, 10, 9)
    assert d.reason.article == "第十七条"


def test_record_due_over_an_ordinary_weekend():
    assert record_due(date(2026, 11, 26)).due == date(2026, 11, 30)  # Thu → Fri, Mon


@pytest.mark.parametrize("submitted, late", [("2026-10-08", False), ("2026-10-09", False), ("2026-10-10", True)])
def test_record_is_late_only_after_the_due_day(submitted, late):
    assert is_record_late(date(2026, 9, 30), date.fromisoformat(submitted)) is late


# A stand-in for the State Council's 2027 notice (not yet published): 元旦 and a Spring
# Festival week off, one make-up Saturday. Only the edges below depend on it.
DECLARED_2027 = DeclaredYear(2027, frozenset({date(2027, 1, 1), *(date(2027, 2, d) for d in range(5, 12))}),
                             frozenset({date(2027, 2, 20)}), "测试")
CAL = WorkingCalendar(declared=(DECLARED_2027,))


@pytest.mark.parametrize(
    "notice, due",
    [
        ("2026-08-31", "2026-11-30"),  # clamped: November has 30 days; 11-30 is a Monday
        ("2026-05-15", "2026-08-17"),  # 08-15 is a Saturday: the Monday after
        ("2026-05-19", "2026-08-19"),  # a working day: unchanged
        ("2026-07-03", "2026-10-08"),  # 10-03 in the National Day holiday (10-01..10-07)
        ("2026-07-10", "2026-10-10"),  # 10-10 is a Saturday but a 调休 working day
        ("2026-11-30", "2027-03-01"),  # clamped to 02-28, a Sunday: Monday 03-01
        ("2026-11-05", "2027-02-12"),  # 02-05 in the declared Spring Festival week
        ("2026-11-20", "2027-02-20"),  # a declared make-up Saturday: unchanged
    ],
)
def test_rectification_deadline_ending_on_a_day_off_moves_to_the_next_working_day(notice, due):
    d = rectification_deadline(date.fromisoformat(notice), CAL)
    assert d.due == date.fromisoformat(due)
    assert d.reason.article == "附件4"
    assert ("民法典第二百零三条" in d.reason.text) is (d.due != add_calendar_months(date.fromisoformat(notice), 3))


def test_rectification_deadline_in_a_year_with_no_official_calendar_is_unknown_not_guessed():
    with pytest.raises(CalendarDataMissing, match="2027年的法定节假日安排尚未录入"):
        rectification_deadline(date(2026, 11, 30))  # the installed package has no 2027


def test_a_stored_last_day_on_a_day_off_moves_and_one_on_a_working_day_or_unknown_year_stands():
    assert moved_last_day(date(2026, 12, 12)) == date(2026, 12, 14)  # Saturday → Monday (民法典第二百零三条)
    assert moved_last_day(date(2026, 10, 3)) == date(2026, 10, 8)  # National Day holiday (10-1…10-7) → 10-8
    assert moved_last_day(date(2026, 12, 4)) is None  # a working day: stands
    assert moved_last_day(date(2099, 3, 8)) is None  # no official schedule for 2099 yet: kept until declared


def test_period_last_day_on_a_working_day_is_that_day():
    assert period_last_day(date(2026, 12, 4)) == date(2026, 12, 4)
    assert period_last_day(date(2026, 12, 5)) == date(2026, 12, 7)


def test_inactivity_one_year_reaches_article_22_4_on_the_anniversary():
    assert inactivity(date(2025, 3, 1), date(2020, 1, 1), date(2026, 2, 28)).cases == ()
    assert inactivity(date(2025, 3, 1), date(2020, 1, 1), date(2026, 3, 1)).cases == ("22.4",)


def test_inactivity_two_years_reaches_article_23_7_on_the_anniversary():
    assert inactivity(date(2024, 3, 1), date(2020, 1, 1), date(2026, 2, 28)).cases == ("22.4",)
    assert inactivity(date(2024, 3, 1), date(2020, 1, 1), date(2026, 3, 1)).cases == ("22.4", "23.7")


def test_inactivity_counts_from_filing_when_never_evaluated():
    f = inactivity(None, date(2025, 6, 1), date(2026, 6, 1))
    assert f.cases == ("22.4",) and "2025-06-01" in f.reasons[0].text


def test_missing_record_is_overdue_from_the_working_day_after_the_due_day():
    from regulation.deadlines import record_overdue_from

    assert record_overdue_from(date(2026, 9, 30)) == date(2026, 10, 10)  # due Fri 10-09; Sat 10-10 is 调休上班
    assert record_overdue_from(date(2026, 11, 25)) == date(2026, 11, 30)  # due Fri 11-27 → Mon 11-30


@pytest.mark.parametrize(
    "day, months, expected",
    [
        ("2026-08-31", 3, "2026-11-30"),  # 附件4 reading: clamped to the month's end
        ("2026-01-31", 1, "2026-02-28"),  # into a short February
        ("2028-01-31", 1, "2028-02-29"),  # into a leap February
        ("2024-02-29", 12, "2025-02-28"),  # leap day + 12 months: clamped
        ("2024-02-29", 48, "2028-02-29"),  # leap day + 48 months: the next leap day
        ("2026-12-31", 1, "2027-01-31"),  # across the year end
        ("2026-03-31", -1, "2026-02-28"),  # backwards, clamped too
        ("2026-05-15", 0, "2026-05-15"),
    ],
)
def test_add_calendar_months_keeps_the_day_number_clamped_to_the_month_end(day, months, expected):
    result = add_calendar_months(date.fromisoformat(day), months)
    assert result == date.fromisoformat(expected)
    assert type(result) is date  # a plain date, not pendulum's subclass


def test_inactivity_from_a_leap_day_is_reached_on_february_28():
    assert inactivity(date(2024, 2, 29), date(2020, 1, 1), date(2025, 2, 27)).cases == ()
    assert inactivity(date(2024, 2, 29), date(2020, 1, 1), date(2025, 2, 28)).cases == ("22.4",)


def test_record_counts_from_the_scheduled_end_when_the_stated_end_is_not_later():
    from regulation.deadlines import record_counted_from

    assert record_counted_from(date(2026, 11, 16), date(2026, 11, 16), "") == (date(2026, 11, 16), None)
    assert record_counted_from(date(2026, 11, 16), date(2026, 11, 15), "") == (date(2026, 11, 16), None)


def test_record_later_stated_end_without_a_reason_is_refused():
    from regulation.deadlines import record_counted_from

    day, refusal = record_counted_from(date(2026, 11, 16), date(2026, 11, 17), "  ")
    assert day == date(2026, 11, 16) and refusal.article == "第十七条" and "须在" in refusal.text


def test_record_later_stated_end_with_a_reason_counts_from_the_stated_end():
    from regulation.deadlines import record_counted_from

    assert record_counted_from(date(2026, 11, 16), date(2026, 11, 17), "评价结束后数据比对") == (date(2026, 11, 17), None)


def test_report_due_counts_calendar_days_from_the_letter_and_leaves_a_day_off():
    from regulation.deadlines import report_due

    assert report_due(date(2026, 11, 23), 30) == date(2026, 12, 23)
    assert report_due(date(2026, 9, 3), 30) == date(2026, 10, 8)  # 10-03: National Day → 10-08
    assert report_due(date(2026, 11, 4), 30) == date(2026, 12, 4)  # Friday
    assert report_due(date(2026, 11, 5), 30) == date(2026, 12, 7)  # Saturday → Monday
    assert report_due(date(2026, 12, 31), 1, CAL) == date(2027, 1, 4)  # 元旦, then a weekend
    with pytest.raises(CalendarDataMissing):
        report_due(date(2026, 12, 31), 1)
