"""第二十六条: items, measures, hearing before suspension or dismissal."""

from datetime import date

import pytest

from regulation.misconduct import Hearing, check_item, check_measure, item_label
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
