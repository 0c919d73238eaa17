"""待办 (issue 18 part 2): everything waiting for an agency's staff, case by case, most urgent
first — overdue items (with what the sweep did about them), then by deadline.

- steps: runs suspended at a form staff answer in the Prefect UI (decisions, approvals,
  weighing, reviews, misconduct signatures), with the exact run page to resume it; a run that
  waits for a portal submission from a supervisor or institution is not staff's step;
- deadlines in the next 5 working days (第十七条 records due, 第十五条（二） windows closing,
  第二十五条 hearing periods, 附件4 rectification deadlines, 送达回执, 第十条 terms ending);
- overdue: the same deadlines passed and still open, with the sweep's action.
Reads only (models, the Prefect API through adapters.orchestrator); 第五条 scopes what an
agency sees (procedures.desk.auth.visible_agencies).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from models import (
    AgencyDecision,
    AppointmentTerm,
    InspectionCase,
    MisconductCase,
    PortalLink,
    SanctionCase,
    SpecialInspection,
    SpecialInspectionDeadline,
    Supervisor,
)
from procedures.casework.cases import run_url
from procedures.casework.work_calendar import current_calendar
from regulation.calendar import CalendarDataMissing

HORIZON_WORKING_DAYS = 5
# A staff step's pause key (its prefix before -<attempt>) → what staff are asked, in Chinese.
STEP_NAMES = {
    "go-ahead": "决定是否继续委派（发现违规线索）", "decision": "作出处理决定", "opening": "启动处理程序（告知）",
    "minutes": "录入约谈记录（第二十一条）", "review": "审核整改报告", "improvement-review": "审核改进情况报告（第二十七条）",
    "approval": "审批初步督导意见", "weighing": "综合分析申辩意见（第十五条（二））",
    "staff-code": "签署督导员违规处理（第二十六条）", "confirm": "按逾期处理未确认的记录表（第二十六条（二））",
    "approve": "批准随机抽查计划（第十五条“双随机”）",
}
# confirm-N waits for the other supervisors' portal confirmations; staff act on it only once the
# record's period has passed (to close what is missing as overdue).
AFTER_RECORD_DUE = ("confirm",)
SPECIAL_WINDOWS = {"self_report": "自查报告提交期限（第十五条（二））", "rebuttal": "申辩期限（第十五条（二））",
                   "report": "整改报告提交期限（第十五条（二））"}
OUTSIDE = ("institution", "supervisor")


@dataclass(frozen=True)
class Item:
    kind: str  # step | deadline | overdue
    title: str  # what is due or asked, in Chinese
    case_label: str  # the case as staff name it
    agency_id: str
    due: date | None = None
    case_ref: str = ""  # i<inspection case id> | s<sanction case id> — the desk's case page
    resume_url: str = ""  # a step: its run page in the Prefect UI
    action: str = ""  # overdue: what the sweep did about it
    since: date | None = None  # a step: waiting since

    @property
    def overdue(self) -> bool:
        return self.kind == "overdue"


@dataclass
class Todo:
    today: date
    horizon: date
    items: list[Item] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)


def horizon(today: date, s: Session) -> date:
    try:
        return current_calendar(s).add_working_days(today, HORIZON_WORKING_DAYS)
    except CalendarDataMissing:  # a year with no official calendar: a week, never a guess at holidays
        return today + timedelta(days=7)


def step_prefix(pause_key: str) -> str | None:
    """The staff step a pause key is (its name without the attempt number), or None: a pause that
    waits for a portal submission (record-1, self-report, rectification-2, …) is no staff step."""
    for prefix in sorted(STEP_NAMES, key=len, reverse=True):
        if pause_key == prefix or (pause_key.startswith(prefix + "-") and pause_key[len(prefix) + 1:][:1].isalnum()):
            return prefix
    return None


def step_name(pause_key: str) -> str:
    prefix = step_prefix(pause_key)
    return STEP_NAMES[prefix] if prefix else f"填写表单（{pause_key or '暂停'}）"


def _case_of_runs(s: Session, run_ids: list[str]) -> dict[str, tuple[str, str, str, date | None]]:
    """run id → (agency, case label, case ref, record due), for the runs that own a case."""
    out: dict[str, tuple[str, str, str, date | None]] = {}
    if not run_ids:
        return out
    for case in s.exec(select(InspectionCase).where(col(InspectionCase.flow_run_id).in_(run_ids))):
        out[case.flow_run_id] = (case.agency_id or "", case.batch_number, f"i{case.id}", case.record_due)
    for case in s.exec(select(SanctionCase).where(col(SanctionCase.flow_run_id).in_(run_ids))):
        out[case.flow_run_id] = (case.agency_id, f"处理程序 {case.number or f'（第{case.id}号）'}", f"s{case.id}", None)
    return out


def _misconduct_of_runs(s: Session, runs: list) -> dict[str, tuple[str, str, str, None]]:
    """A 第二十六条 run (misconduct-register / misconduct-decide) → the supervisor's appointing
    agency (their card's issuer), by the run's parameters: card_code, or the misconduct case id."""
    out: dict[str, tuple[str, str, str, None]] = {}
    for run in runs:
        if not run.flow_name.startswith("misconduct-"):
            continue
        sup = None
        if run.parameters.get("card_code"):
            sup = s.exec(select(Supervisor).where(Supervisor.card_code == str(run.parameters["card_code"]))).first()
        elif str(run.parameters.get("case_id") or "").isdigit():
            case = s.get(MisconductCase, int(run.parameters["case_id"]))
            sup = s.get(Supervisor, case.supervisor_id) if case else None
        if sup is not None:
            ref = f"m{run.parameters['case_id']}" if str(run.parameters.get("case_id") or "").isdigit() else ""
            out[run.id] = (sup.issuer, f"督导员违规 {sup.name}（{sup.card_code}）", ref, None)
    return out


def staff_steps(s: Session, runs: list, sees, today: date) -> list[Item]:
    """The waiting runs that wait for staff: a known staff step (STEP_NAMES), not a pause that a
    supervisor's or institution's portal link answers."""
    runs = [r for r in runs if step_prefix(r.pause_key)]
    ids = [r.id for r in runs]
    outside = set(s.exec(select(PortalLink.flow_run_id, PortalLink.step_key)
                         .where(col(PortalLink.flow_run_id).in_(ids), col(PortalLink.recipient_kind).in_(OUTSIDE))
                         ).all()) if ids else set()
    cases = _case_of_runs(s, ids) | _misconduct_of_runs(s, runs)
    items = []
    for run in runs:
        if (run.id, run.pause_key) in outside:
            continue
        agency, label, ref, record_due = cases.get(run.id, (str(run.parameters.get("agency_id") or ""), run.name, "",
                                                             None))
        if step_prefix(run.pause_key) in AFTER_RECORD_DUE and not (record_due and record_due < today):
            continue
        if not sees(agency):
            continue
        since = run.since.date() if run.since else None
        items.append(Item("step", step_name(run.pause_key), label, agency, case_ref=ref, resume_url=run_url(run.id),
                          since=since))
    return items


def _dated(kind_today: date, due: date | None, end: date) -> str | None:
    if due is None:
        return None
    if due < kind_today:
        return "overdue"
    return "deadline" if due <= end else None


def _scoped(query, column, agencies: frozenset[str] | None):
    return query if agencies is None else query.where(col(column).in_(sorted(agencies)))


def deadlines(s: Session, today: date, end: date, agencies: frozenset[str] | None) -> list[Item]:
    """Open deadlines due by `end` (overdue ones too), of `agencies` (None: every agency)."""
    items: list[Item] = []

    def sees(agency: str | None) -> bool:
        return agencies is None or (agency or "") in agencies

    def add(title, label, agency, due, ref, action=""):
        kind = _dated(today, due, end)
        if kind and sees(agency):
            items.append(Item(kind, title, label, agency or "", due, ref,
                              action=(action or "期限巡检尚未处理") if kind == "overdue" else ""))

    for case in s.exec(_scoped(select(InspectionCase).where(InspectionCase.status == "awaiting_record",
                                                            col(InspectionCase.record_due) <= end),
                               InspectionCase.agency_id, agencies)):
        add("督导员提交记录表（第十七条）", case.batch_number, case.agency_id, case.record_due, f"i{case.id}",
            f"已于 {case.overdue_reported_on} 向本机构报告逾期，并标记督导员待按第二十六条（二）核查"
            if case.overdue_reported_on else "")
    for window, _special, case in s.exec(_scoped(
            select(SpecialInspectionDeadline, SpecialInspection, InspectionCase)
            .join(SpecialInspection, SpecialInspection.id == SpecialInspectionDeadline.special_id)
            .join(InspectionCase, InspectionCase.id == SpecialInspection.case_id)
            .where(col(SpecialInspectionDeadline.status).in_(["open", "closing"]),
                   col(SpecialInspectionDeadline.due) <= end), InspectionCase.agency_id, agencies)):
        add(SPECIAL_WINDOWS.get(window.kind, window.kind), case.batch_number, case.agency_id, window.due, f"i{case.id}",
            "期限巡检正在关闭此期限并继续流程" if window.status == "closing" else "")
    for case in s.exec(_scoped(select(SanctionCase).where(col(SanctionCase.status).in_(["hearing", "rectifying"])),
                               SanctionCase.agency_id, agencies)):
        label = f"处理程序 {case.number or f'（第{case.id}号）'}"
        if case.status == "hearing" and case.hearing_closed_on is None:
            add("陈述申辩期限（第二十五条）", label, case.agency_id, case.hearing_due, f"s{case.id}")
        if case.status == "rectifying" and case.report_received_on is None:
            add("整改期限（附件4）", label, case.agency_id, case.rectification_due, f"s{case.id}",
                f"已于 {case.escalated_on} 启动升级处理" if case.escalated_on else "")
    for case in s.exec(_scoped(select(SanctionCase).where(col(SanctionCase.decision_served_on).is_not(None),
                                                          col(SanctionCase.receipt_signed_at).is_(None),
                                                          col(SanctionCase.receipt_due) <= end),
                               SanctionCase.agency_id, agencies)):
        add("处理决定书送达回执签收", f"处理程序 {case.number or f'（第{case.id}号）'}", case.agency_id,
            case.receipt_due, f"s{case.id}",
            f"已于 {case.receipt_reminded_on} 提醒机构签收并告知本机构" if case.receipt_reminded_on else "")
    # The written report a 提醒函 or 质量通报 asks of the institution (第十五条（一）3): its receipt is not
    # recorded in the system (it comes by the agency's own channels), so it is listed until its day,
    # never as overdue.
    for decision, case in s.exec(_scoped(
            select(AgencyDecision, InspectionCase).join(InspectionCase, InspectionCase.id == AgencyDecision.case_id)
            .where(col(AgencyDecision.report_due) >= today, col(AgencyDecision.report_due) <= end),
            InspectionCase.agency_id, agencies)):
        add(f"机构书面报告（{decision.option}要求）", case.batch_number, case.agency_id, decision.report_due,
            f"i{case.id}")
    for term, sup in s.exec(_scoped(
            select(AppointmentTerm, Supervisor).join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
            .where(AppointmentTerm.end >= today, AppointmentTerm.end <= end, Supervisor.status != "dismissed"),
            Supervisor.issuer, agencies)):
        add("督导员聘期届满（第十条）", f"督导员 {sup.name}（{sup.card_code}）", sup.issuer, term.end, "")
    return items


def urgency(item: Item, today: date) -> tuple:
    """Overdue first (oldest first), then by date: a staff step counts as due today."""
    rank = 0 if item.overdue else 1
    when = item.due or today
    return rank, when, item.case_label, item.title


def todo(s: Session, today: date, agencies: frozenset[str] | None, runs: list) -> Todo:
    """The whole list for the view of `agencies` (None: every agency, the provincial centre), `runs`
    the waiting runs (adapters.orchestrator.waiting_runs, read by the caller: the page says when
    Prefect is down)."""
    end = horizon(today, s)
    items = staff_steps(s, runs, lambda a: agencies is None or (a or "") in agencies, today)
    items += deadlines(s, today, end, agencies)
    items.sort(key=lambda i: urgency(i, today))
    return Todo(today, end, items)
