"""The agency's forms of the special inspection (Prefect UI): each carries the staff code."""

from typing import Literal

from prefect.input import RunInput

from flows.forms import _Form
from procedures.casework.staff import CODE_FIELD, CODE_HELP, CODE_TITLE

Rating = Literal["符合", "基本符合", "不符合"]
Approval = Literal["批准初步督导意见", "退回组长修改"]
Weigh = Literal["采纳", "不采纳"]
Review = Literal["通过，结案", "需补充，退回重新提交", "拒不整改（第二十七条（三））"]


def _code(f: _Form) -> None:
    f.add(CODE_FIELD, str, CODE_TITLE, CODE_HELP)


def approval_form(header: str, errors, previous, field_errors) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("decision", Approval, "审核决定", "批准后初步督导意见即送达评价机构并开始申辩期（第十五条（二）2）")
    f.add("remarks", str, "审核意见", "退回组长修改的，写明理由", default="")
    _code(f)
    return f.model("DraftApprovalForm", header)


def weighing_form(header: str, ctx: dict, errors, previous, field_errors) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    for n, text in enumerate(ctx["points"], start=1):
        f.add(f"point_{n}", Weigh, f"申辩第{n}点：{text[:120]}", "采纳或不予采纳（第十五条（二）3）")
        f.add(f"reason_{n}", str, f"申辩第{n}点的理由", "不予采纳的，必须写明理由；写入质量督导意见书", default="")
    for no, label, draft in ctx["matters"]:
        f.add(f"rating_{no}", Rating, f"{label}：督导结论", f"初步督导意见为“{draft}”；采纳申辩的，可相应调整",
              default=draft)
    f.add("requirements", str, "整改要求", "写入质量督导意见书：评价机构应完善或整改的事项。"
          "各事项结论均为“符合”的不填：无需整改，意见书送达即结案", default="")
    f.add("report_days", int, "整改工作报告期限（工作日）", f"自意见书发出之日起计算（默认{ctx['report_days']}个工作日）；"
          "无需整改的不适用", default=ctx["report_days"])
    _code(f)
    return f.model("RebuttalWeighingForm", header)


def review_form(header: str, ctx: dict, errors, previous, field_errors) -> type[RunInput]:
    f = _Form(errors, field_errors or {}, previous or {})
    f.add("outcome", Review, "审核结论", "通过即结案；需补充的，评价机构收到新的上传链接；拒不整改的转处理程序（第二十七条（三））")
    f.add("reasons", str, "理由", "需补充或拒不整改的，必须写明理由（发给评价机构）", default="")
    f.add("report_days", int, "重新提交期限（工作日）", "仅在需补充时使用", default=ctx["report_days"])
    _code(f)
    return f.model("ReportReviewForm", header)
