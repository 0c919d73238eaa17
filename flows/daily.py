"""日常督导 — 第十五条(一), 第十七条, 附件3. One flow run per inspected session.

1. 外督员提前了解当次评价活动的总体情况: check the session, dispatch, mail the brief. A session
   that should not take place is a finding: staff decide whether supervisors still go.
2. 督导 on site or remotely; 第十七条: the record form (附件3) within 2 working days; with
   several supervisors, the others confirm it.
3. 委派机构视反馈情况: 调查核实 / 约谈提醒 / 提醒函 / 质量通报, or a special inspection or sanction.
4. 评价机构完善或整改: the letter goes to the institution.

Durable: every side effect is a persisted task with a database idempotency key, so the
replay from the top after each resume repeats nothing. "Today" comes from the case row
(its as_of), never from the clock in this body. A refused run ends Cancelled, named 已拒绝
(never a green Completed), without an ERROR in its log (flows/ending.py).
"""

from itertools import count
from typing import Annotated

from prefect import flow, runtime
from prefect.states import Completed

from adapters.markdown_text import inert
from flows import forms
from flows.asking import ask, forget_codes, holds_code
from flows.asking import ask_until_accepted as _ask
from flows.ending import end_refused
from flows.parameters import BLANK_DATE, titled
from flows.portal_step import wait_for_submission
from tasks import daily as t


def _run_name() -> str:
    batch = str(runtime.flow_run.parameters.get("batch_number", ""))
    try:
        from procedures.casework.case_reads import run_name

        return run_name(batch)
    except Exception:  # the name is a convenience: never let it stop a run
        return batch or "日常督导"


def _confirmation_header(case) -> str:
    return (f"**{inert(case.institution)}** · 批次 {inert(case.batch_number)} · 记录表已由一名督导员提交，其他督导员正通过各自的"
            f"门户链接确认（第十七条）。期限届满后仍未确认的，委派机构可在此按逾期未确认处理（填写工作人员代码）。")


def _decision_header(case, ctx: dict) -> str:
    p = ctx["proposal"]
    checked = "".join(f" 已调查核实（{v['on']}，{inert(v['by'])}）。" for v in ctx["verifications"])
    return (f"**{inert(case.institution)}** · 批次 {inert(case.batch_number)} · 评定 **{ctx['verdict']}**"
            f"（否定项 {ctx['negative_count']}/{ctx['item_count']}）。系统建议：**{p['option']}**（{p['article']}）。"
            f"{checked}评定详情见本运行的 Artifacts。")


@flow(name="daily-inspection", persist_result=True, flow_run_name=_run_name)
def daily_inspection(
    batch_number: Annotated[str, titled("批次编号", "职业技能等级认定批次编号（必填），如 PC-2026-001")],
    supervisor_cards: Annotated[list[str], titled("指定外督员证卡编码", "留空则按第十条、第十三条随机抽取；指定时逐个填写证卡编码，如 R3722A001")] = (),
    supervisor_count: Annotated[int, titled("随机抽取人数", "未指定外督员时随机抽取的人数（默认1人）")] = 1,
    as_of: Annotated[str, titled("业务日期", "留空即为今天；补录或测试时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
    agency_id: Annotated[str, titled("委派机构编码", "留空则由对该机构有管辖权的人社部门委派（第十一条）；受委托的第三方填写其编码")] = "",
):
    """日常督导：委派 → 记录表（2个工作日内）→ 委派机构处理。"""
    case = t.open_case(str(runtime.flow_run.id), batch_number, as_of or None, agency_id or None)
    if case.status == "awaiting_go_ahead":
        header = f"**{inert(case.institution)}** · 批次 {inert(case.batch_number)} · 不应开展：{inert(case.finding)}"
        _ask("go-ahead", lambda e, p, f: forms.go_ahead_form(header, e, p, f),
             lambda key, a: t.decide_go_ahead(case.case_id, key, a))
    if case.status != "refused":
        case = t.dispatch_supervisors(case.case_id, list(supervisor_cards or []), supervisor_count)
    if case.status == "refused":
        t.publish_timeline(case.case_id)
        end_refused(case.refusal_reason)
    if case.status == "closed":
        t.publish_timeline(case.case_id)
        return Completed(message="未委派督导员，结案；违规线索已登记待处理")

    # 第十七条: the record (附件3) and, with several supervisors, the others' confirmations come in
    # through their portal links; the portal checked and stored them, the run judges them again.
    run_id = str(runtime.flow_run.id)
    for attempt in count(1):
        if t.case_view(case.case_id).status != "awaiting_record":
            break
        t.take_record(case.case_id, run_id, wait_for_submission(f"record-{attempt}"))
    errors, field_errors = [], {}
    for attempt in count(1):
        if t.case_view(case.case_id).status != "awaiting_confirmation":
            break
        key = f"confirm-{attempt}"
        got = ask(forms.confirmation_step(_confirmation_header(case), errors, field_errors), key)
        if got.submission_id:
            t.take_confirmation(case.case_id, run_id, got.submission_id)
            errors, field_errors = [], {}
        else:
            outcome = t.close_overdue(case.case_id, key, got.staff_code)
            if holds_code(got.staff_code):
                forget_codes(key)  # stored by pause key: a replay reads the outcome, not the code
            errors, field_errors = (([], {}) if outcome.accepted else (outcome.errors, outcome.field_errors))
    t.publish_record_summary(case.case_id)

    def decision_form(errors, previous, field_errors):
        ctx = t.decision_context(case.case_id)
        p = ctx["proposal"]
        return forms.decision_form(_decision_header(case, ctx), f"{p['option']}（{p['article']}）", errors, previous,
                                   field_errors, ctx["report_days"], ctx["has_problems"])

    _ask("decision", decision_form, lambda key, a: t.record_decision(case.case_id, key, a))
    return t.carry_out(case.case_id)  # letter, mail, timeline
