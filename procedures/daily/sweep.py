"""The daily deadline sweep (第十七条, 第二十六条(二)): remind, report overdue, retry mail.

A case whose record deadline was unknown (a year with no official calendar) gets it as soon
as the year's data exist (a staff declaration, the override file or a newer `holidays`); so
does a 提醒函/质量通报's report date (the institution is told the date). From 1 November each
agency's administrator is told once that next year's schedule is not yet official. With several supervisors on
one session, those who have neither filed nor confirmed the record are reminded and reported
like a missing record (the deadline is the record's).

Idempotent for a day: reminders and overdue notices carry keys checked in the outbox, and
the dispatch/case rows remember what was done, so a second run sends nothing twice.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, or_, select

from adapters.db import session_scope
from adapters.mailer import DeliveryReport, deliver_pending, enqueue
from adapters.markdown_text import inert
from adapters.templates import chinese_date, render_email
from models import (
    Agency,
    AgencyDecision,
    Dispatch,
    EvaluationSession,
    InspectionCase,
    Institution,
    Supervisor,
)
from procedures.casework.cases import add_event, local_date
from procedures.casework.unknown_dues import fix_links, tell_fixed
from procedures.casework.work_calendar import current_calendar
from procedures.daily.links import open_link_url
from regulation.calendar import CalendarDataMissing, WorkingCalendar
from regulation.deadlines import moved_last_day, overdue_from, record_due, report_due

NEXT_YEAR_NOTICE_MONTH = 11  # from 1 November: next year's schedule should be official
OPEN_STATUSES = ("awaiting_go_ahead", "dispatching", "awaiting_record", "awaiting_confirmation")


@dataclass
class SweepSummary:
    as_of: date
    reminded: list[str] = field(default_factory=list)  # batch numbers
    due_computed: list[str] = field(default_factory=list)
    due_moved: list[str] = field(default_factory=list)  # a report date on a day off, moved
    overdue: list[str] = field(default_factory=list)
    calendar_errors: list[str] = field(default_factory=list)
    delivery: DeliveryReport | None = None

    def markdown(self) -> str:
        d = self.delivery or DeliveryReport()
        return "\n".join([
            f"# 期限巡检：{self.as_of}", "",
            "| 事项 | 数量 | 批次 |", "|---|---|---|",
            f"| 记录表到期提醒（第十七条） | {len(self.reminded)} | {inert('、'.join(self.reminded)) or '—'} |",
            f"| 期限已补算（工作日历已录入） | {len(self.due_computed)} | {inert('、'.join(self.due_computed)) or '—'} |",
            f"| 书面报告期限顺延（民法典第二百零三条） | {len(self.due_moved)} | {inert('、'.join(self.due_moved)) or '—'} |",
            f"| 逾期报告委派机构（第二十六条（二）待核查） | {len(self.overdue)} | {inert('、'.join(self.overdue)) or '—'} |",
            f"| 邮件发送成功 | {len(d.sent)} | |",
            f"| 邮件仍待发送（SMTP 不可用） | {len(d.pending)} | |",
            *(f"\n**工作日历缺失：** {e}" for e in sorted(set(self.calendar_errors))),
        ])


def _overdue(due: date, as_of: date, summary: "SweepSummary", cal: WorkingCalendar) -> bool:
    """From the working day after the due day (第十七条). A year with no official calendar is
    reported in the summary for that case, not allowed to stop the whole sweep."""
    if as_of <= due:
        return False
    try:
        return as_of >= overdue_from(due, cal)
    except CalendarDataMissing as exc:
        summary.calendar_errors.append(str(exc))
        return False


def _compute_unknown_dues(s, as_of: date, summary: SweepSummary, cal: WorkingCalendar) -> None:
    unknown = s.exec(select(InspectionCase, EvaluationSession).join(
        EvaluationSession, EvaluationSession.id == InspectionCase.session_id).where(
        col(InspectionCase.status).in_(OPEN_STATUSES), col(InspectionCase.record_due).is_(None),
        InspectionCase.record_due_reason != ""))
    for case, sess in unknown:
        try:
            case.record_due = record_due(local_date(sess.ends_at), cal).due
        except CalendarDataMissing as exc:
            summary.calendar_errors.append(str(exc))
            continue
        case.record_due_reason = ""
        s.add(case)
        # the links' deadline becomes the date; each supervisor the dispatch mail told 期限待定 is told it
        fix_links(s, "daily_inspection", case.id, ["record", "confirm"], [], case.record_due, case.clock_offset_days)
        for d, sup in s.exec(select(Dispatch, Supervisor).join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
                             .where(Dispatch.case_id == case.id, Dispatch.status == "dispatched")):
            tell_fixed(s, f"record:{case.id}:{d.id}", sup.email, "supervisor", sup.name,
                       f"日常督导情况记录表（批次编号 {case.batch_number}，第十七条）", case.record_due, case.id)
        summary.due_computed.append(case.batch_number)
        add_event(s, case.id, "due-computed", as_of,
                  f"工作日历已载入，记录表应于 {case.record_due} 前提交（第十七条）；已告知外督员")


def _compute_unknown_report_dues(s, as_of: date, summary: SweepSummary, cal: WorkingCalendar) -> None:
    """A 提醒函/质量通报 whose report date was 期限待定: the date, and the institution told, once."""
    rows = s.exec(select(AgencyDecision, InspectionCase, Institution)
                  .join(InspectionCase, InspectionCase.id == AgencyDecision.case_id)
                  .join(Institution, Institution.id == InspectionCase.institution_id)
                  .where(col(AgencyDecision.report_due).is_(None), AgencyDecision.report_days > 0))
    for decision, case, inst in rows:
        try:
            decision.report_due = report_due(decision.decided_on, decision.report_days, cal)
        except CalendarDataMissing as exc:
            summary.calendar_errors.append(str(exc))
            continue
        s.add(decision)
        what = f"{decision.option}（批次编号 {case.batch_number}）要求的书面报告"
        tell_fixed(s, f"report:{decision.id}", inst.contact_email, "institution", inst.name, what,
                   decision.report_due, case.id)
        summary.due_computed.append(case.batch_number)
        add_event(s, case.id, "report-due-computed", as_of, f"工作日历已录入，书面报告应于 {decision.report_due} 前报送")


def _move_day_off_report_dues(s, as_of: date, summary: SweepSummary, cal: WorkingCalendar) -> None:
    """A letter's report date stored before the 民法典第二百零三条 rule (or a day declared off
    afterwards) that falls on a day off and has not passed: moved to the next working day, the
    institution told the new date once (keyed). A date whose year is not declared is kept."""
    rows = s.exec(select(AgencyDecision, InspectionCase, Institution)
                  .join(InspectionCase, InspectionCase.id == AgencyDecision.case_id)
                  .join(Institution, Institution.id == InspectionCase.institution_id)
                  .where(AgencyDecision.report_due >= as_of))
    for decision, case, inst in rows:
        stored = decision.report_due
        due = moved_last_day(stored, cal)
        if due is None:
            continue
        decision.report_due = due
        s.add(decision)
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【期限顺延】{decision.option}要求的书面报告", greeting=inst.name,
            paragraphs=[f"此前通知你单位的{decision.option}（批次编号 {case.batch_number}）书面报告期限{chinese_date(stored)}为法定休假日"
                        f"（周末或法定节假日），依民法典第二百零三条顺延至{chinese_date(due)}（含当日）。"],
            sender="技能人才评价质量督导")
        enqueue(s, f"deadline-moved:report:{decision.id}:{stored}", inst.contact_email, "institution",
                subject, text, html, case.id)
        summary.due_moved.append(case.batch_number)
        add_event(s, case.id, "report-due-moved", as_of,
                  f"书面报告期限{stored}为法定休假日，依民法典第二百零三条顺延至{due}，已告知评价机构")


def _tell_next_year_missing(s, as_of: date, cal: WorkingCalendar) -> None:
    """From 1 November (Interpretation: the State Council usually publishes the next year's
    schedule in October–November): every agency's administrator is told once per year, keyed,
    while next year is not official, so it is declared before any deadline reaches it."""
    if as_of.month < NEXT_YEAR_NOTICE_MONTH:
        return
    year = as_of.year + 1
    try:
        cal.source_of(year)
        return
    except CalendarDataMissing as exc:
        reason = str(exc)
    for agency in s.exec(select(Agency)):
        subject, text, html = render_email("calendar_next_year", agency_name=agency.name, year=year, reason=reason)
        enqueue(s, f"calendar-next-year:{agency.id}:{year}", agency.email, "agency", subject, text, html)


def sweep_deadlines(as_of: date) -> SweepSummary:
    summary = SweepSummary(as_of)
    with session_scope() as s:
        cal = current_calendar(s)
        _tell_next_year_missing(s, as_of, cal)
        _compute_unknown_dues(s, as_of, summary, cal)
        _compute_unknown_report_dues(s, as_of, summary, cal)
        _move_day_off_report_dues(s, as_of, summary, cal)
        # Only the cases something can be due for: due today (reminder) or past due and not yet
        # reported (_overdue is never true on or before the due day). Not every waiting case: with
        # 1,000 waiting, three reads each made the sweep grow with the runs waiting (issue 20).
        cases = s.exec(select(InspectionCase).where(
            col(InspectionCase.status).in_(("awaiting_record", "awaiting_confirmation")),
            col(InspectionCase.record_due).is_not(None), col(InspectionCase.record_due) <= as_of,
            or_(InspectionCase.record_due == as_of, col(InspectionCase.overdue_reported_on).is_(None))))
        for case in cases:
            inst = s.get(Institution, case.institution_id)
            agency = s.get(Agency, case.agency_id)
            rows = list(s.exec(select(Dispatch, Supervisor).join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
                               .where(Dispatch.case_id == case.id, Dispatch.status == "dispatched")))
            if as_of == case.record_due:
                due_today = [(d, sup) for d, sup in rows if d.reminded_on is None]
                for d, sup in due_today:
                    subject, text, html = render_email(
                        "record_reminder", supervisor_name=sup.name, institution=inst.name,
                        batch_number=case.batch_number, record_due=case.record_due,
                        form_url=open_link_url(case.id, sup.email), agency_name=agency.letterhead_name)
                    enqueue(s, f"record-reminder:{d.id}", sup.email, "supervisor", subject, text, html, case.id)
                    d.reminded_on = as_of
                    s.add(d)
                if due_today:
                    summary.reminded.append(case.batch_number)
                    add_event(s, case.id, "reminder", as_of, "记录表今日到期，已提醒外督员")
            elif case.overdue_reported_on is None and _overdue(case.record_due, as_of, summary, cal):
                subject, text, html = render_email(
                    "record_overdue", agency_name=agency.name, batch_number=case.batch_number,
                    institution=inst.name, record_due=case.record_due, as_of=as_of,
                    supervisors=[f"{sup.name}（{sup.card_code}）" for _, sup in rows],
                    confirming=case.status == "awaiting_confirmation")
                enqueue(s, f"record-overdue:{case.id}", agency.email, "agency", subject, text, html, case.id)
                for d, _ in rows:
                    d.overdue_on = as_of  # 第二十六条(二) candidate, for the agency to verify
                    s.add(d)
                case.overdue_reported_on = as_of
                s.add(case)
                summary.overdue.append(case.batch_number)
                add_event(s, case.id, "overdue", as_of, "记录表逾期未交，已报告委派机构（第二十六条（二）待核查）")
    summary.delivery = deliver_pending()
    return summary
