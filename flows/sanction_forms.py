"""The staff forms of the sanction procedure (Prefect UI): the decision after the hearing
(第二十五条), the interview minutes (第二十一条), the review of a rectification report (附件4) or
of a 第二十七条 improvement report. Each carries
the deciding person's staff code, checked against the case's agency and stored with the decision."""

from typing import Literal

from prefect.input import RunInput

from flows.forms import DateText, _Form

Decision = Literal["采纳拟处理意见", "变更处理", "不予处理"]
PointAnswer = Literal["采纳", "不采纳"]
Review = Literal["恢复评价活动", "提出整改要求并另定期限"]
ImprovementReview = Literal["改进到位，结案", "提出改进要求并另定期限"]
# what a report round's review offers: (the choices, their help)
RECTIFICATION_REVIEW = (Review, "整改完成：恢复评价活动（对社会公布）；未完成：写明要求并另定期限")
IMPROVEMENT_REVIEW = (ImprovementReview, "改进到位：结案；未到位：写明改进要求并另定期限（逾期未报送按第二十七条（三）处理）")
CODE_HELP = "本人的工作人员代码（由 supervise staff add 发给本人，如 0007-K7QF-M3XZ-P2HD）；用于记录由谁作出本决定"


def _code(f: _Form) -> None:
    f.add("staff_code", str, "工作人员代码", CODE_HELP)


def decision_form(header: str, proposed: str, measure: str, points: list[str], report_only: bool,
                  errors: list[str], previous: dict, field_errors: dict) -> type[RunInput]:
    f = _Form(errors, field_errors, previous)
    f.add("decision", Decision, "处理决定", f"拟处理：{proposed}。采纳、变更（写明条款和理由）或不予处理（写明理由）")
    f.add("changed_article", str, "变更后的条款（仅变更处理时填写）", "如“第二十一条（三）”", default="")
    f.add("reason", str, "理由", "变更或不予处理时必填；写入处理决定书", default="")
    for n, point in enumerate(points, 1):
        f.add(f"point_{n:02d}", PointAnswer, f"申辩要点{n}：{point[:100]}",
              "评价机构的陈述和申辩要点（标明“逾期提交”的，在陈述申辩期届满后收到）：采纳或不采纳")
        f.add(f"point_reason_{n:02d}", str, f"申辩要点{n}不予采纳的理由", "不采纳时必填；写入处理决定书", default="")
    if not report_only:
        if measure == "interview":
            f.add("interview_time", str, "约谈时间", "第二十一条：写入约谈通知书，如 2026年12月10日上午9时", default="")
            f.add("interview_place", str, "约谈地点", "写入约谈通知书", default="")
        if measure == "rectification":
            f.add("problems", str, "存在的质量问题（每行一条）", "写入《整改通知书》（附件4）；留空则用本案事实", default="")
            f.add("requirements", str, "整改要求", "写入《整改通知书》，如“强化考点管理”", default="")
        if measure in ("referral", "revocation", "improvement"):
            f.add("authority", str, "移交或处分建议的接收部门", "第二十四条移交、第二十七条处分建议的接收部门", default="")
        if measure == "improvement":
            f.add("requirements", str, "改进要求", "第二十七条：写入改进要求通知书", default="")
        if measure == "revocation":
            f.add("persons", str, "直接负责的主管人员和其他责任人员", "仅第二十七条处分建议用（不对外公布）", default="")
    _code(f)
    return f.model("SanctionDecisionForm", header)


def opening_form(header: str, errors: list[str], previous: dict, field_errors: dict) -> type[RunInput]:
    """Opening the procedure is an agency decision like any other: who opens it is recorded
    before the 告知书 goes out (第二十五条)."""
    f = _Form(errors, field_errors, previous)
    _code(f)
    return f.model("SanctionOpeningForm", header)


def minutes_form(header: str, errors: list[str], previous: dict, field_errors: dict) -> type[RunInput]:
    f = _Form(errors, field_errors, previous)
    f.add("minutes", str, "约谈记录", "约谈情况、主要负责人的说明和承诺（第二十一条）；列入监管档案")
    _code(f)
    return f.model("InterviewMinutesForm", header)


def review_form(header: str, review: tuple, errors: list[str], previous: dict,
                field_errors: dict, open_cases: list[str] = ()) -> type[RunInput]:
    """The review of one report round: `review` is RECTIFICATION_REVIEW or IMPROVEMENT_REVIEW.
    `open_cases`: the institution's open revocation-level cases — shown, and a resumption despite
    them needs its reason (resume_reason)."""
    choices, help_text = review
    f = _Form(errors, field_errors, previous)
    f.add("outcome", choices, "审核结论", help_text)
    if open_cases:
        f.add("resume_reason", str, "恢复评价活动的理由（该机构有可能撤销备案回执的未结案件）",
              f"未结案件：{'；'.join(open_cases)}。选择恢复评价活动时必填", default="")
    f.add("requirements", str, "整改（改进）要求或说明", "另定期限时必填；写入发给评价机构的新链接邮件", default="")
    f.add("new_due", DateText, "新的期限", "另定期限时填写（YYYY-MM-DD）", default="")
    _code(f)
    return f.model("ReportReviewForm", header)
