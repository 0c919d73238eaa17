"""日常督导 — 第十五条(一), 第十七条, 附件3. One flow run per inspected session.

1. 外督员提前了解当次评价活动的总体情况: check the session, dispatch, mail the brief.
2. 督导 on site or remotely; 第十七条: the record form (附件3) within 2 working days.
3. 委派机构视反馈情况: 约谈提醒 / 提醒函 / 质量通报, or a special inspection or sanction.
4. 评价机构完善或整改: the letter goes to the institution.

Durable: every side effect is a persisted task with a database idempotency key, so the
replay from the top after each resume repeats nothing. "Today" comes from the case row
(its as_of), never from the clock in this body.
"""

from datetime import date
from itertools import count

from prefect import flow, runtime
from prefect.states import Completed

from flows.asking import ask
from flows.forms import decision_form, record_form
from regulation.checklists import load_checklist
from tasks import inspection as t


def _record_header(case) -> str:
    return (f"**{case.institution}** · 批次 {case.batch_number} · 记录表应于 **{case.record_due}** 前提交"
            f"（第十七条）。逐项选择是/否；否定项达20%或任一一票否决项为“是”即不合格（附件3）。")


def _decision_header(case, ctx: dict) -> str:
    p = ctx["proposal"]
    return (f"**{case.institution}** · 批次 {case.batch_number} · 评定 **{ctx['verdict']}**"
            f"（否定项 {ctx['negative_count']}/{ctx['item_count']}）。系统建议：**{p['option']}**（{p['article']}）。"
            f"评定详情见本运行的 Artifacts。")


@flow(name="daily-inspection", persist_result=True)
def daily_inspection(
    batch_number: str,
    supervisor_cards: list[str] | None = None,
    supervisor_count: int = 1,
    as_of: date | None = None,
    agency_id: str | None = None,
):
    """日常督导：委派 → 记录表（2个工作日内）→ 委派机构处理。

    batch_number: 职业技能等级认定批次编号；supervisor_cards: 指定外督员证卡编码（留空则随机抽取）；
    supervisor_count: 随机抽取人数；as_of: 业务日期（默认今天）；agency_id: 委托第三方机构（可选）。
    """
    case = t.open_case(str(runtime.flow_run.id), batch_number, as_of, agency_id)
    if case.status == "dispatching":
        case = t.dispatch_supervisors(case.case_id, supervisor_cards, supervisor_count)
    if case.status == "refused":
        t.publish_timeline(case.case_id)
        return Completed(message=f"已终止：{case.refusal_reason}")
    t.deliver_mail(case.case_id)

    checklist = load_checklist(case.form_kind)
    errors, previous = [], {}
    for attempt in count(1):
        key = f"record-{attempt}"
        answer = ask(record_form(checklist, _record_header(case), errors, previous), key)
        answers = answer.model_dump(mode="json")
        outcome = t.submit_record(case.case_id, key, answers)
        if outcome.accepted:
            break
        errors, previous = outcome.errors, answers
    t.publish_record_summary(case.case_id)
    t.deliver_mail(case.case_id)

    ctx = t.decision_context(case.case_id)
    errors = []
    for attempt in count(1):
        key = f"decision-{attempt}"
        answer = ask(decision_form(_decision_header(case, ctx),
                                   f"{ctx['proposal']['option']}（{ctx['proposal']['article']}）", errors), key)
        outcome = t.record_decision(case.case_id, key, answer.model_dump(mode="json"))
        if outcome.accepted:
            break
        errors = outcome.errors
    summary = t.carry_out(case.case_id)
    t.deliver_mail(case.case_id)
    t.publish_timeline(case.case_id)
    return summary
