"""The forms the Prefect UI shows (RunInput models), built from the 附件3 YAML.

Flat fields in definition order; answers are 是/否 with no default (a default would
pre-select and invite rubber-stamping); remarks are plain text boxes.

After a refused submission the form is asked again with the person's own earlier answers
filled in (all but the assignment code). The markdown above a form is squeezed to nothing
in the Prefect UI, so each error is written where the UI shows it: in the title and the
description of the field it concerns ("【请修改】…"), and the whole list in the first
field's description. Earlier answers become defaults (that is how the UI fills them in),
but the schema still lists every field that was required as required, so the UI does not
call them "(Optional)".
"""

from typing import Annotated, Any, Literal

from prefect.input import RunInput
from pydantic import ConfigDict, Field, create_model

from regulation.checklists import Checklist
from regulation.sanctions import FOLLOWUP_OPTIONS

YesNo = Literal["是", "否"]
Verdict = Literal["合格", "不合格"]
Method = Literal["现场督导", "数据比对", "抽查评价资料（含录像）", "远程监控"]
Decision = Literal[FOLLOWUP_OPTIONS]  # type: ignore[valid-type]
GoOn = Literal["继续委派督导", "不委派，结案"]
Position = Literal["确认记录表", "不同意（写明意见）", "委派机构：按逾期未确认处理"]
_REQUIRED: Any = ...
# The server checks required fields and enums but not `format: date`, while pydantic's
# `date` would refuse "2026-02-30" when the run loads its input — on every replay, so the
# run could never go on. So: a string with the date format (the UI still shows a date
# picker), checked by the flow with a Chinese message.
DateText = Annotated[str, Field(json_schema_extra={"format": "date"})]
NEVER_KEPT = {"assignment_code", "staff_code"}  # secrets are typed again, never kept


def _errors_markdown(errors: list[str]) -> str:
    return "**上次提交未通过，请修改后重新提交：**\n\n" + "\n".join(f"- {e}" for e in errors) + "\n\n"


class _Form:
    """Collects fields; keeps earlier answers as defaults, errors in titles and descriptions."""

    def __init__(self, errors: list[str], field_errors: dict[str, str], previous: dict):
        self.errors, self.field_errors, self.previous = errors, field_errors, previous
        self.fields: dict[str, tuple] = {}
        self.required: list[str] = []

    def add(self, name: str, kind, title: str, description: str = "", default=_REQUIRED) -> None:
        if default is _REQUIRED:
            self.required.append(name)
        if name in self.previous and name not in NEVER_KEPT:
            default = self.previous[name]
        if name in self.field_errors:
            title = f"【请修改】{title}"
            description = f"⚠ {self.field_errors[name]}" + (f"｜{description}" if description else "")
        self.fields[name] = [kind, default, title, description]

    def model(self, name: str, header: str) -> type[RunInput]:
        if self.errors:  # the whole list where the UI shows it: on the first field
            first = self.fields[next(iter(self.fields))]
            first[2] = f"⚠ 上次提交未通过（{len(self.errors)} 处问题，见各项标注）｜{first[2].removeprefix('【请修改】')}"
            first[3] = "；".join(self.errors) + (f"｜{first[3]}" if first[3] else "")
        fields = {name: (kind, Field(default, title=title, description=description or None))
                  for name, (kind, default, title, description) in self.fields.items()}
        required = list(self.required)

        def keep_required(schema: dict, _model) -> None:
            schema["required"] = list(dict.fromkeys([*schema.get("required", []), *required]))

        base = type(f"{name}Base", (RunInput,), {
            "model_config": ConfigDict(extra="forbid", json_schema_extra=keep_required)})
        model = create_model(name, __base__=base, **fields)
        model._description = (_errors_markdown(self.errors) if self.errors else "") + header
        return model


def record_form(checklist: Checklist, header: str, errors: list[str], previous: dict,
                field_errors: dict[str, str] | None = None) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous)
    f.add("assignment_code", str, "任务编码", "派遣通知邮件中的一次性任务编码，如 ABCD-EFGH")
    f.add("inspection_ended_on", DateText, "督导结束日期",
          "督导工作实际结束的日期。记录表应在评价活动计划结束后2个工作日内提交（第十七条）")
    f.add("later_end_reason", str, "结束日期晚于计划的原因",
          "仅当督导结束日期晚于评价活动计划结束日期时填写（如评价结束后进行数据比对）；委派机构可见", default="")
    f.add("methods", list[Method], "督导方式（可多选）", "第十五条（一）2：现场督导、数据比对、抽查评价资料（含录像）、远程监控")
    for v in checklist.veto_items:
        f.add(f"veto_{v.no}", YesNo, f"一票否决项{v.no}：{v.text}", "存在该情形选“是”；任一项为“是”，本次评价即为不合格")
    for i in checklist.items:
        f.add(f"item_{i.no:02d}", YesNo, f"{i.no}. {i.text}", f"{i.phase} · {i.category}：符合选“是”，不符合选“否”")
        f.add(f"remark_{i.no:02d}", str, f"第{i.no}项备注", default="")
    f.add("overall_evaluation", str, "总体评价", checklist.instructions)
    f.add("supervisor_verdict", Verdict, "评定（合格/不合格）",
          "附件3 填写说明：总体评价还应进行合格与不合格评定。须与记录表一致：任一一票否决项为“是”，"
          "或否定项达20%，即为不合格")
    return f.model(f"RecordForm{checklist.form.title()}", header)


def decision_form(header: str, proposed: str, errors: list[str], previous: dict | None = None,
                  field_errors: dict[str, str] | None = None, report_days: int = 30,
                  has_problems: bool = True) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("decision", Decision, "处理决定",
          f"系统建议：{proposed}。可选处理见第十五条（一）3；“调查核实”记录核实情况后再作处理决定")
    f.add("opinion", str, "处理意见",
          "必填。写入发给评价机构的文书：调查核实写明核实情况；约谈提醒写明约谈时间、地点和要求；其他写明理由")
    f.add("problems", str, "存在的问题（每行一条，可选）",
          ("记录表中的否定项和一票否决项会自动列入文书；如需补充，每行写一条" if has_problems else
           "本次记录表未发现问题（合格）：如仍发提醒函或质量通报，须在此逐行写明问题"), default="")
    f.add("report_days", int, "书面报告期限（日）",
          f"提醒函、质量通报要求评价机构书面报送整改情况的期限，自发文之日起计算的自然日数（默认{report_days}日）",
          default=report_days)
    f.add("handled_by", str, "经办人", "作出决定的工作人员姓名")
    return f.model("DecisionForm", header)


def go_ahead_form(header: str, errors: list[str], previous: dict | None = None,
                  field_errors: dict[str, str] | None = None) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("go_on", GoOn, "是否仍委派督导员",
          "该批次不应开展，已登记为违规线索；仍可委派督导员到场督导取证（默认：继续委派督导）", default="继续委派督导")
    f.add("handled_by", str, "经办人", "作出决定的工作人员姓名")
    return f.model("GoAheadForm", header)


def confirmation_form(header: str, errors: list[str], previous: dict | None = None,
                      field_errors: dict[str, str] | None = None) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("position", Position, "确认情况",
          "其他督导员：用本人任务编码确认记录表或提出不同意见（第十七条）；委派机构：期限届满后可按逾期未确认处理")
    f.add("assignment_code", str, "任务编码", "督导员本人派遣通知邮件中的一次性任务编码；委派机构按逾期处理时填“无”")
    f.add("text", str, "意见或经办人", "不同意时写明不同意见；委派机构按逾期处理时填写经办人姓名", default="")
    return f.model("ConfirmationForm", header)
