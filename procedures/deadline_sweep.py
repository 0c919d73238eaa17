"""The daily deadline sweep (第十七条, 第二十六条(二)): remind, report overdue, retry mail.

Idempotent for a day: reminders and overdue notices carry keys checked in the outbox, and
the dispatch/case rows remember what was done, so a second run sends nothing twice.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select

from adapters.db import session_scope
from adapters.mailer import DeliveryReport, deliver_pending, enqueue
from adapters.templates import render_email
from models import Agency, Dispatch, InspectionCase, Institution, Supervisor
from procedures.daily_inspection import add_event, run_url
from regulation.calendar import CalendarDataMissing
from regulation.deadlines import overdue_from


@dataclass
class SweepSummary:
    as_of: date
    reminded: list[str] = field(default_factory=list)  # batch numbers
    overdue: list[str] = field(default_factory=list)
    calendar_errors: list[str] = field(default_factory=list)
    delivery: DeliveryReport | None = None

    def markdown(self) -> str:
        d = self.delivery or DeliveryReport()
        return "\n".join([
            f"# 期限巡检：{self.as_of}", "",
            "| 事项 | 数量 | 批次 |", "|---|---|---|",
            f"| 记录表到期提醒（第十七条） | {len(self.reminded)} | {'、'.join(self.reminded) or '—'} |",
            f"| 逾期报告委派机构（第二十六条（二）待核查） | {len(self.overdue)} | {'、'.join(self.overdue) or '—'} |",
            f"| 邮件发送成功 | {len(d.sent)} | |",
            f"| 邮件仍待发送（SMTP 不可用） | {len(d.pending)} | |",
            *(f"\n**工作日历缺失：** {e}" for e in sorted(set(self.calendar_errors))),
        ])


def _overdue(due: date, as_of: date, summary: "SweepSummary") -> bool:
    """From the working day after the due day (第十七条). A year with no official calendar is
    reported in the summary for that case, not allowed to stop the whole sweep."""
    if as_of <= due:
        return False
    try:
        return as_of >= overdue_from(due)
    except CalendarDataMissing as exc:
        summary.calendar_errors.append(str(exc))
        return False


def sweep_deadlines(as_of: date) -> SweepSummary:
    summary = SweepSummary(as_of)
    with session_scope() as s:
        cases = s.exec(select(InspectionCase).where(InspectionCase.status == "awaiting_record",
                                                    col(InspectionCase.record_due).is_not(None)))
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
                        form_url=run_url(case.flow_run_id), agency_name=agency.name)
                    enqueue(s, f"record-reminder:{d.id}", sup.email, "supervisor", subject, text, html, case.id)
                    d.reminded_on = as_of
                    s.add(d)
                if due_today:
                    summary.reminded.append(case.batch_number)
                    add_event(s, case.id, "reminder", as_of, "记录表今日到期，已提醒外督员")
            elif case.overdue_reported_on is None and _overdue(case.record_due, as_of, summary):
                subject, text, html = render_email(
                    "record_overdue", agency_name=agency.name, batch_number=case.batch_number,
                    institution=inst.name, record_due=case.record_due, as_of=as_of,
                    supervisors=[f"{sup.name}（{sup.card_code}）" for _, sup in rows])
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
