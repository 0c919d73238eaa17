"""Step 3 of internal supervision — a 不合格 internal record asks the institution what it did about
it (第十六条 with 第十五条(一)5: the institution improves or rectifies): a short account with
evidence, through a one-time link to its internal-supervision contact, within
`internal_followup_days` (ours: the regulation sets no period for an institution's own follow-up),
calendar days whose last day, on a day off, moves to the next working day (民法典第二百零三条, our
reading for every calendar-day period, issue 17 point 5). The sweep reports a missing one to the
agency (sweep.py) once that real last day has passed."""

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.templates import chinese_date
from models import (
    EvaluationSession,
    Institution,
    InternalRecord,
    PortalLink,
    PortalSubmission,
)
from procedures.casework.cases import Refusal, local_date
from procedures.casework.unknown_dues import Period
from procedures.casework.work_calendar import current_calendar
from procedures.internal.assignment import CASE_KIND, contact_of, end_of, notify_text
from procedures.portal import links as portal_links
from regulation.calendar import CalendarDataMissing
from regulation.checklists import load_checklist
from regulation.deadlines import calendar_days_due

FOLLOWUP_KIND = "internal_followup"
FOLLOWUP_TITLE = "内督不合格的整改说明"
FOLLOWUP_MAX_CHARS = 5000  # the "text" kind of procedures.portal.limits


def ask_followup(s: Session, record: InternalRecord, sess: EvaluationSession, inst: Institution, on: date,
                 days: int) -> None:
    record.followup_due, known = followup_due(s, on, days)
    s.add(record)
    name, email = inst.internal_contact
    portal_links.invite_in(
        s, portal_links.CaseStep(CASE_KIND, record.internal_session_id, "followup", ""),
        portal_links.Recipient("institution", name, email), contact_of(s, inst),
        f"{FOLLOWUP_TITLE} · {sess.batch_number}",
        end_of(record.followup_due if known else Period(on, calendar_days=days).bound()),
        f"{notify_text(sess, inst)} 的内督记录表评定为不合格。请说明针对所发现问题采取的改进或整改措施，"
        f"可附证明材料；请于{chinese_date(record.followup_due)}前提交。",
        kind=FOLLOWUP_KIND, key=f"{CASE_KIND}:{record.internal_session_id}:followup")


def followup_due(s: Session, on: date, days: int) -> tuple[date, bool]:
    """(the last day, known): `days` calendar days after `on`, moved off a day off (民法典第二百零三条).
    In a year with no official schedule yet the nominal day is stored (not known) and the link stays
    open to the period's bound; the sweep reports it only once that year is known and the day it
    moves to has passed (sweep.report_followups)."""
    try:
        return calendar_days_due(on, days, current_calendar(s)), True
    except CalendarDataMissing:
        return on + timedelta(days=days), False


def followup_context(link: PortalLink) -> dict:
    with session_scope() as s:
        record = _record(s, link)
        sess, inst = s.get(EvaluationSession, record.session_id), s.get(Institution, record.institution_id)
        checklist = load_checklist(record.form_kind)
        texts = {i.no: i.text for i in checklist.items}
        vetoes = {v.no: v.text for v in checklist.veto_items}
        return {"closed": "" if record.followup_on is None else "本场次的整改说明已经提交，此链接无需再使用。",
                "institution": inst.name, "batch_number": sess.batch_number, "occupation": sess.occupation,
                "level": sess.level, "session_day": local_date(sess.starts_at), "verdict": record.verdict,
                "negative_count": record.negative_count, "item_count": record.item_count,
                "failed": [(n, texts.get(n, ""), record.remarks.get(str(n), "")) for n in record.failed_items],
                "vetoes": [(n, vetoes.get(n, "")) for n in record.veto_hits],
                "overall_evaluation": record.overall_evaluation, "followup_due": record.followup_due,
                "max_chars": FOLLOWUP_MAX_CHARS}


def _record(s: Session, link: PortalLink) -> InternalRecord:
    return s.exec(select(InternalRecord).where(InternalRecord.internal_session_id == link.case_id)).one()


def check_followup(link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    errors = Refusal()
    text = str(answers.get("measures", "")).strip()
    with session_scope() as s:
        if _record(s, link).followup_on is not None:
            errors.add(None, "整改说明已经提交，不能再次提交")
    if not text:
        errors.add("measures", "整改措施：不能为空，请说明针对所发现问题采取了哪些措施")
    elif len(text) > FOLLOWUP_MAX_CHARS:
        errors.add("measures", f"整改措施：不超过 {FOLLOWUP_MAX_CHARS} 字（现 {len(text)} 字）")
    return errors, {"measures": text}


def followup_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    record = _record(s, link)
    if record.followup_on is not None:
        return
    record.followup_text, record.followup_on = payload["measures"], local_date(at)
    record.followup_submission_id = s.exec(select(PortalSubmission.id).where(PortalSubmission.link_id == link.id)).first()
    s.add(record)


def followup_waits(link: PortalLink) -> bool:
    with session_scope() as s:
        record = s.exec(select(InternalRecord).where(InternalRecord.internal_session_id == link.case_id)).first()
        return record is not None and record.followup_on is None
