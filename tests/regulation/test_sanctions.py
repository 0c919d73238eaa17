"""第二十条–第二十七条 ladder, and the daily follow-up proposal (第十五条(一))."""

from datetime import date

import pytest

from regulation.checklists import load_checklist
from regulation.sanctions import (
    Finding,
    SanctionHistory,
    case_citation,
    item_label,
    propose,
    propose_daily_followup,
    reports_to_filing_authority,
)
from regulation.scoring import score

ON = date(2026, 11, 26)
NONE = SanctionHistory()


def f(case, serious=False):
    return Finding(case, ON, "2026年11月26日督导发现考场未按规定设置", serious)


def test_item_labels_follow_the_articles_numbering():
    assert item_label(1) == "（一）" and item_label(10) == "（十）" and item_label(11) == "（十一）"
    assert case_citation("23.10") == "第二十三条（十）"


@pytest.mark.parametrize("case", ["20.1", "20.2", "20.3"])
def test_candidate_case_voids_results_under_article_20(case):
    p = propose(f(case), NONE)
    assert p.measure == "void_results" and p.article.startswith("第二十条")


def test_minor_case_proposes_an_interview_under_article_21():
    p = propose(f("21.3"), NONE)
    assert (p.measure, p.article) == ("interview", "第二十一条（三）")
    assert p.file_entry and not p.publish and not p.suspend_evaluation


def test_serious_article_21_case_escalates_to_rectification_22_1():
    p = propose(f("21.3", serious=True), NONE)
    assert (p.measure, p.article) == ("rectification", "第二十二条（一）")
    assert p.suspend_evaluation and p.publish and p.file_entry
    assert "情节严重" in p.basis[0].text


def test_article_21_case_recurring_after_interview_escalates_to_rectification():
    p = propose(f("21.9"), SanctionHistory(interviews=(date(2026, 3, 1),)))
    assert p.article == "第二十二条（一）" and "已于2026年3月1日约谈" in p.basis[0].text


def test_article_22_case_proposes_rectification_notice_and_suspension():
    p = propose(f("22.2"), NONE)
    assert (p.measure, p.article, p.suspend_evaluation) == ("rectification", "第二十二条（二）", True)


def test_article_22_violation_after_written_notice_escalates_to_revocation_23_1():
    p = propose(f("22.7"), SanctionHistory(written_notices=(date(2026, 2, 1),)))
    assert (p.measure, p.article) == ("revocation", "第二十三条（一）")
    assert "已于2026年2月1日被出具《整改通知书》" in p.basis[0].text


def test_an_escalation_reason_writes_a_chinese_date_and_the_article_once():
    """Letters write 2026年2月1日, never the ISO form; 「再次违反第二十二条（七）…」, not 第二十二条（第二十二条（七）…）."""
    text = propose(f("22.7"), SanctionHistory(written_notices=(date(2026, 2, 1),))).basis[0].text
    assert "2026-" not in text and text.count("第二十二条") == 1
    assert "再次违反第二十二条（七）“进行评价“包过”“保过”等虚假宣传的”的规定" in text


def test_interview_then_notice_then_recurrence_reaches_revocation():
    h = SanctionHistory(interviews=(date(2026, 1, 1),), written_notices=(date(2026, 2, 1),))
    assert propose(f("21.1"), h).article == "第二十三条（一）"


@pytest.mark.parametrize("case", ["23.2", "23.8", "23.11"])
def test_article_23_case_revokes_the_filing(case):
    p = propose(f(case), NONE)
    assert p.measure == "revocation" and p.publish and not p.suspend_evaluation


def test_serious_illegality_is_referred_under_article_24():
    assert propose(f("24.1"), NONE).measure == "referral"


def test_obstruction_requires_improvement_and_refusal_revokes_under_article_27():
    assert propose(f("27.1"), NONE).measure == "improvement"
    assert propose(f("27.3", serious=True), NONE).measure == "revocation"


def test_second_fail_in_a_calendar_year_gets_a_reminder_letter():
    h = SanctionHistory(failed_results=(date(2026, 3, 1), date(2025, 12, 31), date(2025, 6, 1)))
    p = propose(f("fail"), h)
    assert p.measure == "reminder_letter" and not p.hearing_required


