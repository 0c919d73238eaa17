"""The forms the Prefect UI shows, from the 附件3 YAML (ARCHITECTURE: forms in the Prefect UI)."""

import pytest
from prefect.input.run_input import create_v2_schema
from pydantic import ValidationError

from flows.forms import decision_form, record_form
from regulation.checklists import load_checklist


def schema(model):
    return create_v2_schema(model.__name__, model_base=model)


@pytest.mark.parametrize("form", ["theory", "skill", "review"])
def test_record_form_has_every_item_in_order_with_chinese_titles_and_no_preselected_answer(form):
    cl = load_checklist(form)
    s = schema(record_form(cl, "说明", [], {}))
    names = list(s["properties"])
    assert names[:4] == ["assignment_code", "inspection_ended_on", "later_end_reason", "methods"]
    assert names[4:7] == ["veto_1", "veto_2", "veto_3"]
    assert names[-2:] == ["overall_evaluation", "supervisor_verdict"]
    assert s["properties"]["supervisor_verdict"]["enum"] == ["合格", "不合格"]
    for item in cl.items:
        p = s["properties"][f"item_{item.no:02d}"]
        assert p["enum"] == ["是", "否"] and "default" not in p
        assert p["title"] == f"{item.no}. {item.text}"
        assert s["properties"][f"remark_{item.no:02d}"]["default"] == ""
    assert set(s["required"]) >= {f"item_{i.no:02d}" for i in cl.items} | {"veto_1", "assignment_code"}


def test_date_field_is_a_string_with_date_format_so_a_bad_date_cannot_strand_the_run():
    model = record_form(load_checklist("review"), "", [], {})
    assert schema(model)["properties"]["inspection_ended_on"]["format"] == "date"
    answers = {f"item_{i:02d}": "是" for i in range(1, 17)} | {f"veto_{i}": "否" for i in range(1, 4)}
    loaded = model(**answers, assignment_code="x", inspection_ended_on="2026-02-30", methods=[],
                   overall_evaluation="", supervisor_verdict="合格")
    assert loaded.inspection_ended_on == "2026-02-30"  # the flow refuses it, in Chinese


def test_retry_form_shows_errors_on_the_fields_and_keeps_answers_but_not_the_code():
    model = record_form(load_checklist("review"), "说明", ["任务编码不正确", "总体评价：不能为空"],
                        {"item_02": "否", "assignment_code": "ABCD-EFGH", "remark_02": "问题"},
                        {"assignment_code": "任务编码不正确", "overall_evaluation": "总体评价：不能为空"})
    s = schema(model)
    assert model._description.startswith("**上次提交未通过")
    assert s["properties"]["item_02"]["default"] == "否" and s["properties"]["remark_02"]["default"] == "问题"
    assert "default" not in s["properties"]["assignment_code"]
    assert s["properties"]["item_02"]["title"] == "2. " + load_checklist("review").item(2).text
    # The markdown above the form is squeezed to nothing in the UI: the errors are on the fields.
    first = s["properties"]["assignment_code"]
    assert first["title"].startswith("⚠ 上次提交未通过（2 处问题") and "总体评价：不能为空" in first["description"]
    overall = s["properties"]["overall_evaluation"]
    assert overall["title"] == "【请修改】总体评价" and overall["description"].startswith("⚠ 总体评价：不能为空")


def test_retry_form_keeps_required_answers_required():
    cl = load_checklist("review")
    previous = {f"item_{i.no:02d}": "是" for i in cl.items} | {"overall_evaluation": "好", "methods": ["现场督导"]}
    s = schema(record_form(cl, "说明", ["x"], previous, {}))
    assert {"item_01", "item_16", "overall_evaluation", "methods", "supervisor_verdict"} <= set(s["required"])
    assert s["properties"]["item_01"]["default"] == "是"  # filled in, and still required
    assert "remark_01" not in s["required"] and "later_end_reason" not in s["required"]


def test_decision_form_offers_verification_first_then_the_six_follow_ups():
    s = schema(decision_form("h", "提醒函", []))
    assert s["properties"]["decision"]["enum"] == ["调查核实", "无需处理", "约谈提醒", "提醒函", "质量通报", "转专项督导",
                                                   "启动处理程序"]
    assert "系统建议：提醒函" in s["properties"]["decision"]["description"]
    assert set(s["required"]) == {"decision", "opinion", "staff_code"}  # 处理意见 is required
    assert s["properties"]["staff_code"]["title"] == "工作人员代码"
    assert s["properties"]["report_days"]["default"] == 30
    with pytest.raises(ValidationError):
        decision_form("h", "x", [])(decision="罚款", staff_code="a", opinion="b")


def test_decision_form_says_where_the_opinion_goes_and_leaves_optional_to_the_ui():
    s = schema(decision_form("h", "提醒函", []))
    opinion = s["properties"]["opinion"]["description"]
    assert "调查核实：写明核实情况，只记入案卷（不发给评价机构）" in opinion
    # a field with a default is labelled "(Optional)" by the UI: never a second 可选 of our own
    assert not any("可选" in p["title"] for p in s["properties"].values())


def test_refused_decision_form_keeps_the_decision_but_never_the_staff_code_and_stays_required():
    s = schema(decision_form("h", "提醒函", ["存在的问题：…"], {"decision": "提醒函", "staff_code": "0001-AAAA-BBBB-CCCC",
                                                             "opinion": "请整改", "report_days": 20},
                             {"problems": "存在的问题：…"}))
    assert s["properties"]["decision"]["default"] == "提醒函" and "default" not in s["properties"]["staff_code"]
    assert s["properties"]["report_days"]["default"] == 20
    assert {"decision", "opinion", "staff_code"} <= set(s["required"])
    assert s["properties"]["problems"]["title"] == "【请修改】存在的问题（每行一条）"


def test_a_refused_field_shows_its_error_once_even_when_it_is_the_first_field():
    error = "任务编码不正确"
    s = schema(record_form(load_checklist("review"), "h", [error], {}, {"assignment_code": error}))
    shown = s["properties"]["assignment_code"]["title"] + s["properties"]["assignment_code"]["description"]
    assert shown.count(error) == 1
