"""Step 1 of internal supervision — every session gets its internal supervisor (第十六条 全覆盖).

When a session is registered (roster import, CLI) or, at the latest, when the daily sweep finds
it within `internal_assign_working_days` of its start, the session is opened once
(`open_session`). Internal supervisors the roster already names are taken as assigned; otherwise
the institution's internal-supervision contact gets a one-time link to assign one from its own
carded internal supervisors. Checked at assignment: the card is the institution's own and valid
(第十二条), the person is not an examiner at the session, declared no conflict with the
institution, and is not an external supervisor dispatched to the same session (第十三条). The
first one chosen files the 附件3 record (record.py), with a link mailed at once.
"""

from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from adapters import clock
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import (
    EvaluationSession,
    Institution,
    InternalSession,
    PortalLink,
    Supervisor,
)
from procedures.casework.cases import Refusal, local_date, local_time
from procedures.casework.work_calendar import current_calendar
from procedures.internal.lookups import Lookups
from procedures.portal import links as portal_links
from regulation.calendar import CalendarDataMissing, WorkingCalendar
from regulation.deadlines import record_due
from regulation.internal_supervision import assignment_refusals

CASE_KIND = "internal_session"
ASSIGN_KIND = "internal_assign"
ASSIGN_TITLE = "安排内督员（第十六条：内督日常督导全覆盖）"
MAX_SUPERVISORS = 5
RECORD_KIND = "internal_record"  # the recorder's 附件3 link (record.py)
RECORD_TITLE = "内督日常督导情况记录表（附件3）"


def contact_of(s: Session, inst: Institution, lookups: Lookups | None = None) -> portal_links.Contact:
    """Whom the institution asks about a link: the agency responsible for it (第十一条)."""
    agency = (lookups or Lookups(s)).agency(inst)
    return portal_links.Contact(agency.letterhead_name if agency else "委派机构", agency.email if agency else "")


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=clock.tz())


def open_session(s: Session, sess: EvaluationSession, on: date, lookups: Lookups | None = None,
                 calendar: WorkingCalendar | None = None) -> InternalSession | None:
    """Open the session's internal supervision once; None for an institution that may not run
    sessions (suspended or revoked: the session itself is a finding of the daily inspection).
    `lookups` and `calendar`: read once for many sessions (the sweep)."""
    row = s.exec(select(InternalSession).where(InternalSession.session_id == sess.id)).first()
    if row is not None:
        return row
    inst = s.get(Institution, sess.institution_id)
    if inst is None or inst.status != "active":
        return None
    lookups = lookups or Lookups(s)
    agency = lookups.agency(inst)
    row = InternalSession(session_id=sess.id, institution_id=inst.id, agency_id=agency.id if agency else None,
                          opened_on=on, status="asked")
    compute_record_due(s, row, sess, calendar)
    named, problem = _roster_named(s, sess, inst, lookups)
    if named:
        assign(s, row, sess, inst, named, "名册登记", on, lookups)
    else:
        s.add(row)
        s.flush()
        ask(s, row, sess, inst, on, problem, lookups)
    return row


def compute_record_due(s: Session, row: InternalSession, sess: EvaluationSession,
                       calendar: WorkingCalendar | None = None) -> None:
    """第十七条 (参照, 第十六条): 2 working days after the scheduled end; unknown while the year's
    official calendar is not loaded (the sweep computes it once it is)."""
    try:
        row.record_due, row.record_due_reason = record_due(local_date(sess.ends_at), calendar or current_calendar(s)).due, ""
    except CalendarDataMissing as exc:
        row.record_due, row.record_due_reason = None, str(exc)


def _roster_named(s: Session, sess: EvaluationSession, inst: Institution,
                  lookups: Lookups) -> tuple[list[Supervisor], str]:
    """The internal supervisors the roster names for the session, when every one of them is a
    usable card of this institution (the roster import checked the same rules); else none, and
    why — the contact is told, so a name the roster gave is never dropped in silence."""
    codes = [p.get("card_code", "") for p in sess.internal_supervisors or []]
    if not codes:
        return [], ""
    found = lookups.cards(codes)
    unknown = [f"{p.get('name', '')}（{p.get('card_code', '')}）" for p in sess.internal_supervisors
               if p.get("card_code", "") not in found]
    if unknown:
        return [], f"名册为本场次登记的内督员 {'、'.join(unknown)} 的内督证卡不在系统中，请重新安排。"
    people = [found[code] for code in codes]
    errors = Refusal()
    check_people(s, sess, inst, people, errors, lookups=lookups)
    if errors:
        return [], "名册为本场次登记的内督员不能担任：" + "；".join(errors) + "。请重新安排。"
    return people, ""


