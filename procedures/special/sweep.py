"""The special inspection's daily sweep (第十五条（二）, 第二十二条（六）): every window whose last day
has passed with nothing submitted closes, once (a conditional update claims it), and its link
with it; the waiting run is resumed with "window closed". An overdue rectification report opens
the sanction case (第二十二条（六）), once. A member's findings not in by their day are reported to
the agency, once (the run keeps waiting). A window whose end was 期限待定 is computed once its
year is declared, and the person told. A resume Prefect does not take now is retried by the next
sweep, never repeated once taken; so is a withdrawal's (第十三条).
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Agency,
    InspectionCase,
    Institution,
    PortalLink,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionMember,
    Supervisor,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import add_event
from procedures.casework.pending import open_pending
from procedures.special.casefile import CASE_KIND
from procedures.special.team import stop_waiting
from procedures.special.windows import WINDOW_NAMES, has_submission, window_end
from regulation import special_inspection as rules


@dataclass
class SweepReport:
    closed: list[str]
    sanctions: list[str]
    waiting: list[str]
    findings_overdue: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n".join([
            "| 专项督导期限 | 数量 | 案件 |", "|---|---|---|",
            f"| 期限届满、未收到材料，流程继续 | {len(self.closed)} | {'、'.join(self.closed) or '—'} |",
            f"| 整改工作报告逾期，已登记待处理案件（第二十二条（六）） | {len(self.sanctions)} | "
            f"{'、'.join(self.sanctions) or '—'} |",
            f"| 督导小组成员督导情况逾期，已报告委派机构 | {len(self.findings_overdue)} | "
            f"{'、'.join(self.findings_overdue) or '—'} |",
            f"| 待续办（Prefect 暂未接受，下次巡检重试） | {len(self.waiting)} | {'、'.join(self.waiting) or '—'} |"])


def _report_findings_overdue(s: Session, row: SpecialInspectionDeadline, case: InspectionCase, as_of: date,
                             report: "SweepReport") -> None:
    """A member's findings not in by their day: the agency is told, once (the run keeps waiting)."""
    from adapters.mailer import enqueue
    from adapters.templates import render_email

    member = s.get(SpecialInspectionMember, int(row.step_key.removeprefix("findings-")))
    sup, inst, agency = (s.get(Supervisor, member.supervisor_id), s.get(Institution, case.institution_id),
                         s.get(Agency, case.agency_id))
    subject, text, html = render_email("special_findings_overdue", agency_name=agency.name, number=case.batch_number,
                                       institution=inst.name, supervisor=f"{sup.name}（{sup.card_code}）",
                                       due=row.due, as_of=as_of, card_code=sup.card_code)
    enqueue(s, f"special-findings-overdue:{row.id}", agency.email, "agency", subject, text, html, case.id)
    row.status, row.closed_on = "reported", as_of
    s.add(row)
    add_event(s, case.id, f"findings-overdue-{member.id}", as_of,
              f"督导小组成员 {sup.name} 的督导情况逾期未交（应于 {row.due} 前），已报告委派机构")
    report.findings_overdue.append(f"{case.batch_number}·{sup.name}")


def _compute_unknown_ends(s: Session, as_of: date) -> None:
    """Windows whose end was 期限待定: computed once the year is declared; the person is told."""
    rows = s.exec(select(SpecialInspectionDeadline, SpecialInspection, InspectionCase)
                  .join(SpecialInspection, SpecialInspection.id == SpecialInspectionDeadline.special_id)
                  .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
                  .where(SpecialInspectionDeadline.status == "open", col(SpecialInspectionDeadline.due).is_(None),
                         InspectionCase.status == "special_open"))
    for row, si, case in rows:
        start = si.planned_end if row.kind == "findings" else row.opened_on  # findings: from the visit's end
        due, reason = window_end(s, si, start, row.working_days, row.kind)
        if due is None:
            continue
        row.due, row.due_reason = due, ""
        s.add(row)
        if row.kind == "findings":
            sup = s.get(Supervisor, s.get(SpecialInspectionMember, int(row.step_key.removeprefix("findings-"))).supervisor_id)
            to, kind, name = sup.email, "supervisor", sup.name
        else:
            inst = s.get(Institution, case.institution_id)
            to, kind, name = inst.contact_email, "institution", inst.name
        unknown_dues.tell_fixed(s, f"special:{row.id}", to, kind, name, WINDOW_NAMES[row.kind], due, case.id)
        unknown_dues.fix_links(s, CASE_KIND, case.id, [row.step_key], [f"{row.step_key}-"] if row.kind == "findings"
                               else [], due, case.clock_offset_days)
        add_event(s, case.id, f"due-computed-{row.step_key}", as_of,
                  f"工作日历已录入：{WINDOW_NAMES[row.kind]}确定为 {due}，已通知{name}")


