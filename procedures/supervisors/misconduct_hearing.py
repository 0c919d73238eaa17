"""The hearing of a misconduct case (第二十六条): the 告知书 names the facts, reasons, basis and
the one measure proposed, with a one-time portal link through which the supervisor states
their case (陈述申辩) within the period; only their own submission ends it early, staff never
type a statement. The period counts in working days from the real sending day; while the year's
calendar is missing it is 期限待定 and the daily sweep (sweep.py) fixes it once loaded. Then
the agency decides (misconduct.py).
"""

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from adapters import clock
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email
from models import Agency, Document, PortalLink, Supervisor
from models.lifecycle import MisconductCase
from procedures.casework.cases import Refusal
from procedures.portal import links as portal_links
from procedures.supervisors.misconduct import (
    CASE_KIND,
    appointing_body,
    case_letter,
    check_not_future,
    handling_agency,
)
from procedures.supervisors.people import file_entry
from regulation.calendar import CalendarDataMissing
from regulation.misconduct import (
    check_agency_decides,
    check_measure_name,
    check_suspension_months,
    item_label,
    proposed_text,
)
from regulation.reasons import RuleViolation

STATEMENT_STEP = "statement"  # the supervisor's 陈述申辩 through the portal (no run waits for it)
STATEMENT_KIND = "misconduct_statement"  # its form: procedures/supervisors/portal_forms.py
STATEMENT_MAX_CHARS = 5000


def _statement_deadline(case: MisconductCase) -> datetime:
    """The end of the period's last day, for the portal link (the period runs in real days); a
    generous bound while it is unknown (the sweep sets it)."""
    last = case.statement_due or case.hearing_notified_on + timedelta(days=UNKNOWN_PERIOD_LINK_DAYS)
    return datetime.combine(last, time(23, 59), tzinfo=clock.tz())

def notify_hearing(s: Session, case_id: int, on: date, proposed: str, months: int | None = None) -> MisconductCase:
    """Tell the supervisor the facts, reasons, basis and the measure proposed (告知书); they may
    state their case through their own portal link until statement_due. The notice is dated,
    and its period counted, from the real day it is sent (clock.today()): `on`, the day staff
    registered the case, may lie in the past and never shortens the period. A proposed suspension
    states its `months` (the decision may not be longer)."""
    from procedures.casework.work_calendar import current_calendar

    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    check_not_future(on, "登记日期")
    if case.hearing_notified_on:
        if proposed == case.proposed_measure and (proposed != "suspension" or months == case.proposed_months):
            return case
        raise RuleViolation(
            f"该案已于 {case.hearing_notified_on} 告知拟作出“{proposed_text(case.proposed_measure, case.proposed_months)}”，陈述申辩期限至 "
            f"{case.statement_due}。本案只能作出不重于该项的处理；拟作出其他处理的，请以该处理重新登记违规情形"
            "（misconduct-register），将发出新的告知书并重新计算陈述申辩期限", "第二十六条")
    sup = s.get(Supervisor, case.supervisor_id)
    check_agency_decides(sup.kind, appointing_body(s, sup)[0])
    check_measure_name(proposed)
    if proposed == "suspension":
        case.proposed_months = check_suspension_months(months)
    agency = handling_agency(s, sup)
    on = clock.today()  # the sending day: the period runs from here
    days = get_settings().misconduct_statement_working_days
    try:
        case.statement_due = current_calendar(s).add_working_days(on, days)
    except CalendarDataMissing as exc:  # as the daily inspection does: 期限待定, told once, the sweep fixes it
        case.statement_due = None
        _calendar_missing(s, agency, exc)
    case.hearing_notified_on, case.status, case.proposed_measure = on, "hearing", proposed
    s.add(case)
    due_text = f"{case.statement_due} 前" if case.statement_due else f"告知书发出之日起{days}个工作日内（具体日期待定，另行告知）"
    doc_id = case_letter(s, case, sup, agency, "misconduct_hearing", "质量督导员违规情形告知书", sup.name,
                     "misconduct_hearing", on, statement_due=case.statement_due, working_days=days,
                     proposed_text=proposed_text(proposed, case.proposed_months))
    link = portal_links.create_link(
        s, portal_links.CaseStep(CASE_KIND, case.id, STATEMENT_STEP, ""),
        portal_links.Recipient("supervisor", sup.name, sup.email), portal_links.Contact(agency.letterhead_name, agency.email),
        "质量督导员陈述和申辩（第二十六条）", _statement_deadline(case),
        "请写明你的陈述和申辩意见。提交后不能修改；期限届满未提交的，视为放弃陈述和申辩。", kind=STATEMENT_KIND)
    subject, text, html = render_email(
        "supervisor_notice", subject_text="【告知】质量督导员违规情形告知书", greeting=sup.name,
        paragraphs=[f"本机构拟依据第二十六条对你作出“{proposed_text(proposed, case.proposed_months)}”的处理，事实、理由和依据见附件告知书。",
                    f"你可于 {due_text}通过以下一次性链接陈述和申辩（仅限本人使用）：{link.url}"],
        sender=agency.letterhead_name)
    enqueue(s, f"misconduct-hearing-mail:{case.id}", sup.email, "supervisor", subject, text, html, None, [doc_id])
    file_entry(s, f"misconduct-hearing:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"已告知拟作出“{proposed_text(proposed, case.proposed_months)}”的事实、理由和依据，陈述申辩期限："
               f"{case.statement_due or '待定（工作日历未载入）'}", doc_id)
    return case


# While the period's end is unknown the link stays open this long; the sweep sets the real end.
UNKNOWN_PERIOD_LINK_DAYS = 31


