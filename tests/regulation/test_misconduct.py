"""第二十六条: items, measures, hearing before suspension or dismissal."""

from datetime import date

import pytest

from regulation.misconduct import (
    Hearing,
    agency_decides,
    check_agency_decides,
    check_item,
    check_measure,
    item_label,
)
from regulation.reasons import RuleViolation

D = date(2026, 12, 10)
NOT_HEARD = Hearing(None, None, False)
HEARD_WINDOW_OPEN = Hearing(date(2026, 12, 1), D, False)


def test_misconduct_items_one_to_eight_only():
    assert check_item(1) == 1 and check_item(8) == 8
    for bad in (0, 9):
        with pytest.raises(RuleViolation, match="1-8"):
            check_item(bad)
    assert item_label(2) == "第二十六条（二）不履行督导职责的"


def test_misconduct_criticism_needs_no_hearing():
    check_measure("criticism", NOT_HEARD, D)


@pytest.mark.parametrize("measure, months", [("suspension", 3), ("dismissal", None)])
def test_misconduct_heavier_measure_refused_before_hearing(measure, months):
    with pytest.raises(RuleViolation, match="陈述申辩"):
        check_measure(measure, NOT_HEARD, D, months)


def test_misconduct_decision_refused_until_statement_window_closes():
    with pytest.raises(RuleViolation, match="期满前"):
        check_measure("dismissal", HEARD_WINDOW_OPEN, D)
    check_measure("dismissal", HEARD_WINDOW_OPEN, date(2026, 12, 11))
    check_measure("dismissal", Hearing(date(2026, 12, 1), D, True), D)


@pytest.mark.parametrize("months, ok", [(0, False), (1, True), (24, True), (25, False), (None, False)])
def test_misconduct_suspension_period_between_1_and_24_months(months, ok):
    heard = Hearing(date(2026, 12, 1), date(2026, 12, 5), True)
    if ok:
        check_measure("suspension", heard, D, months)
    else:
        with pytest.raises(RuleViolation, match="期限"):
            check_measure("suspension", heard, D, months)


def test_misconduct_unknown_measure_refused():
    with pytest.raises(RuleViolation, match="处理措施"):
        check_measure("fine", NOT_HEARD, D)


@pytest.mark.parametrize("proposed, heavier", [("criticism", "suspension"), ("suspension", "dismissal"),
                                               ("dismissal", "referral")])
def test_misconduct_measure_heavier_than_the_one_the_notice_named_needs_a_new_notice(proposed, heavier):
    heard = Hearing(date(2026, 12, 1), date(2026, 12, 5), False, proposed)
    with pytest.raises(RuleViolation, match="须重新告知"):
        check_measure(heavier, heard, D, 3, "济南市公安局")


@pytest.mark.parametrize("lighter, months", [("criticism", None), ("suspension", 6), ("dismissal", None)])
def test_misconduct_measure_lighter_than_the_one_the_notice_named_is_decided_on_the_same_hearing(lighter, months):
    check_measure(lighter, Hearing(date(2026, 12, 1), date(2026, 12, 5), False, "referral"), D, months)


def test_misconduct_hearing_period_ends_only_by_the_supervisors_statement_or_by_time():
    # statement_received is the supervisor's own portal submission; nothing else ends the period
    with pytest.raises(RuleViolation, match="本人的陈述申辩链接"):
        check_measure("suspension", Hearing(date(2026, 12, 1), D, False, "suspension"), D, 3)
    check_measure("suspension", Hearing(date(2026, 12, 1), D, True, "suspension"), D, 3)
    check_measure("suspension", Hearing(date(2026, 12, 1), D, False, "suspension"), date(2026, 12, 11), 3)


def test_misconduct_referral_to_judicial_authorities_needs_the_hearing_and_names_the_authority():
    heard = Hearing(date(2026, 12, 1), date(2026, 12, 5), True, "referral")
    with pytest.raises(RuleViolation, match="司法机关名称"):
        check_measure("referral", heard, D)
    check_measure("referral", heard, D, referral_authority="济南市公安局")
    with pytest.raises(RuleViolation, match="陈述申辩"):
        check_measure("referral", NOT_HEARD, D, referral_authority="济南市公安局")


def test_misconduct_of_an_internal_supervisor_is_decided_by_the_body_that_appointed_them():
    assert agency_decides("external") and not agency_decides("internal")
    check_agency_decides("external", "")
    with pytest.raises(RuleViolation, match="只能向其提出处理建议"):
        check_agency_decides("internal", "某公司")


def test_misconduct_criticism_after_a_notice_waits_for_the_statement_or_the_periods_end():
    heard = Hearing(date(2026, 12, 1), D, False, "suspension")
    with pytest.raises(RuleViolation, match="期满前不得决定"):
        check_measure("criticism", heard, D)  # the period's last day
    check_measure("criticism", heard, date(2026, 12, 11))
    check_measure("criticism", Hearing(date(2026, 12, 1), D, True, "suspension"), date(2026, 12, 1))


def test_misconduct_decision_waits_while_the_notices_period_is_not_yet_known():
    with pytest.raises(RuleViolation, match="陈述申辩期限待定"):
        check_measure("criticism", Hearing(date(2026, 12, 28), None, False, "criticism"), date(2027, 3, 1))
    check_measure("criticism", Hearing(date(2026, 12, 28), None, True, "criticism"), date(2026, 12, 29))


def test_misconduct_suspension_may_not_be_longer_than_the_months_the_notice_stated():
    heard = Hearing(date(2026, 12, 1), date(2026, 12, 5), True, "suspension", 3)
    with pytest.raises(RuleViolation, match="不得长于该期限"):
        check_measure("suspension", heard, D, 4)
    check_measure("suspension", heard, D, 3)
    check_measure("suspension", Hearing(date(2026, 12, 1), date(2026, 12, 5), True, "dismissal"), D, 24)  # lighter
