"""What agency staff read of a daily inspection (第八条: never the institution): the record's
summary published as the run's artifact before the decision (verdict, 20% rule, remarks under
their items, confirmations, the proposal, evidence files), when the record arrived, and who
decided last (for the run's log). The case's timeline is procedures.casework.cases.timeline_markdown.
"""

from sqlmodel import select

from adapters.db import session_scope
from adapters.markdown_text import inert
from models import (
    AgencyDecision,
    Dispatch,
    InspectionCase,
    InspectionRecord,
    RecordConfirmation,
    Supervisor,
)
from regulation.checklists import load_checklist


def record_markdown(case_id: int) -> str:
    """Verdict summary for agency staff in the Prefect UI (not for institutions: 第八条). Each
    remark sits under its item (a table column would be pushed off-screen)."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_id)).one()
        confirmations = list(s.exec(select(RecordConfirmation, Supervisor).join(
            Dispatch, Dispatch.id == RecordConfirmation.dispatch_id).join(
            Supervisor, Supervisor.id == Dispatch.supervisor_id).where(RecordConfirmation.case_id == case_id)))
        checklist = load_checklist(record.form_kind)
        due = f"应于 {record.due_on} 前" if record.due_on else "提交期限暂无法计算"
        lines = [f"# 督导记录：{inert(case.batch_number)}", "",
                 f"- 评定结果：**{record.verdict}**（否定项 {record.negative_count}/{record.item_count}，"
                 f"{record.negative_count / record.item_count:.1%}）；督导员评定：**{record.supervisor_verdict}**",
                 f"- 总体评价：{inert(record.overall_evaluation)}",
                 f"- 督导结束：{record.inspection_ended_on}；提交：{received_text(record)}"
                 f"（{'逾期，' if record.late else '按期，'}{due}）",
                 *([f"- 结束日期晚于计划的原因：{inert(record.stated_end_reason)}"] if record.stated_end_reason else []),
                 f"- 督导方式：{inert('、'.join(record.methods))}",
                 *(f"- 督导员 {inert(sup.name)}：{_POSITION[c.position]}{'：' + inert(c.text) if c.text else ''}"
                   for c, sup in confirmations),
                 f"- 建议处理：**{case.proposal.get('option')}**（{case.proposal.get('article')}）", ""]
        if record.veto_hits:
            lines += ["## 一票否决项", *(f"- {checklist.veto_items[n - 1].text}" for n in record.veto_hits), ""]
        if record.failed_items:
            lines += ["## 否定项", ""]
            for n in record.failed_items:
                lines.append(f"**{n}. {checklist.item(n).text}**")
                lines += [f"> 备注：{inert(record.remarks[str(n)], block=True)}", ""] if record.remarks.get(str(n)) else [""]
        others = [n for n in range(1, record.item_count + 1)
                  if n not in record.failed_items and record.remarks.get(str(n), "").strip()]
        if others:  # a remark on an item answered 是 is still what the supervisor saw: staff read it too
            lines += ["## 其他项的备注", ""]
            for n in others:
                lines += [f"**{n}. {checklist.item(n).text}**", f"> 备注：{inert(record.remarks[str(n)], block=True)}", ""]
        lines += ["## 理由", *(f"- {inert(r)}" for r in case.proposal.get("reasons", [])), ""]
    from procedures.portal import evidence

    return "\n".join(lines + evidence.markdown(evidence.record_files(case_id), case_id))


_POSITION = {"confirmed": "确认记录表", "disagreed": "不同意", "overdue": "逾期未确认"}


def received_text(record: InspectionRecord) -> str:
    """When the record arrived; with a business date (as_of) that differs, that date too, since
    the deadline counts from it."""
    received = record.received_on or record.submitted_on
    return str(received) if received == record.submitted_on else f"{received}（业务日期 {record.submitted_on}，期限按业务日期计算）"


def last_decider(case_id: int) -> str:
    """The name of whoever made the case's latest agency decision (for the run's log)."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        decision = s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case_id)).first()
        if decision is not None:
            return decision.handled_by
        if case.verifications:
            return case.verifications[-1].get("by", "")
        return case.go_ahead_by