def _calendar_missing(s: Session, agency: Agency, exc: CalendarDataMissing) -> None:
    """The agency's administrator is told once per year that periods falling in it are 期限待定."""
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【工作日历缺失】{exc.year}年 督导员陈述申辩期限暂无法计算", greeting=agency.name,
        paragraphs=[f"系统尚未载入 {exc.year} 年的全国节假日安排：{exc}",
                    "在载入之前，落在该年的督导员违规案件陈述申辩期限显示为“待定”，期满前不能作出决定；"
                    "载入后，每日期限巡检会自动补算期限并告知当事人。本邮件每个年度只发送一次。"], sender="督导系统")
    enqueue(s, f"calendar-missing-misconduct:{agency.id}:{exc.year}", agency.email, "agency", subject, text, html)


def compute_unknown_statement_dues(s: Session) -> list[int]:
    """The daily sweep: each case heard while the calendar was missing gets its period's end once
    the year is loaded — the portal link takes it, the supervisor is told, the file records it."""
    from procedures.casework.work_calendar import current_calendar

    done = []
    for case in s.exec(select(MisconductCase).where(MisconductCase.status == "hearing",
                                                    col(MisconductCase.statement_due).is_(None),
                                                    col(MisconductCase.hearing_notified_on).is_not(None))):
        try:
            case.statement_due = current_calendar(s).add_working_days(
                case.hearing_notified_on, get_settings().misconduct_statement_working_days)
        except CalendarDataMissing:
            continue
        s.add(case)
        deadline = _statement_deadline(case)
        for link in s.exec(select(PortalLink).where(PortalLink.case_kind == CASE_KIND, PortalLink.case_id == case.id)):
            link.deadline = deadline
            link.expires_at = deadline + timedelta(days=get_settings().portal_link_grace_days)
            s.add(link)
        sup = s.get(Supervisor, case.supervisor_id)
        agency = handling_agency(s, sup)
        subject, text, html = render_email(
            "supervisor_notice", subject_text="【告知】陈述申辩期限", greeting=sup.name,
            paragraphs=[f"你的督导员违规案件（告知书于 {case.hearing_notified_on} 发出）陈述申辩期限为 {case.statement_due}，"
                        "请在此前通过告知书邮件中的链接陈述和申辩。"], sender=agency.letterhead_name)
        enqueue(s, f"misconduct-due-mail:{case.id}", sup.email, "supervisor", subject, text, html)
        file_entry(s, f"misconduct-due:{case.id}", sup.person_key, sup.id, clock.today(), "misconduct",
                   f"工作日历已载入，陈述申辩期限确定为 {case.statement_due}，已告知当事人")
        done.append(case.id)
    return done


def record_statement(s: Session, case_id: int, statement: str, on: date, receipt: str) -> MisconductCase:
    """The supervisor's own statement, as their portal link stored it (the only way in: staff
    never type it). It ends the period early; one that comes after the decision is only filed."""
    case = s.get(MisconductCase, case_id)
    sup = s.get(Supervisor, case.supervisor_id)
    if case.status != "hearing":
        file_entry(s, f"misconduct-statement:{case.id}", sup.person_key, sup.id, on, "misconduct",
                   f"收到当事人陈述申辩（回执 {receipt}），该案已于 {case.decided_on} 作出决定，附卷")
        return case
    if case.statement_received_on is None:
        case.statement, case.statement_received_on, case.statement_receipt = statement.strip(), on, receipt
        s.add(case)
        file_entry(s, f"misconduct-statement:{case.id}", sup.person_key, sup.id, on, "misconduct",
                   f"收到当事人本人提交的陈述申辩（回执 {receipt}）")
    return case


# -- the supervisor's 陈述申辩 through the portal (portal_forms.py) ---------------------------------
def _link_case(s: Session, link: PortalLink) -> tuple[MisconductCase, Supervisor]:
    case = s.get(MisconductCase, link.case_id)
    return case, s.get(Supervisor, case.supervisor_id)


def statement_context(link: PortalLink) -> dict:
    from adapters.db import session_scope

    with session_scope() as s:
        case, sup = _link_case(s, link)
        return {"person_name": sup.name, "card_code": sup.card_code, "item_label": item_label(case.item),
                "facts": case.facts,
                "proposed_text": proposed_text(case.proposed_measure, case.proposed_months) if case.proposed_measure else "",
                "statement_due": case.statement_due}


def statement_document(link: PortalLink) -> tuple[str, bytes] | None:
    from adapters.db import session_scope

    with session_scope() as s:
        doc = s.exec(select(Document).where(Document.idempotency_key == f"misconduct-misconduct_hearing:{link.case_id}")
                     ).first()
        return (doc.filename, doc.content) if doc else None


def check_statement(_link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    refusal = Refusal()
    text = str(answers.get("statement", "")).strip()
    if not text:
        refusal.add("statement", "陈述和申辩：未填写。请写明你的陈述和申辩意见")
    elif len(text) > STATEMENT_MAX_CHARS:
        refusal.add("statement", f"陈述和申辩：不超过 {STATEMENT_MAX_CHARS} 字，现为 {len(text)} 字")
    return refusal, {"statement": text}


def statement_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the portal's storing transaction: the statement's day is the real day it came."""
    from models import PortalSubmission
    from procedures.casework.cases import local_date

    receipt = s.exec(select(PortalSubmission.receipt_number).where(PortalSubmission.link_id == link.id)).one()
    record_statement(s, link.case_id, payload["statement"], local_date(at), receipt)
