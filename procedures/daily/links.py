"""The portal links of a daily inspection (第十七条, 附件3): each dispatched supervisor's record
link and, with several supervisors, their confirmation links; the staff's 代录 link; until
when a link works (the record's due date, or the provisional bound while it is 期限待定); a
new link after a refused submission; what a link's page shows and whether its step still
waits; and the submission the portal stored, for the run to judge.
"""

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import (
    Agency,
    Dispatch,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    PortalLink,
    PortalSubmission,
    Supervisor,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import STATUS_NAMES, case_today, local_date
from procedures.casework.views import Outcome
from procedures.portal import links as portal_links
from regulation.deadlines import RECORD_WORKING_DAYS

CASE_KIND = "daily_inspection"
RECORD_TITLE = "日常督导情况记录表（附件3）"


def _link_deadline(case: InspectionCase) -> datetime:
    """Until when a record or confirmation link works (plus the grace period): the legal due date,
    or the case's today when that has passed (a late record is still taken, marked late), in
    real time (a case opened with an earlier or later as_of is shifted by its clock offset)."""
    due = max(case.record_due or _provisional_record_end(case), case_today(case))
    return datetime.combine(due - timedelta(days=case.clock_offset_days), time(23, 59), tzinfo=clock.tz())


def _provisional_record_end(case: InspectionCase) -> date:
    """While the record's due day is 期限待定: the bound the other procedures use
    (unknown_dues.provisional_end) from the session's scheduled end, so a December dispatch for a
    January session keeps its link until the record can be due; the sweep sets the real date."""
    from sqlalchemy.orm import object_session

    own = object_session(case)
    if own is not None:
        sess = own.get(EvaluationSession, case.session_id)
    else:
        with session_scope() as s:
            sess = s.get(EvaluationSession, case.session_id)
    start = local_date(sess.ends_at) if sess is not None else case.opened_on
    return unknown_dues.provisional_end(start, RECORD_WORKING_DAYS)


def record_link(s: Session, case: InspectionCase, agency: Agency, d: Dispatch, sup: Supervisor, round_: int,
                 instructions: str = "") -> portal_links.CreatedLink:
    step = portal_links.CaseStep(CASE_KIND, case.id, "record", case.flow_run_id)
    return portal_links.create_link(
        s, step, portal_links.Recipient("supervisor", sup.name, sup.email),
        portal_links.Contact(agency.letterhead_name, agency.email), RECORD_TITLE, _link_deadline(case),
        instructions or "逐项选择是/否并填写备注；可为各项附上现场照片或扫描件（JPG、PNG、PDF）。提交时须填写派遣通知中的任务编码。",
        kind="record_form", key=f"{CASE_KIND}:{case.id}:record:{d.id}:{round_}")


def staff_link(batch_number: str) -> portal_links.CreatedLink | str:
    """代录: a link to the same record page for agency staff entering a paper record on a
    supervisor's behalf; the page asks for their staff code. Created once per case (and again
    after each refused entry)."""
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.batch_number == batch_number.strip(),
                                                   col(InspectionCase.active_session_id).is_not(None))).first()
        if case is None:
            return f"批次编号“{batch_number}”没有进行中的日常督导"
        if case.status != "awaiting_record":
            return f"批次 {case.batch_number} 不在等待记录表（当前：{STATUS_NAMES[case.status]}），无需代录"
        agency = s.get(Agency, case.agency_id)
        used = s.exec(select(PortalLink).where(PortalLink.case_kind == CASE_KIND, PortalLink.case_id == case.id,
                                               PortalLink.recipient_kind == "staff")).all()
        round_ = sum(1 for link in used if link.accepted_at is not None)
        step = portal_links.CaseStep(CASE_KIND, case.id, "record", case.flow_run_id)
        return portal_links.create_link(
            s, step, portal_links.Recipient("staff", f"{agency.name}工作人员（代录）", agency.email),
            portal_links.Contact(agency.letterhead_name, agency.email), f"{RECORD_TITLE} · 代录", _link_deadline(case),
            "委派机构工作人员按纸质记录表代为录入：选择提交记录表的督导员，并填写本人工作人员代码。",
            kind="record_form", key=f"{CASE_KIND}:{case.id}:record:staff:{round_}")


