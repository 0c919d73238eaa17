"""The forms the Prefect UI shows, from the 附件3 YAML (ARCHITECTURE: forms in the Prefect UI)."""

import pytest
from prefect.input.run_input import create_v2_schema
from pydantic import ValidationError

from flows.forms import confirmation_step, decision_form


def schema(model):
    return create_v2_schema(model.__name__, model_base=model)


def test_confirmation_step_takes_the_portals_reference_or_a_staff_code_and_requires_neither():
    model = confirmation_step("说明", ["工作人员代码不正确。"], {"staff_code": "工作人员代码不正确。"})
    s = schema(model)
    assert list(s["properties"]) == ["staff_code", "submission_id"] and not s.get("required")
    assert s["properties"]["submission_id"]["default"] == 0
    assert s["properties"]["staff_code"]["title"].startswith("【请修改】")
    assert "上次提交未通过" in model._description  # the list heads the form, once
    assert "工作人员代码不正确" in s["properties"]["staff_code"]["description"]
    assert model(submission_id=7).staff_code == "" and model(staff_code="0007-X").submission_id == 0
    with pytest.raises(ValidationError):
        model(submission_id=7, position="确认记录表")  # one schema: nothing else gets in


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
    error = "处理决定：请选择"
    s = schema(decision_form("h", "提醒函", [error], {}, {"decision": error}))
    shown = s["properties"]["decision"]["title"] + s["properties"]["decision"]["description"]
    assert shown.count(error) == 1


def test_an_optional_date_left_empty_does_not_block_submit_in_the_ui():
    """The UI checks a default against its format: a '' default ("'' is not a 'date'") kept staff
    from answering 恢复评价活动 at all; without it the field may stay empty and the model gives ''."""
    from flows import sanction_forms

    model = sanction_forms.review_form("审核", sanction_forms.RECTIFICATION_REVIEW, [], {}, {})
    due = schema(model)["properties"]["new_due"]
    assert due["format"] == "date" and "default" not in due
    assert model(outcome="恢复评价活动", staff_code="0007-X").new_due == ""


def test_the_case_line_and_the_error_list_head_the_form_once_not_again_in_the_first_title():
    # Issue 23.10: the default UI (/v2) shows the header whole; a copy in the first field's title
    # showed it twice and the errors three times.
    header = "**青岛测试评价中心** · 批次 B-1 · 系统建议 **提醒函**\n\n记录表摘要"
    model = decision_form(header, "提醒函", ["处理意见：未填写"], {}, {"opinion": "处理意见：未填写"})
    s = schema(model)
    assert s["properties"]["decision"]["title"] == "处理决定"
    shown = " ".join(f"{p['title']} {p.get('description') or ''}" for p in s["properties"].values())
    assert "青岛测试评价中心" not in shown and shown.count("处理意见：未填写") == 1
    assert model._description.count("处理意见：未填写") == 1 and model._description.count("青岛测试评价中心") == 1