def own_supervisors(s: Session, inst: Institution) -> list[Supervisor]:
    """The institution's internal supervisors whose card it may use (第十二条), valid and active."""
    return Lookups(s).own_supervisors(inst)


def check_people(s: Session, sess: EvaluationSession, inst: Institution, people: list[Supervisor],
                 errors: Refusal, field: str = "supervisors", lookups: Lookups | None = None) -> None:
    """第十二条 (own card, valid) and 第十三条 (not an examiner here, no declared conflict, not an
    external supervisor dispatched to this session), each refusal naming the person."""
    lookups = lookups or Lookups(s)
    usable = {sup.id for sup in lookups.own_supervisors(inst)}
    examiners = {e.get("person_key") for e in sess.examiners or []}
    conflicted_people, external = lookups.conflicted_people(inst.id), lookups.external_people(sess.id)
    for sup in people:
        for reason in assignment_refusals(f"{sup.name}（{sup.card_code}）", sup.id in usable, sup.person_key in examiners,
                                          sup.person_key in conflicted_people, sup.person_key in external):
            errors.add(field, str(reason))


def ask(s: Session, row: InternalSession, sess: EvaluationSession, inst: Institution, on: date,
        problem: str = "", lookups: Lookups | None = None) -> None:
    """Mail the contact a one-time link to assign (valid until the session starts, at least a day).
    An institution that has named no internal-supervision contact is not asked (nobody to ask by
    name): the session stays unassigned and the agency is told on its start day, with the reason."""
    if not inst.has_internal_contact:
        return
    name, email = inst.internal_contact
    deadline = end_of(max(local_date(sess.starts_at), clock.today() + timedelta(days=1)))
    portal_links.invite_in(
        s, portal_links.CaseStep(CASE_KIND, row.id, "assign", ""), portal_links.Recipient("institution", name, email),
        contact_of(s, inst, lookups), f"{ASSIGN_TITLE} · {sess.batch_number}", deadline,
        f"{problem}请在本场次开始前（{local_time(sess.starts_at):%Y-%m-%d %H:%M}），从本机构持有效内督证卡的内督员中"
        "选定本场次的内督员；第一位负责填写附件3记录表。考评人员、已申报利害关系者、本场次外督员不得担任（第十三条）。",
        kind=ASSIGN_KIND, key=f"{CASE_KIND}:{row.id}:assign")
    row.asked_on = on
    s.add(row)


def assign(s: Session, row: InternalSession, sess: EvaluationSession, inst: Institution,
           people: list[Supervisor], by: str, on: date, lookups: Lookups | None = None) -> None:
    """Store the assignment (checked before) and send the recorder their record link. A row
    not written yet is written once, assigned (one INSERT, not an INSERT and an UPDATE)."""
    row.status, row.assigned_on, row.assigned_by = "assigned", on, by
    row.recorder_id, row.supervisor_ids = people[0].id, [p.id for p in people]
    s.add(row)
    sess.internal_supervisors = [{"name": p.name, "card_code": p.card_code, "person_key": p.person_key}
                                 for p in people]
    s.add(sess)
    if row.id is None:
        s.flush()  # its id names the record link
    invite_recorder(s, row, sess, inst, people[0], lookups)


def _link_deadline(row: InternalSession, sess: EvaluationSession) -> datetime:
    """The record's due day, or (while it is unknown) a week after the scheduled end; never
    before tomorrow, so a link sent late still opens."""
    day = row.record_due or local_date(sess.ends_at) + timedelta(days=7)
    return end_of(max(day, clock.today() + timedelta(days=1)))


def invite_recorder(s: Session, row: InternalSession, sess: EvaluationSession, inst: Institution,
                    sup: Supervisor, lookups: Lookups | None = None) -> None:
    portal_links.invite_in(
        s, portal_links.CaseStep(CASE_KIND, row.id, "record", ""), portal_links.Recipient("supervisor", sup.name, sup.email),
        contact_of(s, inst, lookups), f"{RECORD_TITLE} · {sess.batch_number}", _link_deadline(row, sess),
        f"{inst.name}安排您担任本场次内督员：{local_time(sess.starts_at):%Y-%m-%d %H:%M}至"
        f"{local_time(sess.ends_at):%H:%M}，{sess.site}，{sess.occupation}（{sess.level}）。督导结束后，逐项选择是/否并填写备注，"
        "可附照片或扫描件；提交时填写您本人的内督证卡编号。请于督导结束后2个工作日内提交（第十七条）。",
        kind=RECORD_KIND, key=f"{CASE_KIND}:{row.id}:record:{sup.id}")


