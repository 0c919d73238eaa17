"""附件3 verdict: any veto 是 → 不合格; else 否 / items >= 20% → 不合格."""

import pytest

from regulation.checklists import load_checklist
from regulation.scoring import AnswerError, score


def answers(form, negatives=(), vetoes=()):
    cl = load_checklist(form)
    items = {i.no: ("否" if i.no in negatives else "是") for i in cl.items}
    veto = {v.no: ("是" if v.no in vetoes else "否") for v in cl.veto_items}
    return cl, veto, items


@pytest.mark.parametrize(
    "form, passing_max, failing_min",
    [("theory", 4, 5), ("skill", 4, 5), ("review", 3, 4)],
)
def test_record_fails_exactly_at_twenty_percent_negative_items(form, passing_max, failing_min):
    cl, veto, items = answers(form, negatives=range(1, passing_max + 1))
    assert score(cl, veto, items).verdict == "合格"
    cl, veto, items = answers(form, negatives=range(1, failing_min + 1))
    r = score(cl, veto, items)
    assert r.verdict == "不合格" and r.negative_count == failing_min


def test_theory_record_fails_at_five_negative_items():
    r = score(*answers("theory", negatives=(3, 7, 9, 11, 12)))
    assert r.verdict == "不合格"
    assert [i.no for i in r.failed_items] == [3, 7, 9, 11, 12]
    assert r.ratio == pytest.approx(5 / 23)
    assert "达到20%" in r.reasons[0].text and r.reasons[0].article == "附件3"


def test_theory_record_passes_at_four_negative_items():
    r = score(*answers("theory", negatives=(1, 2, 3, 4)))
    assert r.verdict == "合格" and r.negative_count == 4


def test_review_record_fails_at_four_of_sixteen():
    assert score(*answers("review", negatives=(1, 2, 3, 4))).verdict == "不合格"


@pytest.mark.parametrize("veto_no", [1, 2, 3])
def test_any_veto_item_fails_the_record_whatever_the_count(veto_no):
    r = score(*answers("skill", vetoes=(veto_no,)))
    assert r.verdict == "不合格" and r.negative_count == 0
    assert [v.no for v in r.veto_hits] == [veto_no]


def test_clean_record_passes_with_its_reason():
    r = score(*answers("theory"))
    assert r.passed and r.negative_count == 0 and "未达20%" in r.reasons[0].text


def test_missing_answers_are_each_named():
    cl, veto, items = answers("theory")
    del items[7], veto[2]
    with pytest.raises(AnswerError) as err:
        score(cl, veto, items)
    assert "督导内容第7项未作答" in err.value.problems
    assert "一票否决项第2项未作答" in err.value.problems


def test_invalid_answer_and_unknown_item_are_refused():
    cl, veto, items = answers("review")
    items[3] = "也许"
    items[17] = "是"
    with pytest.raises(AnswerError) as err:
        score(cl, veto, items)
    assert any("第3项" in p and "也许" in p for p in err.value.problems)
    assert any("第17项不存在" in p for p in err.value.problems)


def test_supervisor_verdict_agreeing_with_the_rule_is_accepted():
    from regulation.scoring import verdict_disagreement

    assert verdict_disagreement(score(*answers("theory", negatives=(1, 2, 3, 4))), "合格") is None
    assert verdict_disagreement(score(*answers("theory", negatives=(1, 2, 3, 4, 5))), "不合格") is None


def test_supervisor_verdict_pass_at_five_negatives_names_the_twenty_percent_rule():
    from regulation.scoring import verdict_disagreement

    reason = verdict_disagreement(score(*answers("theory", negatives=(1, 2, 3, 4, 5))), "合格")
    assert reason.article == "附件3" and "5/23" in reason.text and "达到20%" in reason.text
    assert "应评定为“不合格”" in reason.text


def test_supervisor_verdict_pass_with_a_veto_names_the_veto_rule():
    from regulation.scoring import verdict_disagreement

    reason = verdict_disagreement(score(*answers("skill", vetoes=(2,))), "合格")
    assert "一票否决项2" in reason.text and "应评定为“不合格”" in reason.text


def test_supervisor_verdict_fail_below_the_threshold_is_refused():
    from regulation.scoring import verdict_disagreement

    reason = verdict_disagreement(score(*answers("review", negatives=(1, 2, 3))), "不合格")
    assert "未达20%" in reason.text and "应评定为“合格”" in reason.text
