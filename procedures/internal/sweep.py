"""The daily sweep's part for internal supervision (第十六条 全覆盖): no session of an active
institution ends without an internal record or a report to the agency that names it.

1. Open every session starting within `internal_assign_working_days` working days (and any
   recent one missed: registered late, or before this existed): its contact is asked.
2. Remind the contact once, two days before the start, of a session still unassigned.
3. Report to the agency, on its start day, every session that starts unassigned (a session first
   asked on or after its start day: the day after it was asked).
4. Compute record due days left unknown while a year's calendar was missing.
5. Remind the recorder (and the contact) on the record's due day.
6. Report to the agency every session whose record's due day passed without a record.
7. Report to the agency every 不合格 record whose follow-up is overdue.
Each step is recorded on its row (the day it was done) and its mail keyed, so a second sweep on
the same day, or after a restart, does nothing twice. Reports go to each agency in one mail a day.
"""

import hashlib
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, or_, select

from adapters.clock import tz
from adapters.db import session_scope
from adapters.mailer import deliver_pending, enqueue
from adapters.markdown_text import inert
from adapters.settings import get_settings
from adapters.templates import render_email
from models import Agency, EvaluationSession, Institution, InternalRecord, InternalSession
from procedures.casework.work_calendar import current_calendar
from procedures.internal.assignment import (
    compute_record_due,
    notify_text,
    open_session,
    remind_contact,
)
from procedures.internal.lookups import Lookups
from procedures.internal.record import remind_recorder
from regulation.calendar import CalendarDataMissing
from regulation.deadlines import period_last_day
from regulation.internal_supervision import ASSIGN_REMINDER_DAYS_BEFORE, UNOPENED_LOOKBACK_DAYS


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz())


def window_end(s: Session, as_of: date) -> date:
    """The last day whose sessions are opened today: N working days ahead; while the calendar is
    missing, N + 4 calendar days (a look-ahead, not a deadline: erring early asks sooner)."""
    days = get_settings().internal_assign_working_days
    try:
        return current_calendar(s).add_working_days(as_of, days)
    except CalendarDataMissing:
        return as_of + timedelta(days=days + 4)


def open_due_sessions(s: Session, as_of: date) -> list[str]:
    until = _start_of(window_end(s, as_of) + timedelta(days=1))
    since = _start_of(as_of - timedelta(days=UNOPENED_LOOKBACK_DAYS))
    # The institutions come with their sessions (into the session's identity map: open_session's
    # get reads none), and what opening reads about them is read for all at once (Lookups).
    rows = s.exec(select(EvaluationSession, Institution).join(Institution, Institution.id == EvaluationSession.institution_id)
                  .outerjoin(InternalSession, InternalSession.session_id == EvaluationSession.id)
                  .where(Institution.status == "active", col(InternalSession.id).is_(None),
                         EvaluationSession.starts_at < until, EvaluationSession.ends_at >= since)
                  .order_by(EvaluationSession.starts_at)).all()
    sessions = [sess for sess, _ in rows]
    lookups = Lookups(s).preload(sessions, list({inst.id: inst for _, inst in rows}.values()))
    calendar = current_calendar(s)
    opened = []
    for sess in sessions:
        if open_session(s, sess, as_of, lookups, calendar) is not None:
            opened.append(sess.batch_number)
    return opened


def _rows(s: Session, *where):
    return s.exec(select(InternalSession, EvaluationSession, Institution)
                  .join(EvaluationSession, EvaluationSession.id == InternalSession.session_id)
                  .join(Institution, Institution.id == InternalSession.institution_id).where(*where)).all()


def remind_unassigned(s: Session, as_of: date) -> list[str]:
    soon = _start_of(as_of + timedelta(days=ASSIGN_REMINDER_DAYS_BEFORE + 1))
    done = []
    for row, sess, inst in _rows(s, InternalSession.status == "asked", col(InternalSession.assign_reminded_on).is_(None),
                                 InternalSession.asked_on < as_of,  # never the day it was asked
                                 EvaluationSession.starts_at < soon, EvaluationSession.starts_at >= _start_of(as_of)):
        remind_contact(s, row, sess, inst, as_of)
        done.append(sess.batch_number)
    return done


def report_unassigned(s: Session, as_of: date) -> list[str]:
    # The contact has had at least a day: a session opened on or after its start (registered late)
    # is reported the day after it was asked, not in the same breath.
    rows = _rows(s, InternalSession.status == "asked", col(InternalSession.unassigned_reported_on).is_(None),
                 or_(col(InternalSession.asked_on).is_(None), InternalSession.asked_on < as_of),
                 EvaluationSession.starts_at < _start_of(as_of + timedelta(days=1)))
    return _report(s, as_of, "unassigned", rows, "【内督未安排】", "以下场次开始时仍未安排内督员，不符合内督日常督导全覆盖原则（第十六条）：",
                   "请督促相关评价机构按规定安排内督员（第二十一条（七））。",
                   lambda row: setattr(row, "unassigned_reported_on", as_of))


def fix_unknown_dues(s: Session) -> list[str]:
    fixed = []
    for row, sess, _inst in _rows(s, col(InternalSession.record_due).is_(None), InternalSession.record_due_reason != ""):
        compute_record_due(s, row, sess)
        if row.record_due:
            s.add(row)
            fixed.append(sess.batch_number)
    return fixed


