"""The forms the Prefect UI shows (RunInput models), built from the 附件3 YAML.

Flat fields in definition order; answers are 是/否 with no default (a default would
pre-select and invite rubber-stamping); remarks are plain text boxes. After a refused
submission the form is asked again with the errors on top and the supervisor's own
earlier answers filled in — all but the assignment code.
"""

from typing import Annotated, Any, Literal

from prefect.input import RunInput
from pydantic import Field, create_model

from regulation.checklists import Checklist
from regulation.sanctions import FOLLOWUP_OPTIONS

YesNo = Literal["是", "否"]
Method = Literal["现场督导", "数据比对", "抽查评价资料（含录像）", "远程监控"]
Decision = Literal[FOLLOWUP_OPTIONS]  # type: ignore[valid-type]
_REQUIRED: Any = ...
# The server checks required fields and enums but not `format: date`, while pydantic's
# `date` would refuse "2026-02-30" when the run loads its input — on every replay, so the
# run could never go on. So: a string with the date format (the UI still shows a date
# picker), checked by the flow with a Chinese message.
DateText = Annotated[str, Field(json_schema_extra={"format": "date"})]


def _errors_markdown(errors: list[str]) -> str:
    return "**上次提交未通过，请修改后重新提交：**\n\n" + "\n".join(f"- {e}" for e in errors) + "\n\n"


def _model(name: str, fields: dict, description: str) -> type[RunInput]:
    model = create_model(name, __base__=RunInput, **fields)
    model._description = description  # shown above the form (as RunInput.with_initial_data does)
    return model


def record_form(checklist: Checklist, header: str, errors: list[str], previous: dict) -> type[RunInput]:
    def field(name, kind, title, description="", default=_REQUIRED):
        if name in previous and name != "assignment_code":
            default = previous[name]
        return name, (kind, Field(default, title=title, description=description))

    fields = dict([
        field("assignment_code", str, "任务编码", "派遣通知邮件中的一次性任务编码，如 ABCD-EFGH"),
        field("inspection_ended_on", DateText, "督导结束日期",
              "督导工作实际结束的日期；记录表应在其后2个工作日内提交（第十七条）"),
        field("methods", list[Method], "督导方式（可多选）",
              "第十五条（一）2：现场督导、数据比对、抽查评价资料（含录像）、远程监控"),
    ])
    for v in checklist.veto_items:
        fields.update([field(f"veto_{v.no}", YesNo, f"一票否决项{v.no}：{v.text}",
                             "存在该情形选“是”；任一项为“是”，本次评价即为不合格")])
    for i in checklist.items:
        fields.update([
            field(f"item_{i.no:02d}", YesNo, f"{i.no}. {i.text}", f"{i.phase} · {i.category}：符合选“是”，不符合选“否”"),
            field(f"remark_{i.no:02d}", str, f"第{i.no}项备注", default=""),
        ])
    fields.update([field("overall_evaluation", str, "总体评价", checklist.instructions)])
    description = (_errors_markdown(errors) if errors else "") + header
    return _model(f"RecordForm{checklist.form.title()}", fields, description)


def decision_form(header: str, proposed: str, errors: list[str]) -> type[RunInput]:
    fields = {
        "decision": (Decision, Field(title="处理决定", description=f"系统建议：{proposed}。可选处理见第十五条（一）3")),
        "opinion": (str, Field("", title="处理意见",
                               description="写入发给评价机构的文书；约谈提醒须写明约谈时间、地点和要求")),
        "handled_by": (str, Field(title="经办人")),
    }
    return _model("DecisionForm", fields, (_errors_markdown(errors) if errors else "") + header)
