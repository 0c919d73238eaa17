"""第十条: 3-year terms ending automatically; renewal after assessment; max 3 consecutive."""

from datetime import date

import pytest

from regulation.reasons import RuleViolation
from regulation.terms import (
    Term,
    active_term,
    appointments,
    check_appointment,
    consecutive_run,
    excess_consecutive,
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


def test_a_one_day_gap_does_not_reset_the_consecutive_count():
    """The issue's case: three terms, one day out of office, a fourth term → refused."""
    terms = [Term(date(2014, 1, 1)), Term(date(2017, 1, 1)), Term(date(2020, 1, 1))]  # last day 2022-12-31
    assert consecutive_run(terms, date(2023, 1, 2)) == 3
    with pytest.raises(RuleViolation, match="不得超过3届"):
        check_appointment(terms, date(2023, 1, 2), assessment_passed=True)


def test_consecutive_when_out_of_office_less_than_the_default_one_year_gap():
    terms = [Term(date(2014, 1, 1)), Term(date(2017, 1, 1)), Term(date(2020, 1, 1))]  # last day 2022-12-31
    assert consecutive_run(terms, date(2023, 12, 31)) == 3  # 364 days out of office: still consecutive
    assert consecutive_run(terms, date(2024, 1, 1)) == 0  # a full year out: the count starts again
    assert check_appointment(terms, date(2024, 1, 1), assessment_passed=True).start == date(2024, 1, 1)


def test_a_long_gap_inside_the_chain_cuts_it_there():
    terms = [Term(date(2010, 1, 1)), Term(date(2014, 1, 1)), Term(date(2017, 1, 1))]  # 2013 a full year out
    assert consecutive_run(terms, date(2020, 1, 1)) == 2


def test_consecutive_gap_is_a_parameter():
    terms = [Term(date(2020, 1, 1))]  # last day 2022-12-31
    assert consecutive_run(terms, date(2023, 7, 1), gap_months=6) == 0  # 6 months out: not shorter than 6
    assert consecutive_run(terms, date(2023, 6, 30), gap_months=6) == 1
    assert consecutive_run(terms, date(2023, 1, 1), gap_months=0) == 1  # the very next day is always consecutive
    assert consecutive_run(terms, date(2023, 1, 2), gap_months=0) == 0  # gap 0: the old "no gap" reading


def test_consecutive_gap_from_a_term_ending_on_a_leap_day():
    terms = [Term(date(2021, 3, 1), stored_end=date(2024, 2, 29))]  # back in office 2024-03-01
    assert consecutive_run(terms, date(2025, 2, 28)) == 1
    assert consecutive_run(terms, date(2025, 3, 1)) == 0


def test_negative_consecutive_gap_is_refused():
    with pytest.raises(ValueError, match="不能为负数"):
        consecutive_run([], date(2026, 1, 1), gap_months=-1)


def test_stored_end_of_a_term_ended_early_wins_over_the_computed_end():
    t = Term(date(2025, 1, 1), stored_end=date(2026, 3, 31))
    assert t.end == date(2026, 3, 31) and t.ended_early
    assert t.covers(date(2026, 3, 31)) and not t.covers(date(2026, 4, 1))
    assert "提前终止" in term_status([t], date(2026, 4, 1)).text
    assert active_term([t], date(2026, 4, 1)) is None


def test_stored_end_cannot_lengthen_a_term_past_three_years():
    t = Term(date(2025, 1, 1), stored_end=date(2028, 1, 1))
    assert t.end == date(2027, 12, 31) and not t.ended_early
    assert Term(date(2025, 1, 1), stored_end=date(2027, 12, 31)).end == date(2027, 12, 31)


def test_an_early_ended_term_shortens_the_gap_count_from_its_real_end():
    terms = [Term(date(2017, 1, 1)), Term(date(2020, 1, 1)), Term(date(2023, 1, 1), stored_end=date(2023, 6, 30))]
    assert consecutive_run(terms, date(2024, 6, 30)) == 3  # 365 days out, but less than a calendar year
    assert consecutive_run(terms, date(2024, 7, 1)) == 0


def test_appointment_overlapping_a_term_in_force_is_refused():
    with pytest.raises(RuleViolation, match="仍在聘期"):
        check_appointment([Term(date(2025, 1, 1))], date(2026, 1, 1), assessment_passed=True)


FOUR_WITH_A_ONE_DAY_GAP = [Term(date(2014, 1, 1)), Term(date(2017, 1, 1)), Term(date(2020, 1, 1)),
                           Term(date(2023, 1, 2))]  # recorded without the check


def test_a_fourth_consecutive_term_in_force_is_flagged():
    reason = excess_consecutive(FOUR_WITH_A_ONE_DAY_GAP, date(2024, 6, 1))
    assert reason.article == "第十条" and "连续第4届" in reason.text
    assert excess_consecutive(FOUR_WITH_A_ONE_DAY_GAP, date(2024, 6, 1), gap_months=0) is None
    assert excess_consecutive(FOUR_WITH_A_ONE_DAY_GAP[:3], date(2022, 6, 1)) is None  # the 3rd is lawful
    assert excess_consecutive(FOUR_WITH_A_ONE_DAY_GAP, date(2023, 1, 1)) is None  # the gap day: no term in force


def test_a_fourth_consecutive_term_is_counted_over_the_persons_terms_under_every_card():
    # three terms under the first card (e.g. a city's), the fourth under a re-issued card (the province's)
    first_card, new_card = FOUR_WITH_A_ONE_DAY_GAP[:3], FOUR_WITH_A_ONE_DAY_GAP[3:]
    assert excess_consecutive(new_card, date(2024, 6, 1)) is None  # the card alone hides the chain
    reason = excess_consecutive(new_card, date(2024, 6, 1), person_terms=FOUR_WITH_A_ONE_DAY_GAP)
    assert "连续第4届" in reason.text
    assert excess_consecutive(first_card, date(2024, 6, 1), person_terms=FOUR_WITH_A_ONE_DAY_GAP) is None  # not in force


# the 3rd 届 2023-04-01..2026-03-31, its card re-issued 2024-09-01 (old record ended the day before)
CHAIN = [Term(date(2017, 4, 1)), Term(date(2020, 4, 1))]
REISSUED = [Term(date(2023, 4, 1), date(2024, 8, 31)), Term(date(2024, 9, 1), date(2026, 3, 31))]


def test_a_term_carried_to_a_reissued_card_is_the_same_term_not_a_fourth():
    assert len(appointments(CHAIN + REISSUED)) == 3
    assert excess_consecutive(REISSUED[1:], date(2025, 6, 1), person_terms=CHAIN + REISSUED) is None
    # the next appointment after it is the 4th in a row
    with pytest.raises(RuleViolation, match="已连续聘任 3 届"):
        check_appointment(CHAIN + REISSUED, date(2026, 4, 1), True)


def test_a_full_term_after_an_early_ended_one_is_a_new_term():
    # ended early 2024-08-31, then a fresh 3-year appointment the next day: past the planned end, a new 届
    terms = [Term(date(2023, 4, 1), date(2024, 8, 31)), Term(date(2024, 9, 1))]
    assert len(appointments(terms)) == 2


def test_overlapping_appointments_by_two_agencies_count_as_one_term():
    terms = CHAIN + [Term(date(2023, 4, 1)), Term(date(2024, 1, 1))]  # province and city at once
    assert len(appointments(terms)) == 3
    assert excess_consecutive(terms[3:], date(2025, 6, 1), person_terms=terms) is None


def test_a_renewal_the_day_after_a_full_term_is_a_new_term():
    assert len(appointments([Term(date(2020, 4, 1)), Term(date(2023, 4, 1))])) == 2


def test_a_full_gap_resets_the_count_across_cards_of_the_same_person():
    old_card = [Term(date(2014, 4, 1)), Term(date(2017, 4, 1))]  # last day 2020-03-31
    new_card = [Term(date(2021, 4, 1))]  # a full year out of office: the chain starts again
    assert consecutive_run(old_card + new_card, date(2024, 4, 1)) == 1
    assert excess_consecutive(new_card, date(2022, 6, 1), person_terms=old_card + new_card) is None
    assert consecutive_run(old_card + [Term(date(2021, 3, 31))], date(2024, 3, 31)) == 3  # a day short of it
