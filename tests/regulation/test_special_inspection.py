"""Special inspection (第十五条(二), 第十四条): matters, the team, ratings, rebuttal, report."""

from datetime import date

import pytest

from regulation.dispatch import InsufficientSupervisors
from regulation.inspection_matters import matter_names
from regulation.reasons import RuleViolation
from regulation.recusal import history_from
from regulation.special_inspection import (
    RATINGS,
    RebuttalPoint,
    check_matters,
    check_team_size,
    consolidate,
    draw_replacement,
    draw_team,
    matter_numbers,
    matters,
    needs_rectification,
    report_outcome,
    team_order,
    weighing_problems,
    window_end,
)
from tests.regulation.test_dispatch import INST_A, pool, session, sup


def test_matters_are_the_nine_areas_of_article_fourteen_verbatim():
    ms = matters()
    assert [m.no for m in ms] == list(range(1, 10))
    assert ms[1].text == "评价机构在备案职业（工种）、等级和地域范围内开展活动等方面的情况"
    assert str(ms[7]) == "第十四条（八）投诉举报核查"


def test_matters_must_be_fixed_before_the_inspection_at_least_one():
    with pytest.raises(RuleViolation, match="至少选择一项"):
        check_matters([])


def test_matters_outside_the_nine_or_chosen_twice_are_refused():
    with pytest.raises(RuleViolation, match=r"\[10\] 不在第十四条"):
        check_matters([1, 10])
    with pytest.raises(RuleViolation, match="重复"):
        check_matters([2, 2])
    assert [m.no for m in check_matters([8, 2])] == [2, 8]


def test_team_of_three_needs_no_reason():
    check_team_size(3)


def test_team_of_two_is_refused_without_a_reason_and_accepted_with_one():
    with pytest.raises(RuleViolation, match="原则上由3名及以上"):
        check_team_size(2)
    check_team_size(2, "本市符合条件的外督员不足")


def test_team_of_none_is_refused_even_with_a_reason():
    with pytest.raises(RuleViolation, match="至少须有1名"):
        check_team_size(0, "理由")


def _members(*employers):
    return [sup(n, employer=e) for n, e in enumerate(employers, start=1)]


def test_team_draw_takes_no_two_members_from_one_employer():
    p = pool(*_members("甲公司", "甲公司", "乙学校", "丙协会", "丙协会"))
    for seed in ("a", "b", "c", "d", "e", "f"):
        team = draw_team(p, INST_A, session(), 3, seed, frozenset(), history_from([]))
        employers = [p.members[f"s{int(c[-3:])}"].employer for c in team.members]
        assert sorted(employers) == ["丙协会", "乙学校", "甲公司"]


def test_team_draw_is_replayable_from_seed_candidates_and_employers():
    p = pool(*_members("甲", "乙", "丙", "丁", "戊"))
    team = draw_team(p, INST_A, session(), 3, "seed-1", frozenset(), history_from([]))
    employers = {m.card_code: m.employer for m in p.members.values()}
    assert team_order("seed-1", team.draw.candidates, employers, 3) == team.members
    assert team.lead == team.members[0]


def test_team_draw_with_too_few_employers_says_how_many_are_eligible_and_why():
    p = pool(*_members("甲", "甲", "乙"))
    with pytest.raises(InsufficientSupervisors) as exc:
        draw_team(p, INST_A, session(), 3, "s", frozenset(), history_from([]))
    assert exc.value.eligible == 2 and "与已抽取成员同一工作单位 1人" in exc.value.reason


def test_member_with_a_declared_conflict_is_never_drawn_into_the_team():
    p = pool(*_members("甲", "乙", "丙", "丁"))
    for seed in map(str, range(20)):
        team = draw_team(p, INST_A, session(), 3, seed, frozenset({"P0002"}), history_from([]))
        assert "R3725A002" not in team.members


def test_team_draw_refuses_a_lead_who_is_not_a_member():
    p = pool(*_members("甲", "乙", "丙"))
    with pytest.raises(RuleViolation, match="不是本督导小组成员"):
        draw_team(p, INST_A, session(), 3, "s", frozenset(), history_from([]), lead="R3725A999")


def test_member_without_a_registered_employer_cannot_be_drawn_into_a_team():
    p = pool(*_members("甲", "", "乙"))
    with pytest.raises(InsufficientSupervisors, match="未登记工作单位 1人"):
        draw_team(p, INST_A, session(), 3, "s", frozenset(), history_from([]))


def test_draft_rating_is_the_worst_any_member_gave():
    assert consolidate(["符合", "基本符合", "符合"]) == "基本符合"
    assert consolidate(["符合", "不符合", "基本符合"]) == "不符合"
    assert consolidate(["符合"]) == "符合"
    assert RATINGS[-1] == "不符合"


def test_unknown_rating_is_refused():
    with pytest.raises(RuleViolation):
        consolidate(["优秀"])


