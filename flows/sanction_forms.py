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


# Every measure's own fields, on every decision form (a Prefect pause form has one schema: staff
# who change the measure must find its fields there, issue 17 point 8). key → (title, which
# measures need it, help); the proposed measure's fields come first under their plain titles.
MEASURE_FIELDS = {
    "interview_time": ("约谈时间", ("interview",), "第二十一条约谈", "写入约谈通知书，如 2026年12月10日上午9时"),
    "interview_place": ("约谈地点", ("interview",), "第二十一条约谈", "写入约谈通知书"),
    "problems": ("存在的质量问题（每行一条）", ("rectification",), "第二十二条整改",
                 "写入《整改通知书》（附件4）；留空则用本案事实"),
    "requirements": ("整改要求或改进要求", ("rectification", "improvement"), "第二十二条整改、第二十七条改进",
                     "由经办人根据发现的问题写明，写入《整改通知书》或改进要求通知书"),
    "authority": ("移交部门或处分建议的接收部门", ("referral", "discipline"), "第二十四条移交、第二十七条撤销备案",
                  "第二十四条移交的有关部门；第二十七条撤销备案时处分建议的接收部门"),
    "persons": ("直接负责的主管人员和其他责任人员", ("discipline",), "第二十七条撤销备案",
                "仅第二十七条处分建议用（不对外公布）"),
}


def measure_fields(measure: str, report_only: bool, referral_too: bool = False,
                   discipline: bool = False) -> list[tuple[str, str, str]]:
    """(key, title, help) of every measure field: those the proposed measure needs first, untitled
    beyond their name; the others say when they are filled in (变更处理为…时填写). `discipline`: a
    revocation that brings 第二十七条's discipline proposal (a 第二十三条 one alone does not ask for it)."""
    needs_of = {measure} | ({"discipline"} if discipline and measure == "revocation" else set())
    own = [] if report_only else [k for k, (_t, needs, _w, _h) in MEASURE_FIELDS.items() if needs_of & set(needs)]
    if referral_too and "authority" not in own:
        own.append("authority")
    rows = [(k, MEASURE_FIELDS[k][0], MEASURE_FIELDS[k][3]) for k in own]
    rows += [(k, f"{title}（变更为{which}时填写）", help_text)
             for k, (title, _needs, which, help_text) in MEASURE_FIELDS.items() if k not in own]
    return rows


def decision_form(header: str, proposed: str, measure: str, points: list[str], report_only: bool,
                  errors: list[str], previous: dict, field_errors: dict, filing_authority: str = "",
                  referral_too: bool = False, discipline: bool = False) -> type[RunInput]:
    f = _Form(errors, field_errors, previous)
    what = f"拟处理：{proposed}" + (f"（本机构非负责备案的人社部门：决定后报告{filing_authority}，不向评价机构送达）"
                                   if report_only else "")
    f.add("decision", Decision, "处理决定", f"{what}。采纳、变更（写明条款和理由）或不予处理（写明理由）")
    f.add("changed_article", str, "变更后的条款（仅变更处理时填写）",
          "如“第二十一条（三）”。仅当变更后的情形已在上次告知书中告知（原条款，或其理由所依据的条款）且处理不更重时，"
          "当即决定；其他变更（其他条款、更重的处理、新的事实）先重新告知评价机构并听取陈述申辩（第二十五条），再作决定",
          default="")
    f.add("changed_facts", str, "变更后的事实（变更须重新告知时必填）",
          "写入新的告知书、处理决定书和报告；原事实保留在变更记录中。当即决定的变更留空（沿用已告知的事实）", default="")
    f.add("reason", str, "理由", "变更或不予处理时必填；写入处理决定书（变更须重新告知的，写入新的告知书）", default="")
    for n, point in enumerate(points, 1):
        f.add(f"point_{n:02d}", PointAnswer, f"申辩要点{n}：{point[:100]}",
              "评价机构的陈述和申辩要点（标明“逾期提交”的，在陈述申辩期届满后收到）：采纳或不采纳")
        f.add(f"point_reason_{n:02d}", str, f"申辩要点{n}不予采纳的理由", "不采纳时必填；写入处理决定书", default="")
    for key, title, help_text in measure_fields(measure, report_only, referral_too, discipline):
        f.add(key, str, title, help_text, default="")
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