def test_third_fail_in_one_calendar_year_proposes_revocation_23_10():
    h = SanctionHistory(failed_results=(date(2026, 3, 1), date(2026, 7, 1)))
    p = propose(f("fail"), h)
    assert (p.measure, p.article) == ("revocation", "第二十三条（十）")
    assert "第3次" in p.basis[0].text


def test_notice_text_gives_facts_reasons_and_basis_for_article_25():
    text = propose(f("22.2"), NONE).notice_text
    assert "事实：2026年11月26日督导发现" in text
    assert "超职业、超等级、超地域范围评价的" in text
    assert "依据：《山东省技能人才评价质量督导工作实施细则（试行）》" in text and "第二十二条（二）" in text
    assert "陈述和申辩" in text


def _result(negatives=(), vetoes=()):
    cl = load_checklist("theory")
    return score(cl, {v.no: ("是" if v.no in vetoes else "否") for v in cl.veto_items},
                 {i.no: ("否" if i.no in negatives else "是") for i in cl.items})


def test_daily_followup_pass_needs_no_action():
    assert propose_daily_followup(_result(), NONE, ON, "x").option == "无需处理"


def test_daily_followup_fail_proposes_reminder_letter():
    p = propose_daily_followup(_result(negatives=(1, 2, 3, 4, 5)), NONE, ON, "x")
    assert p.option == "提醒函"


def test_daily_followup_veto_outside_filed_site_starts_procedure_22_8():
    p = propose_daily_followup(_result(vetoes=(1,)), NONE, ON, "x")
    assert p.option == "启动处理程序" and p.sanction.article == "第二十二条（八）"


def test_daily_followup_other_veto_suggests_special_inspection():
    assert propose_daily_followup(_result(vetoes=(2,)), NONE, ON, "x").option == "转专项督导"


def test_daily_followup_third_fail_of_the_year_starts_procedure_23_10():
    h = SanctionHistory(failed_results=(date(2026, 3, 1), date(2026, 7, 1)))
    p = propose_daily_followup(_result(negatives=range(1, 6)), h, ON, "x")
    assert p.option == "启动处理程序" and p.sanction.article == "第二十三条（十）"


def test_third_fail_counts_sessions_not_records_or_runs():
    from regulation.sanctions import SanctionHistory, failed_results_per_session, fails_this_year

    fails = failed_results_per_session([(7, date(2026, 3, 1)), (7, date(2026, 3, 2)), (8, date(2026, 5, 1))])
    assert fails == (date(2026, 3, 1), date(2026, 5, 1))
    assert fails_this_year(SanctionHistory(failed_results=fails), date(2026, 9, 1)) == 3
    one_session = failed_results_per_session([(7, date(2026, 3, 1)), (7, date(2026, 4, 1))])
    assert fails_this_year(SanctionHistory(failed_results=one_session), date(2026, 9, 1)) == 2


def test_reminder_letter_and_bulletin_are_refused_with_no_problems():
    from regulation.sanctions import followup_refusals

    for option in ("提醒函", "质量通报"):
        (error,) = followup_refusals(option, [], "请整改", 30)
        assert error.startswith("存在的问题") and option in error
        assert followup_refusals(option, ["考场设施不全"], "请整改", 30) == []


def test_reminder_talk_and_verification_need_an_opinion():
    from regulation.sanctions import followup_refusals

    assert followup_refusals("约谈提醒", [], "", None)[0].startswith("处理意见：约谈提醒")
    assert followup_refusals("调查核实", [], "", None)[0].startswith("处理意见：调查核实")
    assert followup_refusals("无需处理", [], "", None) == []


def test_reporting_letter_needs_a_report_period_of_one_to_365_days():
    from regulation.sanctions import followup_refusals

    assert followup_refusals("提醒函", ["x"], "y", 1) == [] and followup_refusals("提醒函", ["x"], "y", 365) == []
    assert followup_refusals("提醒函", ["x"], "y", 0)[0].startswith("书面报告期限")
    assert followup_refusals("质量通报", ["x"], "y", 366)[0].startswith("书面报告期限")


def test_verification_is_the_first_follow_up_option_and_not_final():
    from regulation.sanctions import FINAL_OPTIONS, FOLLOWUP_OPTIONS

    assert FOLLOWUP_OPTIONS[0] == "调查核实" and "调查核实" not in FINAL_OPTIONS


