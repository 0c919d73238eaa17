"""The approval form of a random inspection plan (第十五条): strikes with reasons, and the approver's
own staff code (the code is never kept: flows/asking.forget_codes)."""

from prefect.input import RunInput

from flows.forms import _Form
from procedures.casework.staff import CODE_FIELD, CODE_HELP, CODE_TITLE

STRIKES_FIELD = "strikes"  # procedures.sampling.plan.STRIKES_FIELD (a flow module imports no procedure at load)


def approval_form(header: str, errors: list[str], previous: dict | None = None,
                  field_errors: dict[str, str] | None = None) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add(STRIKES_FIELD, str, "不予抽查的场次（可不填）",
          "仅在有正当理由时填写，每行一条：批次编号：理由（如 评价机构已取消该场次）；记入计划，不重新抽取、不补抽",
          default="")
    f.add(CODE_FIELD, str, CODE_TITLE, CODE_HELP)
    return f.model("SamplingApprovalForm", header)
