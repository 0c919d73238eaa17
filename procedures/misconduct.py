"""Supervisor misconduct (第二十六条): a case opened from the sweep's overdue marks
(第二十六条（二）) or registered by staff, heard, decided, and recorded in the supervisor's file.

- criticism (批评教育): recorded;
- suspension (暂停质量督导任务委派) for a period: the supervisor is not drawn until it ends
  (the daily sweep lifts it);
- dismissal (情节严重): card cancelled, appointment ended on the decision day, a ban on any
  supervision work in Shandong (by identity number: never drawn, carded or appointed
  again), the employer notified by letter (.docx, sent through the agency).
The hearing rule is regulation.misconduct.check_measure (see its interpretations).
"""

from datetime import date

from sqlmodel import Session, col, select

from adapters.documents import OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email, render_paragraphs
from models import Agency, AppointmentTerm, Dispatch, EvaluationSession, Supervisor
from models.lifecycle import MisconductCase, SupervisionBan
from procedures.supervisors import file_entry
from regulation.deadlines import add_calendar_months
from regulation.misconduct import (
    MEASURES,
    OVERDUE_RECORD_ITEM,
    Hearing,
    check_item,
    check_measure,
    item_label,
)
from regulation.reasons import RuleViolation


def owning_agency_id(s: Session, sup: Supervisor) -> str:
    """The agency that handles a misconduct case: the card's issuer (the province when unknown)."""
    agency = s.get(Agency, sup.issuer) or s.exec(select(Agency).where(Agency.level == "province")).first()
    return agency.id


def decider_for(s: Session, code: str, card_code: str | None = None, case_id: int | None = None):
    """Who decides (procedures.staff.Decider) for the case of `case_id`, or for a supervisor's
    card about to be registered; otherwise the reason in Chinese. A read: writes nothing."""
    from procedures import staff

    if case_id is not None:
        case = s.get(MisconductCase, case_id)
        sup = s.get(Supervisor, case.supervisor_id) if case else None
    else:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == (card_code or "").strip().upper())).first()
    if sup is None:  # the step itself refuses it with its own reason
        return staff.verify(s, "", code)
    return staff.verify(s, owning_agency_id(s, sup), code)


