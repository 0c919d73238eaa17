"""The forms the Prefect UI shows agency staff (RunInput models). The supervisors' record form
(附件3) and confirmations are portal pages (procedures/portal/forms.py); the run waits for
them by reference (flows/portal_step.py).

After a refused submission the form is asked again with the person's own earlier answers
filled in (all but the assignment code). The whole list of errors heads the form (the markdown
description, shown whole above the fields in Prefect 3.9's default UI, /v2), and each error is
written once more beside its field: in its title ("【请修改】…") and description. Nothing is
repeated beyond that: the classic UI (a click away) squeezes the markdown box, and an earlier
workaround that copied the case line and the error list into the first field's title made the
default UI show them two and three times. Staff use the default UI (README). Earlier answers
become defaults (that is how the UI fills them in), but the schema still lists every field
that was required as required, so the UI does not call them "(Optional)".
"""

from typing import Annotated, Any, Literal

from prefect.input import RunInput
from pydantic import ConfigDict, Field, create_model

from adapters.markdown_text import inert
from procedures.casework.staff import CODE_FIELD, CODE_HELP, CODE_TITLE
from regulation.sanctions import FOLLOWUP_OPTIONS

Decision = Literal[FOLLOWUP_OPTIONS]  # type: ignore[valid-type]
GoOn = Literal["继续委派督导", "不委派，结案"]
_REQUIRED: Any = ...
# The server checks required fields and enums but not `format: date`, while pydantic's
# `date` would refuse "2026-02-30" when the run loads its input — on every replay, so the
# run could never go on. So: a string with the date format (the UI still shows a date
# picker), checked by the flow with a Chinese message.
DateText = Annotated[str, Field(json_schema_extra={"format": "date"})]
# A staff code is typed into a masked field: Prefect's UI (3.9, the default /v2 UI) renders a string
# with `format: password` as <input type="password"> (with a show/hide eye). The value stays a plain
# str (pydantic's SecretStr would dump as "**********" and the check would never see the code); the
# classic UI shows such a field as a plain text box.
CodeText = Annotated[str, Field(json_schema_extra={"format": "password"})]
NEVER_KEPT = {"assignment_code", CODE_FIELD}  # codes are typed again, never shown back


def _errors_markdown(errors: list[str]) -> str:
    # an error may quote what was typed: outside text
    return "**上次提交未通过，请修改后重新提交：**\n\n" + "\n".join(f"- {inert(e)}" for e in errors) + "\n\n"


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
        if name == CODE_FIELD:
            kind = CodeText
        if name in self.field_errors:
            title = f"【请修改】{title}"
            description = f"⚠ {self.field_errors[name]}" + (f"｜{description}" if description else "")
        self.fields[name] = [kind, default, title, description]

    def model(self, name: str, header: str) -> type[RunInput]:
        fields = {name: (kind, Field(default, title=title, description=description or None))
                  for name, (kind, default, title, description) in self.fields.items()}
        required = list(self.required)

        def keep_required(schema: dict, _model) -> None:
            schema["required"] = list(dict.fromkeys([*schema.get("required", []), *required]))
            for prop in schema.get("properties", {}).values():  # an optional date left empty: the UI
                if prop.get("format") == "date" and prop.get("default") == "":  # refuses '' ("'' is not
                    del prop["default"]  # a 'date'") and blocked Submit; omitted, the model's '' applies

        base = type(f"{name}Base", (RunInput,), {
            "model_config": ConfigDict(extra="forbid", json_schema_extra=keep_required)})
        model = create_model(name, __base__=base, **fields)
        model._description = (_errors_markdown(self.errors) if self.errors else "") + header
        return model


def decision_form(header: str, proposed: str, errors: list[str], previous: dict | None = None,
                  field_errors: dict[str, str] | None = None, report_days: int = 30,
                  has_problems: bool = True) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("decision", Decision, "处理决定",
          f"系统建议：{proposed}。可选处理见第十五条（一）3；“调查核实”记录核实情况后再作处理决定")
    f.add("opinion", str, "处理意见",
          "必填。约谈提醒、提醒函、质量通报：写入发给评价机构的文书（约谈提醒写明约谈时间、地点和要求）；"
          "调查核实：写明核实情况，只记入案卷（不发给评价机构），随后再作处理决定；"
          "转专项督导、启动处理程序：记入待办事项；无需处理：写明理由，记入案卷")
    f.add("problems", str, "存在的问题（每行一条）",
          ("记录表中的否定项和一票否决项会自动列入文书；如需补充，每行写一条" if has_problems else
           "本次记录表未发现问题（合格）：如仍发提醒函或质量通报，须在此逐行写明问题"), default="")
    f.add("report_days", int, "书面报告期限（日）",
          f"提醒函、质量通报要求评价机构书面报送整改情况的期限，自发文之日起计算的自然日数（默认{report_days}日）",
          default=report_days)
    f.add(CODE_FIELD, str, CODE_TITLE, CODE_HELP)
    return f.model("DecisionForm", header)


def go_ahead_form(header: str, errors: list[str], previous: dict | None = None,
                  field_errors: dict[str, str] | None = None) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("go_on", GoOn, "是否仍委派督导员",
          "该批次不应开展，已登记为违规线索；仍可委派督导员到场督导取证（默认：继续委派督导）", default="继续委派督导")
    f.add(CODE_FIELD, str, CODE_TITLE, CODE_HELP)
    return f.model("GoAheadForm", header)


def staff_code_form(header: str, errors: list[str], previous: dict | None = None,
                    field_errors: dict[str, str] | None = None) -> type[RunInput]:
    """The signature of a decision started from its deployment's parameters (parameters are shown
    on the run's page to everyone: a code never goes there)."""
    f = _Form(errors, field_errors or {}, previous or {})
    f.add(CODE_FIELD, str, CODE_TITLE, CODE_HELP)
    return f.model("StaffCodeForm", header)


def confirmation_step(header: str, errors: list[str], field_errors: dict[str, str] | None = None) -> type[RunInput]:
    """The confirmation pause (第十七条): the other supervisors answer through their portal links
    (the portal resumes with the stored submission's number); agency staff use this same form
    in the Prefect UI only to close missing confirmations as overdue, with their staff code."""
    f = _Form(errors, field_errors or {}, {})
    f.add(CODE_FIELD, str, f"委派机构：按逾期未确认处理 — {CODE_TITLE}",
          f"记录表提交期限届满后，其他督导员仍未确认的，委派机构可按逾期未确认处理（第二十六条（二）待核查）。{CODE_HELP}",
          default="")
    f.add("submission_id", int, "门户提交编号（由门户自动填写，工作人员请勿修改）",
          "督导员经门户链接确认时由系统填写；工作人员按逾期处理时保持 0", default=0)
    return f.model("ConfirmationStep", header)