def assign_context(link: PortalLink) -> dict:
    from adapters.db import session_scope

    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        sess, inst = s.get(EvaluationSession, row.session_id), s.get(Institution, row.institution_id)
        people, excluded, lookups = [], [], Lookups(s)
        for sup in lookups.own_supervisors(inst):
            refusal = Refusal()
            check_people(s, sess, inst, [sup], refusal, lookups=lookups)
            (excluded if refusal else people).append((sup.id, sup.name, sup.card_code) if not refusal
                                                     else "；".join(refusal))
        closed = "" if row.status == "asked" else "本场次已经安排内督员，此链接无需再使用。"
        return {"closed": closed, "institution": inst.name, "batch_number": sess.batch_number,
                "occupation": sess.occupation, "level": sess.level, "site": sess.site,
                "starts_at": local_time(sess.starts_at), "ends_at": local_time(sess.ends_at), "people": people,
                "excluded": excluded, "max_supervisors": MAX_SUPERVISORS}


def check_assignment(link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    """Before the portal stores an assignment: the same checks `assignment_stored` relies on."""
    from adapters.db import session_scope

    errors = Refusal()
    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        if row.status != "asked":
            errors.add(None, "本场次已经安排内督员，不能再次安排")
        sess, inst = s.get(EvaluationSession, row.session_id), s.get(Institution, row.institution_id)
        ids = _ids(answers, errors)
        people = [s.get(Supervisor, i) for i in ids]
        if any(p is None for p in people):
            errors.add("recorder", "内督员：所选人员不存在，请从列表中选择")
        elif people:
            check_people(s, sess, inst, people, errors, "recorder")
        if not str(answers.get("signed_by", "")).strip():
            errors.add("signed_by", "安排人：请填写本人姓名（内督联系人）")
        s.rollback()
    return errors, {"supervisor_ids": ids, "signed_by": str(answers.get("signed_by", "")).strip()[:64]}


def _ids(answers: dict, errors: Refusal) -> list[int]:
    try:
        recorder = int(answers.get("recorder") or 0)
        others = [int(v) for v in answers.get("others") or []]
    except ValueError:
        errors.add("recorder", "内督员：请从列表中选择")
        return []
    if not recorder:
        errors.add("recorder", "填写记录表的内督员：请选择一人（必填）")
        return []
    ids = [recorder] + [i for i in dict.fromkeys(others) if i != recorder]
    if len(ids) > MAX_SUPERVISORS:
        errors.add("others", f"其他内督员：每场最多安排 {MAX_SUPERVISORS} 人")
    return ids[:MAX_SUPERVISORS]


def assignment_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the transaction that stores the contact's answer: the assignment and the record link."""
    row = s.get(InternalSession, link.case_id)
    if row.status != "asked":
        return
    sess, inst = s.get(EvaluationSession, row.session_id), s.get(Institution, row.institution_id)
    people = [s.get(Supervisor, i) for i in payload["supervisor_ids"]]
    assign(s, row, sess, inst, people, payload["signed_by"], local_date(at))


def assignment_waits(link: PortalLink) -> bool:
    from adapters.db import session_scope

    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        return row is not None and row.status == "asked"


def notify_text(sess: EvaluationSession, inst: Institution) -> str:
    return f"{inst.name} 批次 {sess.batch_number}（{sess.occupation} {sess.level}，{local_date(sess.starts_at)}）"


def remind_contact(s: Session, row: InternalSession, sess: EvaluationSession, inst: Institution, on: date) -> bool:
    """Once: the contact's assign link again, shortly before the session starts."""
    link = s.exec(select(PortalLink).where(PortalLink.link_key == f"{CASE_KIND}:{row.id}:assign")).first()
    name, email = inst.internal_contact
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【请安排内督员】{sess.batch_number} {inst.name}", greeting=name,
        paragraphs=[f"{notify_text(sess, inst)} 尚未安排内督员。",
                    f"请通过此链接安排：{portal_links.url_of(link)}" if link else "请联系委派机构获取安排链接。",
                    "场次开始时仍未安排的，将报告委派机构（第十六条：内督日常督导全覆盖）。"],
        sender="督导系统")
    enqueue(s, f"internal-assign-reminder:{row.id}", email, "institution", subject, text, html)
    row.assign_reminded_on = on
    s.add(row)
    return True