# -- corrections of issue 10 -----------------------------------------------------------------------
def test_article_20_the_institution_explains_in_writing_and_itself_declares_the_results_void():
    p = propose(f("20.2"), NONE)
    assert p.institution_explains and p.institution_voids and not p.publish and not p.suspend_evaluation
    assert "你单位应作出书面说明，并宣布有关参评人员证书或评价成绩无效" in p.notice_text
    assert "责令评价机构作出书面说明" in p.measure_name


def test_article_27_refusal_revokes_and_proposes_discipline_but_is_not_published():
    improvement = propose(f("27.1"), NONE)
    assert improvement.measure == "improvement" and not improvement.publish and not improvement.discipline_proposal
    serious = propose(f("27.3", serious=True), NONE)
    assert serious.measure == "revocation" and serious.discipline_proposal and not serious.publish
    assert "提出给予处分的建议" in serious.notice_text


def test_publication_follows_the_article_not_the_measure():
    assert propose(f("22.2"), NONE).publish
    assert propose(f("23.4"), NONE).publish
    assert not propose(f("21.1"), NONE).publish
    assert not propose(f("24.1"), NONE).publish


def test_a_referral_is_not_announced_to_the_institution():
    assert not propose(f("24.1"), NONE).hearing_required
    assert propose(f("22.2"), NONE).hearing_required


@pytest.mark.parametrize("filing,city,level,acting_city,reports", [
    ("city", "A", "city", "A", False),      # its own city's institution: the measure itself
    ("city", "B", "city", "A", True),       # filed in another city → report to that city
    ("province", None, "province", None, False),
    ("province", None, "city", "A", True),
    ("mohrss", None, "province", None, True),  # ministry-filed → report to the ministry
])
def test_a_measure_belongs_to_the_filing_authority(filing, city, level, acting_city, reports):
    assert reports_to_filing_authority("22.2", level, acting_city, filing, city) is reports


def test_a_referral_is_not_reported_but_article_20_goes_through_the_filing_authority():
    """第二十四条 is any agency's; 第二十条 「经负责备案的人社部门核查」 is the filing authority's."""
    assert not reports_to_filing_authority("24.1", "city", "A", "mohrss", None)
    assert reports_to_filing_authority("20.1", "city", "A", "mohrss", None)
    assert reports_to_filing_authority("20.2", "province", None, "mohrss", None)
    assert not reports_to_filing_authority("20.1", "city", "A", "city", "A")


def test_inactivity_thresholds_are_one_year_for_22_4_and_two_years_for_23_7():
    from regulation.sanctions import INACTIVITY_THRESHOLDS, case_citation

    assert [(months, case) for months, case, _ in INACTIVITY_THRESHOLDS] == [(12, "22.4"), (24, "23.7")]
    assert "第二十二条" in case_citation("22.4") and "第二十三条" in case_citation("23.7")


# -- issue 17: the order of measures, several articles in one finding, a change and its hearing --
from regulation.sanctions import (  # noqa: E402
    CHANGE_REFUSED_15,
    MEASURE_ORDER,
    change_needs_hearing,
    change_refusal,
    heaviest_case,
    measure_rank,
    propose_change,
    told_cases,
)


def test_the_order_of_measures_is_revocation_suspension_interview_void_improvement():
    assert MEASURE_ORDER == ("revocation", "rectification", "interview", "void_results", "improvement")
    ranks = [measure_rank(m) for m in MEASURE_ORDER]
    assert ranks == sorted(ranks, reverse=True) and min(ranks) > 0
    assert measure_rank("referral") == measure_rank("none") == 0  # off the ladder


@pytest.mark.parametrize("cited, case, referral", [
    (["23.1", "27.3"], "23.1", False),          # a revocation, not the higher article's improvement
    (["27.3", "23.1"], "23.1", False),
    (["23.4", "24.1"], "23.4", True),           # 第二十四条 alongside, never instead
    (["24.1", "21.3"], "21.3", True),
    (["24.1"], "24.1", False),                  # alone, it is the case
    (["21.3", "22.2"], "22.2", False),          # suspension > interview
    (["27.1", "21.3"], "21.3", False),          # interview > improvement
    (["20.1", "27.1"], "20.1", False),          # void results > improvement
    (["21.3", "20.2"], "21.3", False),          # interview > void results
    (["22.2", "22.8"], "22.8", False),          # equally heavy: the highest item, as before
    (["fail", "22.2"], "22.2", False),
])
def test_several_articles_in_one_finding_take_the_heaviest_measure(cited, case, referral):
    found = heaviest_case(cited)
    assert (found.case, found.referral) == (case, referral)


