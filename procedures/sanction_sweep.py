"""The sanctions' part of the daily sweep: each threshold opens its case exactly once.

- 第二十五条: a period to state and defend that has ended without a defence is closed (the
  waiting run is resumed with "no submission");
- 附件4: reminders before a rectification deadline (settings: 30, 7, 1 days); a deadline passed
  without a report → the escalation (第二十二条(六), or 第二十三条(一) after an earlier written
  notice) is opened once, and the waiting run is told;
- 第二十三条(十): the third 不合格 session of a calendar year;
- 第二十二条(四) / 第二十三条(七): no evaluation for 1 / 2 years (counted from the last evaluation,
  else the filing date).

Flat in history: every query reads only rows due around the sweep's day (indexed), never the
closed cases or the whole record table. Thresholds reached on a day the sweep did not run are
caught up within `sweep_catchup_days`. Database keys make a second run on the same day a no-op.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email
from models import InspectionCase, InspectionRecord, Institution, SanctionCase
from procedures.sanctions import open_sanction
from regulation.deadlines import add_calendar_months


@dataclass
class SanctionSweep:
    as_of: date
    hearings_closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)  # keys of cases opened by a threshold
    waiting: list[str] = field(default_factory=list)  # runs that could not be resumed yet

    def markdown(self) -> str:
        return "\n".join([
            f"## 处理程序巡检：{self.as_of}", "",
            f"- 陈述申辩期限届满：{len(self.hearings_closed)} 件",
            f"- 整改期限提醒：{len(self.reminded)} 件",
            f"- 逾期未整改，已启动升级处理：{len(self.escalated)} 件",
            f"- 新开处理案件（年度第三次不合格、长期未开展评价）：{len(self.opened)} 件",
            *([f"- 待重试续办：{'、'.join(self.waiting)}"] if self.waiting else []),
        ])


def _resume(run_id: str | None, key: str, summary: SanctionSweep) -> bool:
    """Tell a waiting run its window closed ({"submission_id": 0}); True once it has it."""
    if not run_id:
        return False
    from adapters.prefect_resume import resume_at

    result = resume_at(run_id, key, {"submission_id": 0})
    if result.outcome in ("resumed", "already"):
        return True
    summary.waiting.append(f"{run_id}@{key}")
    return False


def sweep(as_of: date, resume: bool = True) -> SanctionSweep:
    summary = SanctionSweep(as_of)
    with session_scope() as s:
        _close_hearings(s, as_of, summary, resume)
        _remind(s, as_of, summary)
        _escalate(s, as_of, summary, resume)
        _third_fail(s, as_of, summary)
        _inactivity(s, as_of, summary)
    return summary


def _close_hearings(s: Session, as_of: date, summary: SanctionSweep, resume: bool) -> None:
    rows = s.exec(select(SanctionCase).where(SanctionCase.status == "hearing", SanctionCase.hearing_due < as_of,
                                             col(SanctionCase.hearing_closed_on).is_(None)))
    for case in rows:
        if resume and not _resume(case.flow_run_id, "defence", summary):
            continue
        case.hearing_closed_on = as_of
        s.add(case)
        summary.hearings_closed.append(case.id)


def _remind(s: Session, as_of: date, summary: SanctionSweep) -> None:
    days = sorted(set(get_settings().rectification_reminder_days))
    due_days = [as_of + timedelta(days=d) for d in days]
    rows = s.exec(select(SanctionCase, Institution).join(Institution, Institution.id == SanctionCase.institution_id)
                  .where(SanctionCase.status == "rectifying", col(SanctionCase.rectification_due).in_(due_days),
                         col(SanctionCase.report_received_on).is_(None)))
    for case, inst in rows:
        left = (case.rectification_due - as_of).days
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【整改期限提醒】还有{left}天", greeting=inst.name,
            paragraphs=[f"你单位的整改期限为{case.rectification_due}（《整改通知书》{case.details.get('notice_number', '')}，"
                        "附件4）。请在期限前通过整改报告链接提交书面整改报告；整改期间不得组织职业技能等级认定。"],
            sender="技能人才评价质量督导")
        enqueue(s, f"sanction-remind:{case.id}:{case.rectification_round}:{left}", inst.contact_email, "institution",
                subject, text, html)
        summary.reminded.append(case.id)


# status → (the pause the run waits at, the case the missed date opens, 情节严重)
_WAITING = {"rectifying": ("rectification-{round}", "22.6", False),  # 第二十二条（六）
            "improving": ("improvement", "27.3", True),  # 第二十七条（三） 对督导意见拒不采取整改措施
            "awaiting_report": ("explanation", None, False)}  # 第二十条: recorded, no sanction of its own


def _escalate(s: Session, as_of: date, summary: SanctionSweep, resume: bool) -> None:
    rows = s.exec(select(SanctionCase).where(col(SanctionCase.status).in_(_WAITING),
                                             SanctionCase.rectification_due < as_of,
                                             col(SanctionCase.report_received_on).is_(None)))
    for case in rows:
        step, finding, serious = _WAITING[case.status]
        step = step.format(round=case.rectification_round)
        if case.escalated_on is None:
            if finding:
                what = {"22.6": f"《整改通知书》（{case.details.get('notice_number', '')}）限期于{case.rectification_due}前"
                                "完成整改，逾期未报送整改报告",
                        "27.3": f"改进要求限期于{case.rectification_due}前完成，逾期未报送改进情况"}[finding]
                open_sanction(s, f"overdue:{case.id}:{case.rectification_round}", case.institution_id, finding, what,
                              as_of, "sweep", case.agency_id, source_sanction_id=case.id, serious=serious)
            case.escalated_on = as_of
            s.add(case)
            summary.escalated.append(case.id)
        if resume:
            _resume(case.flow_run_id, step, summary)


def _third_fail(s: Session, as_of: date, summary: SanctionSweep) -> None:
    """Institutions with a 不合格 confirmed in the catch-up window; counted per session per year."""
    since = as_of - timedelta(days=get_settings().sweep_catchup_days)
    recent = s.exec(select(InspectionCase.institution_id).join(InspectionRecord,
                                                              InspectionRecord.case_id == InspectionCase.id)
                    .where(InspectionRecord.verdict == "不合格", InspectionRecord.confirmed_on >= since,
                           InspectionRecord.confirmed_on <= as_of).distinct())
    for inst_id in list(recent):
        year_start = date(as_of.year, 1, 1)
        fails = s.exec(select(InspectionCase.session_id, func.min(InspectionRecord.confirmed_on))
                       .join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
                       .where(InspectionCase.institution_id == inst_id, InspectionRecord.verdict == "不合格",
                              InspectionRecord.confirmed_on >= year_start, InspectionRecord.confirmed_on <= as_of)
                       .group_by(InspectionCase.session_id)).all()
        if len(fails) < 3:
            continue
        third = sorted(d for _, d in fails)[2]
        key = f"fails:{inst_id}:{as_of.year}"
        if s.exec(select(SanctionCase.id).where(SanctionCase.key == key)).first() is None:
            open_sanction(s, key, inst_id, "fail", f"{as_of.year}年度外督总体评价结果已出现{len(fails)}场次“不合格”",
                          third, "sweep")
            summary.opened.append(key)


def _inactivity(s: Session, as_of: date, summary: SanctionSweep) -> None:
    catchup = get_settings().sweep_catchup_days
    for months, case_key, label in ((12, "22.4", "一年"), (24, "23.7", "两年")):
        cutoff = add_calendar_months(as_of, -months)  # evaluated last on or before this day: reached
        lo = cutoff - timedelta(days=catchup)
        rows = s.exec(select(Institution).where(Institution.status != "revoked", (
            (Institution.last_evaluation_on >= lo) & (Institution.last_evaluation_on <= cutoff)) | (
            col(Institution.last_evaluation_on).is_(None) & (Institution.filed_on >= lo)
            & (Institution.filed_on <= cutoff))))
        for inst in rows:
            since = inst.last_evaluation_on or inst.filed_on
            key = f"inactive-{months // 12}y:{inst.id}:{since}"
            if s.exec(select(SanctionCase.id).where(SanctionCase.key == key)).first() is None:
                open_sanction(s, key, inst.id, case_key, f"自{since}起{label}未开展评价活动（正当理由由委派机构核实）",
                              as_of, "sweep")
                summary.opened.append(key)
