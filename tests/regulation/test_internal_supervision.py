"""第十二条 internal cards valid only at their own institution/industry; 第十六条 full coverage: the
coverage arithmetic, the internal-vs-external divergence signal (第四条) and the 双随机 risk weight."""

from datetime import date, timedelta

import pytest

from regulation.internal_supervision import (
    DIVERGENCE_MIN_PAIRS,
    MAX_RISK_WEIGHT,
    UNKNOWN_DUE_GRACE_DAYS,
    Coverage,
    InstitutionIssuer,
    coverage_gap,
    divergence,
    followup_overdue,
    internal_card_refusal,
    record_missing,
    risk_weight,
)

CITY_FILED = InstitutionIssuer("city", "37010020240001")
MOHRSS_FILED = InstitutionIssuer("mohrss", "Y0123")
INDUSTRY = InstitutionIssuer("province", "370000123456", industry_code="880001")


def test_internal_card_of_own_institution_is_accepted():
    assert internal_card_refusal("S240001260001", CITY_FILED) is None
    assert internal_card_refusal("Y000123260001", MOHRSS_FILED) is None


def test_internal_card_of_another_institution_is_refused_under_article_12():
    reason = internal_card_refusal("S240002260001", CITY_FILED)
    assert reason.article == "第十二条" and "240001" in reason.text


def test_industry_card_valid_only_in_its_industry():
    assert internal_card_refusal("H880001260001", INDUSTRY) is None
    assert internal_card_refusal("H880002260001", INDUSTRY).article == "第十二条"
    assert internal_card_refusal("H880001260001", CITY_FILED).article == "第十二条"


def test_external_card_as_internal_supervisor_is_refused_under_article_13():
    assert internal_card_refusal("R3726A001", CITY_FILED).article == "第十三条"


def test_malformed_internal_card_is_refused_under_annex_1():
    assert internal_card_refusal("S24000126000", CITY_FILED).article == "附件1"


def test_session_without_internal_supervisor_breaks_full_coverage():
    assert coverage_gap([]).article == "第十六条"
    assert coverage_gap([{"name": "甲"}]) is None


def test_internal_card_of_a_person_dismissed_under_article_26_is_refused_everywhere():
    reason = internal_card_refusal("S240001260001", CITY_FILED, banned=True)
    assert reason.article == "第二十六条" and "不得再从事我省" in reason.text
    assert internal_card_refusal("S240001260001", CITY_FILED, banned=False) is None


# -- What the agency sees: coverage arithmetic, the divergence signal, the risk weight ---------------
END = date(2026, 3, 2)
DUE = date(2026, 3, 4)


def test_a_session_with_a_record_is_never_missing_even_when_reported():
    assert not record_missing(True, DUE, True, END, DUE + timedelta(days=30))


def test_a_session_without_record_is_missing_only_after_its_due_day():
    assert not record_missing(False, DUE, False, END, DUE)
    assert record_missing(False, DUE, False, END, DUE + timedelta(days=1))


def test_a_session_reported_missing_counts_as_missing_before_its_due_day():
    assert record_missing(False, DUE, True, END, END)


def test_a_session_with_unknown_due_is_missing_only_after_the_grace_days():
    last_day = END + timedelta(days=UNKNOWN_DUE_GRACE_DAYS)
    assert not record_missing(False, None, False, END, last_day)
    assert record_missing(False, None, False, END, last_day + timedelta(days=1))


def test_a_followup_is_overdue_only_for_a_failed_record_without_followup_after_its_due_day():
    assert not followup_overdue("不合格", None, DUE, False, DUE)
    assert followup_overdue("不合格", None, DUE, False, DUE + timedelta(days=1))
    assert followup_overdue("不合格", None, None, True, END)
    assert not followup_overdue("不合格", DUE, DUE, True, DUE + timedelta(days=9))
    assert not followup_overdue("合格", None, DUE, True, DUE + timedelta(days=9))
    assert not followup_overdue("不合格", None, None, False, DUE + timedelta(days=99))


def test_coverage_shares_pending_and_totals():
    a = Coverage(sessions=10, recorded=7, on_time=5, missing=2, failed=2, followups_done=1, followups_overdue=1)
    assert (a.pending, a.covered_share, a.on_time_share, a.missing_share, a.full) == (1, 0.7, 0.5, 0.2, False)
    total = a + Coverage(sessions=4, recorded=4, on_time=4)
    assert (total.sessions, total.recorded, total.on_time, total.missing, total.failed) == (14, 11, 9, 2, 2)
    assert Coverage().covered_share is None and Coverage().full


def test_coverage_counts_that_contradict_each_other_are_refused():
    with pytest.raises(ValueError):
        Coverage(sessions=2, recorded=3)
    with pytest.raises(ValueError):
        Coverage(sessions=3, recorded=2, missing=2)
    with pytest.raises(ValueError):
        Coverage(sessions=3, recorded=2, failed=1, followups_done=1, followups_overdue=1)