def test_article_23_goes_before_article_27_when_both_are_revocations_and_27_brings_its_discipline_proposal():
    """「第二十三条（一）、第二十七条（三）」 情节严重: 第二十三条 (published, no new filings), discipline alongside."""
    for cited in (["23.1", "27.3"], ["27.3", "23.1"]):
        found = heaviest_case(cited, serious=True)
        assert (found.case, found.discipline) == ("23.1", "27.3")
    assert heaviest_case(["23.1", "27.3"]).discipline == ""  # not serious: an improvement, nothing alongside


def test_article_27_serious_ranks_as_a_revocation_when_cited_with_a_suspension():
    assert heaviest_case(["22.2", "27.3"], serious=True).case == "27.3"
    assert heaviest_case(["22.2", "27.3"]).case == "22.2"


@pytest.mark.parametrize("heard, new, told, rehear", [
    (("24.1", "referral"), ("23.1", "revocation"), (), True),     # a referral was never told: hear first
    ((None, None), ("23.4", "revocation"), (), True),
    (("21.3", "interview"), ("23.1", "revocation"), (), True),    # heavier
    (("22.2", "rectification"), ("22.8", "rectification"), (), True),  # as heavy, another basis
    (("22.2", "rectification"), ("22.2", "rectification"), (), False),
    (("22.1", "rectification"), ("21.3", "interview"), ("21.3",), False),  # the item 22.1 rested on, lighter
    (("22.1", "rectification"), ("21.5", "interview"), ("21.3",), True),   # another 第二十一条 item: never told
    (("23.1", "revocation"), ("22.2", "rectification"), ("22.2",), False),  # the 第二十二条 item 23.1 rested on
    (("23.1", "revocation"), ("22.7", "rectification"), ("22.2",), True),   # 虚假宣传 was never stated
    (("23.1", "revocation"), ("27.1", "improvement"), (), True),    # lighter, but another basis
    (("23.4", "revocation"), ("20.2", "void_results"), (), True),   # lighter, but no 告知书 on 第二十条
    (("21.3", "interview"), ("20.2", "void_results"), (), True),    # 21 → 20 is "lighter" yet never told
    (("21.3", "interview"), ("27.1", "improvement"), (), True),
    (("27.3", "revocation"), ("27.3", "improvement"), (), False),  # the improvement under the same item
    (("22.2", "rectification"), ("24.1", "referral"), (), False),   # a referral is never announced
])
def test_a_change_is_decided_at_once_only_when_the_last_notice_stated_it_and_it_is_not_heavier(heard, new, told,
                                                                                                  rehear):
    """第二十五条: the institution must have been told the basis it is decided on."""
    assert change_needs_hearing(*heard, *new, told) is rehear


@pytest.mark.parametrize("proposed, finding, told", [
    ("22.1", "21.3", ("22.1", "21.3")),
    ("23.1", "22.2", ("23.1", "22.2")),
    ("23.1", "21.3", ("23.1", "22.1", "21.3")),
    ("22.2", "22.2", ("22.2",)),
    ("23.10", "fail", ("23.10",)),
    ("27.3", "27.3", ("27.3",)),
])
def test_a_notice_states_its_case_and_the_case_its_reasons_rest_on(proposed, finding, told):
    assert told_cases(proposed, finding) == told


def test_an_escalation_states_the_finding_it_rests_on():
    p = propose(f("22.2"), SanctionHistory(written_notices=(date(2026, 2, 1),)))
    assert told_cases(p.case, "22.2") == ("23.1", "22.2")


def test_a_change_to_23_1_needs_a_rectification_notice_on_record():
    assert "整改通知书" in change_refusal("23.1", f("21.3"), NONE)
    assert change_refusal("23.1", f("21.3"), SanctionHistory(written_notices=(date(2026, 2, 1),))) == ""


