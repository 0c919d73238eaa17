"""处理程序 — 第十八条–第二十五条, 第二十七条, 附件4. One flow run per pending case.

1. 拟处理: the ladder with the institution's history (interviews, 整改通知书, 改进要求, 不合格
   per session per calendar year); the proposal names the earlier measures it rests on.
2. 第二十五条: the 告知书 (facts, reasons, basis, the proposed measure, the period) and a one-time
   portal link; the run waits for the defence, or for the sweep to close the period.
3. Staff decide (staff code): adopt, change or drop; a reason for each defence point not
   accepted → 处理决定书. An agency that did not file the institution reports to the one that did.
   Served by mail with a 送达回执 link (the institution signs for it); nothing waits for the receipt.
4. The measure, once: 第二十二条 整改通知书 + suspension + register, the rectification report
   through the portal, the review → 恢复评价活动 or a new date; 第二十七条 the improvement report
   through the portal, the review → closed or a new date; 第二十一条 interview minutes;
   第二十条 the institution's explanation; 第二十三条 revocation; 第二十四条 transfer.

Durable like the daily inspection: every side effect is a persisted task with a database key;
"today" is the case's (its as_of). A refused start ends Cancelled, named 已拒绝.
"""

from itertools import count
from typing import Annotated

from prefect import flow, runtime
from prefect.states import Completed

from adapters.markdown_text import inert
from flows import sanction_forms as forms
from flows.asking import ask_until_accepted as _ask
from flows.ending import end_refused
from flows.parameters import BLANK_DATE, day_given, titled
from flows.portal_step import wait_for_submission
from tasks import sanctions as t

DONE = {"closed": "已结案", "dropped": "不予处理，已结案", "reported": "已报告负责备案的人社部门"}
# status → (report step, review pause prefix, record task, review task, review form, what is reviewed)
ROUNDS = {
    "rectifying": ("rectification", "review", t.record_report, t.review, forms.RECTIFICATION_REVIEW, "整改报告（附件4）"),
    "improving": ("improvement", "improvement-review", t.record_improvement, t.review_improvement,
                  forms.IMPROVEMENT_REVIEW, "改进情况报告（第二十七条）"),
}


def _report_rounds(case: dict, run_id: str, step: str, review_key: str, record, review, review_choices,
                   what: str) -> None:
    """Report, staff review, and again with a new date until accepted; a date missed without a
    report ends it (the sweep opened the escalation and told the run)."""
    case_id, status = case["case_id"], case["status"]
    for round_no in count(1):
        key = f"{step}-{round_no}"
        t.invite(case_id, key, run_id)
        submitted = wait_for_submission(key)
        case = record(case_id, submitted, round_no)
        if case["status"] != status:
            break  # the deadline passed without a report: the sweep opened the escalation
        header = (f"**{inert(case['institution'])}** · 第{round_no}轮{what}已收到，请审核\n\n"
                  + t.report_summary(submitted, run_id, key))
        _ask(f"{review_key}-{round_no}", _review_form(case_id, step, f"{review_key}-{round_no}", header, review_choices),
             lambda k, a: review(case_id, k, a))
        case = t.read_view(case_id, f"after-{review_key}-{round_no}")
        if case["status"] != status:
            break


def _review_form(case_id: int, step: str, prefix: str, header: str, review_choices):
    """The review form, read again each time it is asked: a rectification review shows the
    institution's open revocation-level cases (a resumption then needs its reason)."""
    attempts = count(1)

    def make(errors, previous, field_errors):
        open_cases = t.review_context(case_id, f"{prefix}-{next(attempts)}") if step == "rectification" else []
        shown = header + (f"\n\n**尚有可能撤销备案回执的未结案件**：{'；'.join(open_cases)}（恢复评价活动须写明理由）"
                          if open_cases else "")
        return forms.review_form(shown, review_choices, errors, previous, field_errors, open_cases)
    return make


def _opening_header(case: dict) -> str:
    then = ("启动后向评价机构发出事先告知书（第二十五条）" if case["hearing"]
            else "第二十四条移交不事先告知评价机构")
    return (f"**{case['institution']}**（{case['filing_number']}）· 拟处理 **{case['measure_name']}**"
            f"（{case['article']}）。请核对本运行 Artifacts 中的案卷，填写本人工作人员代码启动处理程序；{then}。")


def _run_name() -> str:
    """The case's number once the run has started its case: Prefect names the run again at each
    start (a resume after a pause restarts it), so the name is read from the case, not kept."""
    from procedures.sanctions.proposal import run_name_of

    known = run_name_of(str(runtime.flow_run.id))
    if known:
        return known
    p = runtime.flow_run.parameters
    if p.get("pending_case_id"):
        return f"处理程序 待处理案件{p['pending_case_id']}"
    if p.get("sanction_case_id"):
        return f"处理程序 案件{p['sanction_case_id']}"
    return f"处理程序 {p.get('filing_number') or ''} {p.get('article') or ''}".strip()


