"""Step 4 of the daily inspection — the agency's follow-up (第十五条(一)3, 第二十三条(十)): once
the record counts, the proposal (the ladder in regulation.sanctions, with the institution's
earlier 不合格 results counted per session) and the agency's mail; the agency's decision
(调查核实 / 约谈提醒 / 提醒函 / 质量通报 / 转专项督导 / 启动处理程序, signed with a staff code);
carrying it out: the numbered letter to the institution (its report date, 民法典第二百零三条),
or a pending case for the other procedure (a third 不合格 opens its one sanction case now).
"""

from datetime import date

from sqlmodel import Session, col, select

from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import (
    Agency,
    AgencyDecision,
    Dispatch,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    RecordConfirmation,
    Supervisor,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal, add_event, answer_once, run_url
from procedures.casework.letters import chinese_date, issue_letter
from procedures.casework.pending import THIRD_FAIL_ARTICLE, open_pending, open_third_fail_case
from procedures.casework.views import Outcome
from procedures.casework.work_calendar import current_calendar
from procedures.daily.opening import decider_of
from regulation.calendar import CalendarDataMissing
from regulation.checklists import FORM_NAMES, load_checklist
from regulation.deadlines import report_due
from regulation.sanctions import (
    FOLLOWUP_OPTIONS,
    REPORTING_LETTERS,
    VERIFY,
    SanctionHistory,
    failed_results_per_session,
    followup_refusals,
    propose_daily_followup,
)
from regulation.scoring import score

LETTERS = {  # decision → (template, title, document kind)
    # 第十五条(一)3 约谈提醒: a reminder talk with the institution, not the 第二十一条 interview
    # of its 主要负责人 (a sanction, with its own procedure).
    "约谈提醒": ("reminder_talk_notice", "约谈提醒通知", "reminder_talk_notice"),
    "提醒函": ("reminder_letter", "提醒函", "reminder_letter"),
    "质量通报": ("quality_bulletin", "质量通报", "quality_bulletin"),
}
PENDING_KINDS = {"转专项督导": "special_inspection", "启动处理程序": "sanction"}


def record_counts(s: Session, case: InspectionCase, record: InspectionRecord, today: date) -> None:
    """Every dispatched supervisor has signed, confirmed or disagreed (or was closed as overdue):
    the record counts — proposal, agency mail, decision."""
    sess = s.get(EvaluationSession, case.session_id)
    inst = s.get(Institution, case.institution_id)
    agency = s.get(Agency, case.agency_id)
    supervisor = s.get(Supervisor, record.submitted_by)
    checklist = load_checklist(record.form_kind)
    result = score(checklist, {int(k): v for k, v in record.veto_answers.items()},
                   {int(k): v for k, v in record.item_answers.items()})
    record.confirmed_on = today
    s.add(record)
    for d in s.exec(select(Dispatch).where(Dispatch.case_id == case.id, Dispatch.status == "dispatched")):
        d.status = "recorded"
        s.add(d)
    facts = (f"{record.inspection_ended_on}，外督员对{inst.name}组织的{sess.occupation}（{sess.level}）"
             f"{FORM_NAMES[sess.form_kind]}（批次编号：{sess.batch_number}）进行日常督导，总体评价结果为“{result.verdict}”")
    proposal = propose_daily_followup(result, _sanction_history(s, case), record.inspection_ended_on, facts)
    case.proposal = dict(case.proposal) | {
        "option": proposal.option, "reasons": [str(r) for r in proposal.reasons],
        "article": proposal.sanction.article if proposal.sanction else "第十五条（一）",
        "notice_text": proposal.sanction.notice_text if proposal.sanction else ""}
    case.status = "awaiting_decision"
    s.add(case)
    confirmations = [(sup.name, c.position, c.text) for c, sup in s.exec(
        select(RecordConfirmation, Supervisor).join(Dispatch, Dispatch.id == RecordConfirmation.dispatch_id)
        .join(Supervisor, Supervisor.id == Dispatch.supervisor_id).where(RecordConfirmation.case_id == case.id))]
    subject, text, html = render_email(
        "record_received", agency_name=agency.name, batch_number=sess.batch_number, institution=inst.name,
        supervisor_name=supervisor.name, submitted_on=record.submitted_on, received_on=record.received_on,
        late=record.late, due_on=record.due_on,
        verdict=result.verdict, supervisor_verdict=record.supervisor_verdict,
        overall_evaluation=record.overall_evaluation, inspection_ended_on=record.inspection_ended_on,
        stated_end_reason=record.stated_end_reason, confirmations=confirmations,
        negative_count=result.negative_count, item_count=result.item_count,
        reasons=[str(r) for r in result.reasons], failed_items=result.failed_items,
        proposal_option=proposal.option, proposal_article=case.proposal["article"],
        decision_url=run_url(case.flow_run_id))
    enqueue(s, f"record-received:{case.id}", agency.email, "agency", subject, text, html, case.id)


def _sanction_history(s: Session, case: InspectionCase) -> SanctionHistory:
    """第二十三条(十): earlier 不合格 results of the institution, one per session (never per record or
    run), counting only records that count (confirmed by every dispatched supervisor)."""
    fails = s.exec(select(InspectionCase.session_id, InspectionRecord.inspection_ended_on).join(
        InspectionCase, InspectionCase.id == InspectionRecord.case_id).where(
        InspectionCase.institution_id == case.institution_id, InspectionRecord.verdict == "不合格",
        col(InspectionRecord.confirmed_on).is_not(None), InspectionCase.session_id != case.session_id))
    return SanctionHistory(failed_results=failed_results_per_session(list(fails)))


def decide(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Store the agency's follow-up decision once (第十五条(一)3). 调查核实 is recorded and the
    decision asked again."""
    def judge(s: Session, case: InspectionCase, today: date, errors: Refusal) -> bool:
        option = answers.get("decision")
        opinion = str(answers.get("opinion", "")).strip()
        written = [p.strip() for p in str(answers.get("problems", "")).splitlines() if p.strip()]
        days = answers.get("report_days")
        if option not in FOLLOWUP_OPTIONS:
            errors.add("decision", f"处理决定：应为 {'/'.join(FOLLOWUP_OPTIONS)} 之一")
        decider = decider_of(s, case, answers, errors)
        if not opinion:
            errors.add("opinion", "处理意见：不能为空（调查核实写明核实情况；约谈提醒写明时间、地点和要求；其他写明理由）")
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
        problems = _record_problems(record) + written
        for message in followup_refusals(option, problems, opinion or "-", days if isinstance(days, int) else None):
            field_name = ("problems" if message.startswith("存在的问题") else
                          "report_days" if message.startswith("书面报告") else "opinion")
            errors.add(field_name, message)
        if errors:
            return True
        if option == VERIFY:
            case.verifications = [*case.verifications, {"on": str(today), "by": decider.name,
                                                        "staff_id": decider.staff_id, "text": opinion}]
            s.add(case)
            add_event(s, case.id, f"verify-{pause_key}", today, f"{decider.label} 调查核实：已记录核实情况，待作出处理决定")
            return False
        due = None
        if option in REPORTING_LETTERS:  # a year not yet declared: 期限待定, the sweep computes it later
            agency = s.get(Agency, case.agency_id)
            due, _ = unknown_dues.due_or_unknown(s, agency, lambda cal: report_due(today, days, cal),
                                                 "书面报告期限", f"批次编号 {case.batch_number} 的{option}", case.id)
        s.add(AgencyDecision(case_id=case.id, option=option, proposed_option=case.proposal.get("option", ""),
                             opinion=opinion, problems=written, report_due=due, handled_by=decider.name,
                             report_days=days if option in REPORTING_LETTERS else 0,
                             decided_by_staff_id=decider.staff_id, decided_on=today))
        case.decision = option
        s.add(case)
        add_event(s, case.id, "decision", today, f"{decider.label} 决定：{option}（系统建议：{case.proposal.get('option')}）")
        return True

    return answer_once(case_id, pause_key, "处理决定", judge)


def _record_problems(record: InspectionRecord) -> list[str]:
    """What the institution is told: veto hits and failed items, never remarks or names (第八条)."""
    checklist = load_checklist(record.form_kind)
    problems = [f"一票否决项：{checklist.veto_items[n - 1].text}" for n in record.veto_hits]
    for n in record.failed_items:
        item = checklist.item(n)
        problems.append(f"{item.phase}·{item.category}：未达到“{item.text}”的要求（记录表第{n}项）")
    return problems


def report_due_words(s: Session, decision: AgencyDecision) -> str:
    """A letter's report date, or 「期限待定」 naming the year whose schedule is missing — the year
    the calendar reports (a weekend at the end of December moves into the next year), not the
    nominal date's. A year declared since the decision: the date, stored (no later 期限已确定 mail)."""
    if decision.report_due is None:
        try:
            decision.report_due = report_due(decision.decided_on, decision.report_days, current_calendar(s))
            s.add(decision)
        except CalendarDataMissing as exc:
            return unknown_dues.words(None, str(exc))
    return unknown_dues.words(decision.report_due)


def carry_out(case_id: int) -> str:
    """Issue the letter or open the pending procedure the decision calls for; close the case. Once."""
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        decision = s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case_id)).one()
        today = decision.decided_on
        inst = s.get(Institution, case.institution_id)
        summary = "无需处理，结案"
        if decision.option in LETTERS:
            template, title, kind = LETTERS[decision.option]
            record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
            sess = s.get(EvaluationSession, case.session_id)
            doc = issue_letter(
                s, case.id, s.get(Agency, case.agency_id), inst, kind, template, title, today,
                inspected_on=chinese_date(record.inspection_ended_on), occupation=sess.occupation, level=sess.level,
                form_name=FORM_NAMES[sess.form_kind], batch_number=sess.batch_number, verdict=record.verdict,
                problems=_record_problems(record) + decision.problems, opinion=decision.opinion,
                report_due=report_due_words(s, decision) if decision.option in REPORTING_LETTERS else "")
            summary = f"已向评价机构发出《{doc.title}》（{doc.number}）"
        elif decision.option in PENDING_KINDS:
            facts = case.proposal.get("notice_text") or "；".join(case.proposal.get("reasons", []))
            pending = open_pending(s, PENDING_KINDS[decision.option], inst.id, case_id,
                                   case.proposal.get("article", ""),
                                   (decision.opinion + "。" if decision.opinion else "") + facts, today)
            _third_fail_case(s, case, pending)
            summary = f"已登记待办：{decision.option}（待后续程序办理）"
        case.status = "closed"
        s.add(case)
        if decision.option not in LETTERS:  # a letter has its own event, with its number
            add_event(s, case_id, "closed-note", today, summary)
        add_event(s, case_id, "closed", today, "结案")
        return summary


def _third_fail_case(s: Session, case: InspectionCase, pending) -> None:
    """第二十三条（十）: the year's third 不合格 opens its one sanction case now, under the key the
    sweep uses too (procedures.casework.pending.third_fail_key) — whichever notices it first opens it.
    The year is the one the follow-up counted in (the session's inspection end)."""
    if pending.kind != "sanction" or case.proposal.get("article") != THIRD_FAIL_ARTICLE:
        return
    record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    open_third_fail_case(s, pending, case.agency_id, record.inspection_ended_on.year)