def test_a_change_to_23_10_needs_three_fails_in_the_calendar_year():
    two = SanctionHistory(failed_results=(date(2026, 2, 1), date(2026, 5, 1), date(2025, 5, 1)))
    assert "2026年度记录为2次" in change_refusal("23.10", f("21.3"), two)
    three = SanctionHistory(failed_results=(date(2026, 2, 1), date(2026, 5, 1), date(2026, 9, 1)))
    assert change_refusal("23.10", f("21.3"), three) == ""


def test_a_third_fail_finding_counts_itself_for_a_change_to_23_10():
    two_before = SanctionHistory(failed_results=(date(2026, 2, 1), date(2026, 5, 1)))
    assert change_refusal("23.10", f("fail"), two_before) == ""
    assert propose_change("23.10", f("fail"), two_before, False).case == "23.10"


def test_a_change_to_22_1_needs_an_earlier_interview_or_a_serious_case():
    assert change_refusal("22.1", f("21.3"), NONE).startswith("变更后的条款：第二十二条（一）")
    assert change_refusal("22.1", f("21.3", serious=True), NONE) == ""
    assert change_refusal("22.1", f("21.3"), SanctionHistory(interviews=(date(2026, 1, 5),))) == ""


def test_a_change_to_article_15_is_refused():
    assert change_refusal("fail", f("21.3"), NONE) == CHANGE_REFUSED_15 and "第十五条" in CHANGE_REFUSED_15


def test_a_change_keeps_the_precondition_as_its_reason():
    notice = SanctionHistory(written_notices=(date(2026, 2, 1),))
    p = propose_change("23.1", f("21.3"), notice, False)
    assert (p.case, p.measure) == ("23.1", "revocation")
    assert "已于2026年2月1日被出具《整改通知书》" in " ".join(r.text for r in p.reasons)
    interview = propose_change("22.1", f("22.2"), SanctionHistory(interviews=(date(2026, 1, 5),)), False)
    assert "已于2026年1月5日约谈" in interview.reasons[0].text


def test_a_change_to_the_escalated_case_keeps_the_escalation_reasons():
    """21.3 with an earlier interview, changed to 22.1: the reason names the 第二十一条 item again."""
    p = propose_change("22.1", f("21.3"), SanctionHistory(interviews=(date(2026, 1, 5),)), False)
    assert "第二十一条（三）所列情况又发生" in p.reasons[0].text


def test_a_change_is_never_escalated_beyond_the_case_staff_chose():
    p = propose_change("22.2", f("22.7"), SanctionHistory(written_notices=(date(2026, 2, 1),)), False)
    assert (p.case, p.measure) == ("22.2", "rectification")


def test_a_serious_article_27_case_changed_to_its_improvement_is_not_serious():
    assert propose_change("27.3", f("27.3", serious=True), NONE, False).measure == "improvement"
    assert propose_change("27.3", f("27.3", serious=True), NONE, True).measure == "revocation"


def test_article_24_is_cited_without_an_item():
    assert case_citation("24.1") == "第二十四条"
    assert propose(f("24.1"), NONE).article == "第二十四条"


def test_the_notice_states_the_article_once_under_its_basis():
    text = propose(f("22.2"), NONE).notice_text
    assert text.count("第二十二条（二）") == 1 and text.count("超职业、超等级、超地域范围评价的") == 1


def test_every_decision_names_reconsideration_in_60_days_and_litigation_in_6_months_before_the_right_body():
    from regulation.remedies import reconsideration_body, remedies_text

    city = remedies_text("city", "A")
    assert "六十日内向济南市人民政府申请行政复议" in city and "六个月内依法向人民法院提起行政诉讼" in city
    assert reconsideration_body("province") == "山东省人民政府"
    assert reconsideration_body("mohrss") == "人力资源社会保障部"


def test_the_filing_authority_rule_covers_article_20_to_23_and_27():
    """The docstring and the data agree: 第二十条–第二十三条、第二十七条."""
    from regulation.sanctions import FILING_AUTHORITY_ARTICLES

    assert FILING_AUTHORITY_ARTICLES == ("20", "21", "22", "23", "27")
    assert "第二十条–第二十三条" in reports_to_filing_authority.__doc__
