"""第十条: 3-year terms ending automatically; renewal after assessment; max 3 consecutive."""

from datetime import date

import pytest

from regulation.reasons import RuleViolation
from regulation.terms import (
    Term,
    active_term,
    check_appointment,
    consecutive_run,
    term_end,
    term_status,
)


def test_term_lasts_three_years_and_ends_automatically():
    assert term_end(date(2023, 7, 1)) == date(2026, 6, 30)
    t = Term(date(2023, 7, 1))
    assert t.covers(date(2026, 6, 30)) and not t.covers(date(2026, 7, 1))


def test_term_starting_on_leap_day_ends_the_day_before_the_clamped_anniversary():
    assert term_end(date(2024, 2, 29)) == date(2027, 2, 27)


def test_term_status_says_when_the_term_expired():
    terms = [Term(date(2020, 1, 1))]
    assert active_term(terms, date(2023, 1, 1)) is None
    assert "2022-12-31 届满" in term_status(terms, date(2023, 1, 1)).text
    assert "在聘" in term_status(terms, date(2022, 12, 31)).text


def test_first_appointment_needs_a_passed_assessment():
    with pytest.raises(RuleViolation, match="考核合格"):
        check_appointment([], date(2026, 1, 1), assessment_passed=False)
    assert check_appointment([], date(2026, 1, 1), assessment_passed=True) == Term(date(2026, 1, 1))


def test_renewal_only_after_passed_assessment():
    terms = [Term(date(2023, 1, 1))]
    with pytest.raises(RuleViolation, match="续聘须经考核合格"):
        check_appointment(terms, date(2026, 1, 1), assessment_passed=False)
    assert check_appointment(terms, date(2026, 1, 1), assessment_passed=True).start == date(2026, 1, 1)


def test_third_consecutive_term_allowed_fourth_refused():
    terms = [Term(date(2017, 1, 1)), Term(date(2020, 1, 1))]
    assert consecutive_run(terms, date(2023, 1, 1)) == 2
    check_appointment(terms, date(2023, 1, 1), assessment_passed=True)
    terms.append(Term(date(2023, 1, 1)))
    with pytest.raises(RuleViolation, match="不得超过3届"):
        check_appointment(terms, date(2026, 1, 1), assessment_passed=True)


def test_a_gap_breaks_the_consecutive_run():
    terms = [Term(date(2014, 1, 1)), Term(date(2017, 1, 1)), Term(date(2020, 1, 1))]
    assert consecutive_run(terms, date(2023, 1, 2)) == 0
    assert consecutive_run(terms, date(2023, 1, 1)) == 3


def test_appointment_overlapping_a_term_in_force_is_refused():
    with pytest.raises(RuleViolation, match="仍在聘期"):
        check_appointment([Term(date(2025, 1, 1))], date(2026, 1, 1), assessment_passed=True)