def remind_records(s: Session, as_of: date) -> list[str]:
    done = []
    for row, sess, inst in _rows(s, InternalSession.status == "assigned", InternalSession.record_due == as_of,
                                 col(InternalSession.record_reminded_on).is_(None)):
        remind_recorder(s, row, sess, inst, as_of)
        done.append(sess.batch_number)
    return done


def report_missing(s: Session, as_of: date) -> list[str]:
    rows = _rows(s, InternalSession.status != "recorded", col(InternalSession.record_due).is_not(None),
                 InternalSession.record_due < as_of, col(InternalSession.missing_reported_on).is_(None))
    return _report(s, as_of, "missing", rows, "【内督记录缺失】",
                   "以下场次已过内督记录表提交期限（督导结束后2个工作日，第十七条），未收到内督记录：",
                   "请核实相关评价机构是否开展内部质量督导（第十六条），必要时约谈提醒或列入专项督导。",
                   lambda row: setattr(row, "missing_reported_on", as_of))


def report_followups(s: Session, as_of: date) -> list[str]:
    rows = s.exec(select(InternalRecord, EvaluationSession, Institution)
                  .join(EvaluationSession, EvaluationSession.id == InternalRecord.session_id)
                  .join(Institution, Institution.id == InternalRecord.institution_id)
                  .where(InternalRecord.verdict == "不合格", col(InternalRecord.followup_on).is_(None),
                         col(InternalRecord.followup_due).is_not(None), InternalRecord.followup_due < as_of,
                         col(InternalRecord.followup_overdue_reported_on).is_(None))).all()
    cal = current_calendar(s)  # a stored day off counts to its next working day (民法典第二百零三条)
    rows = [row for row in rows if _really_passed(row[0].followup_due, as_of, cal)]
    return _report(s, as_of, "followup", rows, "【内督整改说明逾期】",
                   "以下场次的内督记录评定为不合格，评价机构逾期未提交整改说明：",
                   "请督促相关评价机构落实整改（第十五条（一）5）。",
                   lambda record: setattr(record, "followup_overdue_reported_on", as_of))


def _really_passed(due: date, as_of: date, cal) -> bool:
    """A calendar-day period's last day has passed: its stored day moved off a day off; never while
    that day's year has no official schedule (reported once it is declared)."""
    try:
        return period_last_day(due, cal) < as_of
    except CalendarDataMissing:
        return False


def _agency_of(s: Session, row: InternalSession | InternalRecord, inst: Institution) -> Agency | None:
    """The agency that watches the session (stored when it was opened), else the responsible one."""
    from procedures.casework.dispatching import responsible_agency

    own = row if isinstance(row, InternalSession) else s.get(InternalSession, row.internal_session_id)
    return s.get(Agency, own.agency_id) if own.agency_id else responsible_agency(s, inst)


def _report(s: Session, as_of: date, kind: str, rows, subject: str, lead: str, ask: str, mark) -> list[str]:
    """One mail per agency naming each session; each row marked reported in the same transaction."""
    by_agency: dict[str, tuple[Agency, list]] = {}
    reported = []
    for row, sess, inst in rows:
        agency = _agency_of(s, row, inst)
        mark(row)
        s.add(row)
        reported.append(sess.batch_number)
        if agency is not None:
            by_agency.setdefault(agency.id, (agency, []))[1].append((sess, inst))
    for agency, items in by_agency.values():
        ids = ",".join(sorted(str(sess.id) for sess, _ in items))
        key = f"internal-{kind}:{agency.id}:{as_of}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"
        lines = [f"{n}. {notify_text(sess, inst)}，考核地点 {sess.site}"
                 + ("" if inst.has_internal_contact else "（该机构未登记内督联系人，未能通知其安排）")
                 for n, (sess, inst) in enumerate(items, 1)]
        mail_subject, text, html = render_email(
            "supervisor_notice", subject_text=f"{subject}{as_of} 共 {len(items)} 个场次", greeting=agency.letterhead_name,
            paragraphs=[lead, *lines, ask], sender="督导系统")
        enqueue(s, key, agency.email, "agency", mail_subject, text, html)
    return reported


def sweep_internal(as_of: date) -> str:
    """The daily sweep's part for internal supervision; returns its summary (markdown rows)."""
    with session_scope() as s:
        opened = open_due_sessions(s, as_of)
    with session_scope() as s:
        dues = fix_unknown_dues(s)
        reminded = remind_unassigned(s, as_of)
        unassigned = report_unassigned(s, as_of)
        record_reminders = remind_records(s, as_of)
        missing = report_missing(s, as_of)
        followups = report_followups(s, as_of)
    deliver_pending()

    def row(label: str, items: list[str]) -> str:
        shown = "、".join(inert(i) for i in items[:20]) + (f" 等 {len(items)} 个" if len(items) > 20 else "")
        return f"| {label} | {len(items)} | {shown or '—'} |"

    return "\n".join(["| 内部质量督导（第十六条） | 数量 | 批次 |", "|---|---|---|",
                      row("请机构安排内督员", opened), row("提醒安排内督员", reminded),
                      row("开始时未安排内督员（已报告委派机构）", unassigned), row("记录表期限补算", dues),
                      row("记录表到期提醒", record_reminders), row("逾期无内督记录（已报告委派机构）", missing),
                      row("整改说明逾期（已报告委派机构）", followups)])