def test_institution_with_internal_passes_and_external_fails_is_flagged():
    signal = divergence([("合格", "不合格")] * DIVERGENCE_MIN_PAIRS + [("合格", "合格")], internal_failures=0)
    assert (signal.compared, signal.diverging, signal.flagged) == (3, 2, True)
    assert "第十六条" in signal.reason.article and "2 场" in signal.reason.text


def test_one_diverging_session_is_not_yet_a_signal():
    signal = divergence([("合格", "不合格")] * (DIVERGENCE_MIN_PAIRS - 1), internal_failures=0)
    assert (signal.diverging, signal.flagged, signal.reason) == (1, False, None)


def test_an_institution_that_fails_sessions_itself_is_not_flagged():
    assert not divergence([("合格", "不合格")] * 5, internal_failures=1).flagged


def test_sessions_both_call_failed_or_internal_stricter_do_not_diverge():
    signal = divergence([("不合格", "不合格"), ("不合格", "合格"), ("合格", "合格")], internal_failures=0)
    assert (signal.compared, signal.diverging, signal.flagged) == (3, 0, False)


def test_risk_weight_is_one_for_a_compliant_institution_and_grows_with_each_risk():
    clean = Coverage(sessions=4, recorded=4, on_time=4)
    assert risk_weight(clean) == 1.0
    half_missing = Coverage(sessions=4, recorded=2, on_time=2, missing=2)
    assert risk_weight(half_missing) == 1.5
    flagged = divergence([("合格", "不合格")] * 2, internal_failures=0)
    assert risk_weight(clean, flagged) == 2.0
    overdue = Coverage(sessions=4, recorded=4, on_time=4, failed=1, followups_overdue=1)
    assert risk_weight(overdue) == 1.5


def test_risk_weight_is_capped():
    worst = Coverage(sessions=4, recorded=1, on_time=0, missing=3, failed=1, followups_overdue=1)
    assert risk_weight(worst, divergence([("合格", "不合格")] * 2, 0)) == MAX_RISK_WEIGHT


# -- 第十二条, 第十三条: who may be a session's internal supervisor -----------------------------------
from regulation.internal_supervision import assignment_refusals  # noqa: E402


def test_internal_supervisor_with_own_valid_card_and_no_conflict_may_be_assigned():
    assert assignment_refusals("甲", True, False, False, False) == []


def test_internal_card_of_another_institution_may_not_be_assigned_article_12():
    (reason,) = assignment_refusals("甲", False, False, False, False)
    assert reason.article == "第十二条" and "仅限本评价机构" in reason.text


def test_examiner_at_the_same_session_may_not_be_its_internal_supervisor_article_13():
    (reason,) = assignment_refusals("甲", True, True, False, False)
    assert reason.article == "第十三条" and "考评" in reason.text


def test_declared_conflict_with_the_institution_excludes_the_internal_supervisor_article_13():
    (reason,) = assignment_refusals("甲", True, False, True, False)
    assert reason.article == "第十三条" and "利害关系" in reason.text


def test_external_supervisor_dispatched_to_the_session_may_not_be_its_internal_supervisor_article_13():
    (reason,) = assignment_refusals("甲", True, False, False, True)
    assert reason.article == "第十三条" and "外督员不得兼任同场次内督员" in reason.text


def test_every_refusal_is_named_at_once():
    assert [r.article for r in assignment_refusals("甲", False, True, True, True)] == ["第十二条", "第十三条", "第十三条", "第十三条"]


from regulation.internal_supervision import (  # noqa: E402
    SPECIAL_REPORT_OUTCOMES,
    special_report_date_refusals,
    special_report_needs_measures,
)


def test_internal_special_report_needs_measures_whenever_a_problem_was_found():
    assert [special_report_needs_measures(o) for o in SPECIAL_REPORT_OUTCOMES] == [False, True, True]


def test_internal_special_report_refuses_a_future_day_and_an_end_before_the_start():
    today = date(2026, 12, 6)
    assert special_report_date_refusals(date(2026, 12, 1), date(2026, 12, 6), today) == []
    assert [f for f, _ in special_report_date_refusals(date(2026, 12, 7), date(2026, 12, 7), today)] == [
        "started_on", "ended_on"]
    assert [f for f, _ in special_report_date_refusals(date(2026, 12, 3), date(2026, 12, 2), today)] == ["ended_on"]
    assert [f for f, _ in special_report_date_refusals(None, None, today)] == ["started_on", "ended_on"]


def test_internal_special_report_end_after_today_is_named_once_not_also_as_before_the_start():
    refusals = special_report_date_refusals(date(2026, 12, 5), date(2026, 12, 9), date(2026, 12, 6))
    assert refusals == [("ended_on", "结束日期：2026-12-09 晚于今天，只能报告已经进行的专项督导")]