def open_case(s: Session, supervisor_id: int, item: int, facts: str, on: date, opened_by: str,
              key: str, source: str = "registered", dispatch_id: int | None = None,
              opened_by_staff_id: int | None = None) -> MisconductCase:
    """Open (once per key) a 第二十六条 case against a supervisor."""
    check_item(item)
    found = s.exec(select(MisconductCase).where(MisconductCase.key == key)).first()
    if found:
        return found
    sup = s.get(Supervisor, supervisor_id)
    if sup is None:
        raise RuleViolation(f"督导员 {supervisor_id} 不存在", "第二十六条")
    if not facts.strip():
        raise RuleViolation("须写明违规事实", "第二十六条")
    case = MisconductCase(key=key, supervisor_id=sup.id, item=item, facts=facts.strip(), source=source,
                          dispatch_id=dispatch_id, opened_on=on, opened_by=opened_by,
                          opened_by_staff_id=opened_by_staff_id)
    s.add(case)
    s.flush()
    file_entry(s, f"misconduct-opened:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"立案核查：{item_label(item)}。事实：{case.facts}")
    return case


def open_overdue_cases(s: Session, as_of: date) -> list[MisconductCase]:
    """Each dispatch the deadline sweep marked overdue (第二十六条（二）) opens one case."""
    rows = s.exec(select(Dispatch, EvaluationSession.batch_number)
                  .join(EvaluationSession, EvaluationSession.id == Dispatch.session_id)
                  .where(col(Dispatch.overdue_on).is_not(None)))
    opened = []
    for d, batch in rows:
        key = f"overdue:{d.id}"
        if s.exec(select(MisconductCase.id).where(MisconductCase.key == key)).first():
            continue
        opened.append(open_case(s, d.supervisor_id, OVERDUE_RECORD_ITEM,
                                f"批次 {batch} 的日常督导情况记录表未在2个工作日内提交（第十七条），{d.overdue_on} 报告逾期",
                                as_of, "期限巡检", key, "overdue", d.id))
    return opened


def _letter(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, kind: str, title: str,
            recipient: str, template: str, on: date, **ctx) -> int:
    key = f"misconduct-{kind}:{case.id}"
    from models import Document

    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        paragraphs = render_paragraphs(template, facts=case.facts, item_label=item_label(case.item),
                                       person_name=sup.name, card_code=sup.card_code, **ctx)
        letter = OfficialLetter(kind=kind, issuer=agency.name, title=title, recipient=recipient,
                                number=allocate_number(s, agency.id, agency.letter_prefix, on.year),
                                paragraphs=paragraphs, issued_on=on)
        doc = store_document(s, key, letter, agency.id, None)
    return doc.id


def notify_hearing(s: Session, case_id: int, on: date) -> MisconductCase:
    """Tell the supervisor the facts, reasons and basis; they may state their case until statement_due."""
    from procedures.work_calendar import current_calendar

    case = s.get(MisconductCase, case_id)
    if case.hearing_notified_on:
        return case
    if case.status == "decided":
        raise RuleViolation("该案已作出决定", "第二十六条")
    sup, agency = s.get(Supervisor, case.supervisor_id), None
    agency = s.get(Agency, sup.issuer) or s.exec(select(Agency).where(Agency.level == "province")).first()
    case.statement_due = current_calendar(s).add_working_days(on, get_settings().misconduct_statement_working_days)
    case.hearing_notified_on, case.status = on, "hearing"
    s.add(case)
    doc_id = _letter(s, case, sup, agency, "misconduct_hearing", "质量督导员违规情形告知书", sup.name,
                     "misconduct_hearing", on, statement_due=case.statement_due)
    subject, text, html = render_email(
        "supervisor_notice", subject_text="【告知】质量督导员违规情形告知书", greeting=sup.name,
        paragraphs=[f"本机构拟依据第二十六条对你作出处理，事实、理由和依据见附件告知书。你可于 {case.statement_due} 前书面陈述和申辩。"],
        sender=agency.name)
    enqueue(s, f"misconduct-hearing-mail:{case.id}", sup.email, "supervisor", subject, text, html, None, [doc_id])
    file_entry(s, f"misconduct-hearing:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"已告知拟处理的事实、理由和依据，陈述申辩期限至 {case.statement_due}", doc_id)
    return case


def record_statement(s: Session, case_id: int, statement: str, on: date) -> MisconductCase:
    case = s.get(MisconductCase, case_id)
    if case.hearing_notified_on is None:
        raise RuleViolation("尚未告知当事人，不能登记陈述申辩", "第二十六条")
    if not statement.strip():
        raise RuleViolation("陈述申辩内容不能为空", "第二十六条")
    if case.statement_received_on is None:
        case.statement, case.statement_received_on = statement.strip(), on
        s.add(case)
        sup = s.get(Supervisor, case.supervisor_id)
        file_entry(s, f"misconduct-statement:{case.id}", sup.person_key, sup.id, on, "misconduct", "收到当事人陈述申辩")
    return case


def decide(s: Session, case_id: int, measure: str, on: date, decided_by: str,
           suspension_months: int | None = None, decided_by_staff_id: int | None = None) -> MisconductCase:
    """Decide the measure (第二十六条); refused when the hearing rule is not met."""
    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    if case.status == "decided":
        return case
    check_measure(measure, Hearing(case.hearing_notified_on, case.statement_due, case.statement_received_on is not None),
                  on, suspension_months)
    if not decided_by.strip():
        raise RuleViolation("须写明决定人", "第二十六条")
    sup = s.get(Supervisor, case.supervisor_id)
    agency = s.get(Agency, sup.issuer) or s.exec(select(Agency).where(Agency.level == "province")).first()
    text = MEASURES[measure]
    if measure == "suspension":
        case.suspended_until = add_calendar_months(on, suspension_months)
        text = f"暂停质量督导任务委派 {suspension_months} 个月（至 {case.suspended_until}）"
        # card_status "suspended" (pool_exclusions, 第二十六条): status "dispatch_suspended" is 18
        # characters and does not fit supervisor.status (VARCHAR(16)) on PostgreSQL.
        sup.card_status = "suspended"
    elif measure == "dismissal":
        _dismiss(s, case, sup, agency, on)
    case.measure, case.decided_on, case.decided_by, case.decision_text, case.status = \
        measure, on, decided_by.strip(), text, "decided"
    case.decided_by_staff_id = decided_by_staff_id
    s.add_all([case, sup])
    doc_id = _letter(s, case, sup, agency, "misconduct_decision", "质量督导员违规处理决定书", sup.name,
                     "misconduct_decision", on, statement=case.statement, measure_text=text)
    subject, body, html = render_email("supervisor_notice", subject_text="【处理决定】质量督导员违规处理决定书",
                                       greeting=sup.name, paragraphs=[f"依据第二十六条，决定：{text}。决定书见附件。"],
                                       sender=agency.name)
    enqueue(s, f"misconduct-decision-mail:{case.id}", sup.email, "supervisor", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-decision:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"处理决定（{decided_by.strip()}）：{text}。依据：{item_label(case.item)}", doc_id)
    return case


def _dismiss(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    sup.card_status, sup.status = "revoked", "dismissed"
    for term in s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == sup.id,
                                                     AppointmentTerm.end >= on)):
        if term.start > on:
            s.delete(term)  # a future term never begins
        else:
            term.end = on  # the stored end wins (第十条 interpretation in RULES.md)
            s.add(term)
    if s.get(SupervisionBan, sup.person_key) is None:
        s.add(SupervisionBan(person_key=sup.person_key, since=on, misconduct_case_id=case.id))
    employer = sup.employer or "当事人所在单位"
    doc_id = _letter(s, case, sup, agency, "employer_notice", "关于取消质量督导员证卡并予以解聘的通报", employer,
                     "employer_notice", on, decided_on=on)
    subject, body, html = render_email(
        "supervisor_notice", subject_text=f"【请转送所在单位】{sup.name} 解聘通报", greeting=agency.name,
        paragraphs=[f"依据第二十六条，{sup.name}（{sup.card_code}）的证卡已取消、予以解聘并不得再从事我省质量督导工作。",
                    f"致其所在单位（{employer}）的通报见附件，请送达。"], sender="督导系统")
    enqueue(s, f"misconduct-employer-mail:{case.id}", agency.email, "agency", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-dismissal:{case.id}", sup.person_key, sup.id, on, "dismissal",
               f"取消证卡 {sup.card_code}，解聘，不得再从事我省质量督导工作；已通报所在单位（{employer}）", doc_id)