@flow(name="sanction-procedure", persist_result=True, flow_run_name=_run_name)
def sanction_procedure(
    pending_case_id: Annotated[int, titled("待处理案件编号", "日常督导、专项督导登记的待处理案件编号（启动处理程序）；登记新发现的问题时留 0")] = 0,
    sanction_case_id: Annotated[int, titled("处理案件编号", "期限巡检开立的处理案件编号（逾期未整改、年度第三次不合格、长期未开展评价）；否则留 0")] = 0,
    filing_number: Annotated[str, titled("备案编号", "直接登记发现的问题时填写评价机构的备案编号")] = "",
    article: Annotated[str, titled("条款", "直接登记时填写所涉条款和项，如“第二十二条（二）”")] = "",
    facts: Annotated[str, titled("事实", "直接登记时写明发现的问题（将写入告知书）")] = "",
    serious: Annotated[bool, titled("情节严重", "第二十一条情节严重、第二十七条拒不整改或情节严重时选“是”")] = False,
    as_of: Annotated[str, titled("业务日期", "留空即为今天；补录或测试时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
):
    """处理程序：拟处理 → 告知和陈述申辩（第二十五条）→ 处理决定 → 措施（第二十条–第二十七条）。"""
    # Left blank it stays blank: each leg's tasks take their own today (the procedure runs for months).
    as_of = day_given(as_of, "业务日期").isoformat() if as_of else ""
    run_id = str(runtime.flow_run.id)
    case = t.start_case(run_id, pending_case_id, sanction_case_id, filing_number, article, facts, serious, as_of)
    if "error" in case:
        end_refused(case["error"])
    case_id = case["case_id"]
    t.publish_case(case_id)
    # who opens the procedure, before anything goes to the institution
    _ask("opening", lambda e, prev, f: forms.opening_form(_opening_header(case), e, prev, f),
         lambda key, a: t.confirm_opening(case_id, key, a))
    t.publish_case(case_id)

    attempts = count(1)  # the form is read again each time it is asked: a late defence shows

    def decision_form(errors, previous, field_errors):
        ctx = t.decision_context(case_id, f"decision-{next(attempts)}")
        p = ctx["proposal"]
        late = f"（其中 {ctx['late']} 条于陈述申辩期届满后转入，见各条标注）" if ctx["late"] else ""
        header = (f"**{inert(case['institution'])}** · 拟处理 **{p['measure_name']}**（{p['article']}）· "
                  f"申辩要点 {len(ctx['points'])} 条{late}。事实、理由、依据和监管档案见本运行的 Artifacts。")
        return forms.decision_form(header, f"{p['measure_name']}（{p['article']}）", ctx["measure"], ctx["points"],
                                   ctx["report_only"], errors, previous, field_errors, p.get("filing_authority", ""),
                                   bool(p.get("referral_too")), bool(p.get("discipline")))

    for hearing in count(1):  # a change to a heavier measure or another basis is heard again (第二十五条)
        if case["hearing"]:
            t.notify_hearing(case_id, run_id, hearing)
            t.publish_case(case_id)  # the case file says what it waits for: the defence
            t.record_defence(case_id, wait_for_submission(case["defence_step"]), hearing)
        else:  # 第二十四条 referral, or a report to the filing authority: no 告知书 of ours
            t.skip_hearing(case_id, hearing)
        t.publish_case(case_id)
        _ask("decision" if hearing == 1 else f"decision-r{hearing}", decision_form,
             lambda key, a: t.decide(case_id, key, a))
        case = t.read_view(case_id, f"after-decision-{hearing}")
        if case["status"] != "pending":
            break
    case = t.carry_out(case_id)  # the 处理决定书 served by mail, with its 送达回执 link; never waits for it
    t.publish_case(case_id)

    if case["status"] == "awaiting_minutes":  # 第二十一条
        _ask("minutes", lambda e, prev, f: forms.minutes_form(f"**{inert(case['institution'])}** · 约谈记录（第二十一条）",
                                                              e, prev, f),
             lambda key, a: t.record_minutes(case_id, key, a))
    elif case["status"] == "awaiting_report":  # 第二十条
        t.invite(case_id, "explanation", run_id)
        t.record_explanation(case_id, wait_for_submission("explanation"))
    elif case["status"] in ROUNDS:  # 第二十七条 improvement, 第二十二条 rectification (附件4)
        _report_rounds(case, run_id, *ROUNDS[case["status"]])
    case = t.read_view(case_id, "end")
    t.publish_case(case_id)
    return Completed(message=DONE.get(case["status"], case["status"]))
