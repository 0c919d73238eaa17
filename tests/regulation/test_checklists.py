"""附件3 record forms as data: counts, veto items, phases, uniqueness."""

import pytest

from regulation.checklists import Checklist, ChecklistError, load_checklist


@pytest.mark.parametrize("form, count", [("theory", 23), ("skill", 22), ("review", 16)])
def test_record_form_has_its_item_count_and_three_veto_items(form, count):
    cl = load_checklist(form)
    assert cl.item_count == count == len(cl.items)
    assert [v.no for v in cl.veto_items] == [1, 2, 3]
    assert cl.fail_threshold_percent == 20 and cl.article == "附件3"


def test_theory_form_texts_are_verbatim():
    cl = load_checklist("theory")
    assert cl.veto_items[0].text == "未经允许在备案考点外开展评价工作"
    assert cl.item(1).text == "评价时间、评价人数及评价内容与评价计划一致"
    assert (cl.item(23).phase, cl.item(23).category) == ("考后督导", "异常情况处理")


def test_review_form_first_veto_speaks_of_review_work():
    assert load_checklist("review").veto_items[0].text == "未经允许在备案考点外开展评审工作"


def test_every_item_has_a_phase_in_order():
    for form in ("theory", "skill", "review"):
        phases = [i.phase for i in load_checklist(form).items]
        assert phases == sorted(phases, key=["考前督导", "考中督导", "考后督导"].index)


def _raw(form="review"):
    return load_checklist(form).model_dump(by_alias=True)


def test_loading_refuses_a_wrong_item_count():
    raw = _raw()
    raw["item_count"] = 17
    with pytest.raises((ChecklistError, ValueError), match="声明 17 项"):
        Checklist.model_validate(raw)


def test_loading_refuses_duplicate_item_numbers():
    raw = _raw()
    raw["items"][1]["num"] = 1
    with pytest.raises(ValueError, match="连续且不重复"):
        Checklist.model_validate(raw)


def test_loading_refuses_duplicate_texts():
    raw = _raw()
    raw["items"][1]["text"] = raw["items"][0]["text"]
    with pytest.raises(ValueError, match="重复"):
        Checklist.model_validate(raw)


def test_loading_refuses_other_than_three_veto_items():
    raw = _raw()
    raw["veto_items"] = raw["veto_items"][:2]
    with pytest.raises(ValueError, match="一票否决项应为 3 项"):
        Checklist.model_validate(raw)


def test_unknown_form_kind_is_refused():
    with pytest.raises(ChecklistError):
        load_checklist("oral")