def test_rebuttal_point_not_accepted_needs_its_reason():
    assert weighing_problems([RebuttalPoint("场地已整改", True), RebuttalPoint("人员已补齐", False, "未见证明")]) == []
    assert weighing_problems([RebuttalPoint("场地已整改", False)]) == ["申辩第1点：不予采纳的，应写明理由"]
    assert weighing_problems([RebuttalPoint("x", None)]) == ["申辩第1点：请选择采纳或不采纳"]


def test_rectification_report_overdue_leads_to_article_22_6():
    assert report_outcome("overdue") == ("转处理程序：未按期完成质量督导中发现的违规问题整改", "第二十二条（六）")


def test_rectification_report_refused_leads_to_article_27_3_with_reasons():
    with pytest.raises(RuleViolation, match="应写明理由"):
        report_outcome("refused")
    assert report_outcome("refused", "拒绝整改")[1] == "第二十七条（三）"


def test_rectification_report_incomplete_needs_reasons():
    with pytest.raises(RuleViolation):
        report_outcome("incomplete", " ")
    assert report_outcome("accepted")[0] == "结案"


def test_rebuttal_window_of_five_working_days_skips_the_weekend():
    # Friday 2026-11-27 + 5 working days → Friday 2026-12-04.
    assert window_end(date(2026, 11, 27), 5) == date(2026, 12, 4)


def test_window_of_zero_days_is_refused():
    with pytest.raises(RuleViolation):
        window_end(date(2026, 11, 27), 0)


def test_member_findings_are_checked_per_matter_of_the_case_naming_matter_and_field():
    from procedures.casework.cases import Refusal
    from procedures.special.findings import finding_answers, findings_problems

    answers = finding_answers({"rating_2": ["基本符合"], "facts_2": [" 制度基本健全 "], "evidence_2": [""],
                               "facts_6": [""], "rating_3": ["符合"], "bogus": ["x"]})
    refusal = Refusal()
    found = findings_problems(answers, [2, 6], refusal)
    assert found[2] == {"rating": "基本符合", "facts": "制度基本健全", "evidence": ""}
    assert set(refusal.fields) == {"rating_6", "facts_6"}
    assert "第十四条（六）质量管控「事实」：未填写" in refusal.fields["facts_6"]
    assert any("督导事项（三）：不是本次督导事项" in e for e in refusal)
    assert any("未知的项目“bogus”" in e for e in refusal)


def test_the_run_forms_matter_names_are_the_nine_of_article_fourteen_and_map_back_to_their_numbers():
    assert matter_names() == tuple(str(m) for m in matters())
    assert matter_numbers(["第十四条（六）质量管控", "第十四条（二）备案范围"]) == [6, 2]
    assert matter_numbers([2, 6]) == [2, 6]  # a run opened before the form had names


def test_a_matter_name_outside_article_fourteen_is_refused_naming_it():
    with pytest.raises(RuleViolation, match="“第十四条（十）其他”不是第十四条（一）至（九）之一"):
        matter_numbers(["第十四条（二）备案范围", "第十四条（十）其他"])


def test_every_matter_rated_conforming_needs_no_rectification():
    assert needs_rectification(["符合", "符合"]) is False


@pytest.mark.parametrize("ratings", [["符合", "基本符合"], ["不符合"], ["基本符合", "基本符合"]])
def test_any_matter_short_of_conforming_needs_rectification(ratings):
    assert needs_rectification(ratings) is True


def test_rectification_is_judged_only_on_known_ratings():
    with pytest.raises(RuleViolation):
        needs_rectification(["符合", ""])


def test_replacement_is_drawn_from_the_same_pool_never_from_the_team_nor_a_team_employer():
    p = pool(*_members("甲", "乙", "丙", "甲", "丁", ""))
    team = {"R3725A001", "R3725A002", "R3725A003"}  # 甲 乙 丙; the member from 乙 withdraws
    for seed in map(str, range(20)):
        got = draw_replacement(p, INST_A, session(), f"{seed}:replace-1", frozenset({"P0002"}), history_from([]),
                               frozenset(team), frozenset({"甲", "丙"}))
        assert got.chosen == ("R3725A005",)  # 丁: the other 甲 shares an employer, the blank cannot be checked


def test_replacement_draw_is_replayable_from_its_seed():
    p = pool(*_members("甲", "乙", "丙", "丁", "戊", "己"))
    args = (INST_A, session(), "seed:replace-1", frozenset(), history_from([]), frozenset({"R3725A001"}),
            frozenset({"甲"}))
    first = draw_replacement(p, *args)
    assert draw_replacement(p, *args).chosen == first.chosen and first.candidates_hash


def test_no_replacement_says_why_nobody_fits():
    p = pool(*_members("甲", "乙", "甲", ""))
    with pytest.raises(InsufficientSupervisors) as exc:
        draw_replacement(p, INST_A, session(), "s", frozenset(), history_from([]),
                         frozenset({"R3725A001", "R3725A002"}), frozenset({"甲"}))
    assert "需抽取 1 名外督员" in exc.value.reason and "与已抽取成员同一工作单位 1人" in exc.value.reason
    assert "未登记工作单位 1人" in exc.value.reason