def sweep(as_of: date) -> SweepReport:
    """Close every window whose last day has passed with nothing submitted — once (a conditional
    update claims it) — and resume the waiting run with "window closed"; an overdue
    rectification report also opens the sanction case (第二十二条(六)), once. A resume Prefect
    does not take now is retried by the next sweep, never repeated once taken."""
    from adapters import prefect_resume

    report = SweepReport([], [], [])
    with session_scope() as s:
        _compute_unknown_ends(s, as_of)
        due = list(s.exec(select(SpecialInspectionDeadline, SpecialInspection, InspectionCase)
                          .join(SpecialInspection, SpecialInspection.id == SpecialInspectionDeadline.special_id)
                          .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
                          .where(SpecialInspectionDeadline.status == "open", SpecialInspectionDeadline.due < as_of,
                                 InspectionCase.status == "special_open")))
        for row, _si, case in due:
            if row.kind == "findings":
                if not has_submission(s, case.id, row.step_key):
                    _report_findings_overdue(s, row, case, as_of, report)
                continue
            if has_submission(s, case.id, row.step_key):
                continue  # it came in; the run takes it (the portal resumes it)
            claimed = s.exec(update(SpecialInspectionDeadline)
                             .where(col(SpecialInspectionDeadline.id) == row.id,
                                    col(SpecialInspectionDeadline.status) == "open")
                             .values(status="closed", closed_on=as_of)).rowcount
            if claimed != 1:
                continue
            # the link closes with its window: a late upload is told the link expired, never
            # stored for a run that has moved on
            s.exec(update(PortalLink).where(PortalLink.case_kind == CASE_KIND, PortalLink.case_id == case.id,
                                            PortalLink.step_key == row.step_key)
                   .values(expires_at=clock.now()))
            names = {"self_report": "自评（自查）报告", "rebuttal": "申辩意见", "report": "整改工作报告"}
            add_event(s, case.id, f"closed-{row.step_key}", as_of, f"{names[row.kind]}提交期限（{row.due}）届满，未收到")
            if row.kind == "report":
                inst = s.get(Institution, case.institution_id)
                _, article = rules.report_outcome("overdue")
                open_pending(s, "sanction", inst.id, case.id, article,
                             f"专项督导 {case.batch_number}：整改工作报告应于 {row.due} 前提交，逾期未交"
                             f"（未按期完成质量督导中发现的违规问题整改）", as_of)
                add_event(s, case.id, "sanction-pending", as_of, f"已登记待处理案件（{article}）")
                report.sanctions.append(case.batch_number)
            report.closed.append(case.batch_number)
        pending = [(r.id, c.flow_run_id, r.step_key, c.batch_number) for r, _, c in s.exec(
            select(SpecialInspectionDeadline, SpecialInspection, InspectionCase)
            .join(SpecialInspection, SpecialInspection.id == SpecialInspectionDeadline.special_id)
            .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
            .where(SpecialInspectionDeadline.status == "closed", col(SpecialInspectionDeadline.resumed).is_(False)))]
        withdrawn = [(c.flow_run_id, int(r.step_key.removeprefix("findings-"))) for r, _, c in s.exec(
            select(SpecialInspectionDeadline, SpecialInspection, InspectionCase)
            .join(SpecialInspection, SpecialInspection.id == SpecialInspectionDeadline.special_id)
            .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
            .where(SpecialInspectionDeadline.status == "withdrawn", col(SpecialInspectionDeadline.resumed).is_(False),
                   InspectionCase.status == "special_open"))]
    for run_id, member_id in withdrawn:  # a withdrawal whose resume did not reach the run (第十三条)
        stop_waiting(run_id, member_id)
    for row_id, run_id, key, number in pending:
        result = prefect_resume.resume_at(run_id, key, {"submission_id": 0, "window_closed": True})
        if result.outcome in ("resumed", "already"):
            with session_scope() as s:
                row = s.get(SpecialInspectionDeadline, row_id)
                row.resumed = True
                s.add(row)
        else:
            report.waiting.append(number)
    return report