def invite(case: InspectionCase, agency: Agency, step_key: str, recipient: portal_links.Recipient, title: str,
            instructions: str, kind: str, key: str) -> None:
    """A link and its mail, once by key; the mail belongs to the case (sent by the step's task)."""
    with session_scope() as s:
        contact = portal_links.Contact(agency.letterhead_name, agency.email)
        deadline = _link_deadline(case)
        link = portal_links.create_link(s, portal_links.CaseStep(CASE_KIND, case.id, step_key, case.flow_run_id),
                                        recipient, contact, title, deadline, instructions, kind, key)
        subject, text, html = render_email("portal_link", title=title, recipient=recipient, contact=contact,
                                           url=link.url, deadline=deadline, expires_at=link.expires_at,
                                           instructions=instructions, kind=kind)
        enqueue(s, f"portal-link:{link.link_id}", recipient.email, recipient.kind, subject, text, html, case.id)


def reissue(case_id: int, old: PortalLink, submission_id: int, outcome: Outcome) -> None:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        if case.status not in ("awaiting_record", "awaiting_confirmation"):
            return
        agency = s.get(Agency, case.agency_id)
    invite(case, agency, old.step_key,
            portal_links.Recipient(old.recipient_kind, old.recipient_name, old.recipient_email), old.title,
            f"上次提交未被采用：{'；'.join(outcome.errors)}。请用此新链接重新提交。", old.kind,
            f"{old.link_key.rsplit(':', 1)[0]}:re{submission_id}")


def stored(submission_id: int, flow_run_id: str) -> tuple[PortalLink, dict]:
    with session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        link = s.get(PortalLink, sub.link_id) if sub else None
        if link is None or link.flow_run_id != str(flow_run_id) or link.case_kind != CASE_KIND:
            raise LookupError(f"submission {submission_id} does not belong to run {flow_run_id}")
        s.expunge(link)
        return link, dict(sub.payload)


def open_link_url(case_id: int, email: str) -> str:
    """The newest unused record or confirmation link of a supervisor: what reminders carry."""
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(
            PortalLink.case_kind == CASE_KIND, PortalLink.case_id == case_id, PortalLink.recipient_email == email,
            col(PortalLink.accepted_at).is_(None)).order_by(col(PortalLink.id).desc())).first()
        return portal_links.url_of(link) if link else ""


def link_context(link: PortalLink) -> dict:
    """What the record or confirmation page shows beside the form (no record content for the
    confirmation page beyond the verdict: it goes to dispatched supervisors only)."""
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        sess = s.get(EvaluationSession, case.session_id)
        inst = s.get(Institution, case.institution_id)
        supervisors = [(d.id, sup.name, sup.card_code) for d, sup in s.exec(
            select(Dispatch, Supervisor).join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
            .where(Dispatch.case_id == case.id).order_by(Dispatch.id))]
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).first()
        waits_for = "awaiting_record" if link.kind == "record_form" else "awaiting_confirmation"
        closed = "" if case.status == waits_for else (
            "本次督导的记录表已经提交，此链接无需再使用。" if link.kind == "record_form" and record else
            "本案当前不在等待此项提交（已办结或已由委派机构处理），此链接无需再使用。")
        return {"form_kind": sess.form_kind, "internal": False, "closed": closed, "institution": inst.name, "batch_number": sess.batch_number,
                "occupation": sess.occupation, "level": sess.level, "site": sess.site,
                "scheduled_end": str(local_date(sess.ends_at)), "record_due": str(case.record_due) if case.record_due else "暂无法计算",
                "supervisors": supervisors, "several": len(supervisors) > 1,
                "record": ({"verdict": record.verdict, "negative_count": record.negative_count,
                            "item_count": record.item_count, "supervisor_verdict": record.supervisor_verdict,
                            "overall_evaluation": record.overall_evaluation} if record else None)}


def step_waits(link: PortalLink) -> bool:
    """Whether the case still waits at the step this link answers."""
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        return case is not None and case.status == (
            "awaiting_record" if link.kind == "record_form" else "awaiting_confirmation")
