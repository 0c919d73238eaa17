"""Step 5 of a random inspection plan — what changed after the draw (第十五条; the plan's rule).

The rule (ours, README "A random inspection plan"): the draw chose *sessions*, not dates, and is
never redone.
- A chosen session moved to another time stays chosen wherever it goes (even outside the period):
  its start day is computed again from the new time; the plan records old and new time.
- A cancelled session (EvaluationSession.cancelled_on) is recorded and not started; no other session
  replaces it (a replacement would be a second draw). One already started is recorded for staff to
  close its run.
- A session registered after the draw is not in the plan (its frame is fixed and published by its
  hash); it can be inspected by hand or fall into the next plan of its period.
Each change is written on the plan's row the day the sweep sees it, and every agency is told once,
in one mail a day naming each session (the row's change_reported_on)."""

import hashlib
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from adapters import clock
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import Agency, EvaluationSession, PlanSession, SamplingPlan
from procedures.casework.cases import local_date, local_time
from procedures.sampling.plan import start_on_for

RECENT_DAYS = 31  # a session that ended longer ago is not watched for changes any more


def _when(moment) -> str:
    return f"{local_time(moment):%Y-%m-%d %H:%M}"


def note_changes(s: Session, as_of: date) -> list[str]:
    """Record every move or cancellation of a chosen (or started) session not long past; returns
    their batches. Columns only: a plan's candidate list is not read for each of its rows."""
    noted = []
    recent = datetime.combine(as_of - timedelta(days=RECENT_DAYS), time(0, 0), tzinfo=clock.tz())
    for row, lead, starts_at, cancelled_on in s.exec(
            select(PlanSession, SamplingPlan.lead_working_days, EvaluationSession.starts_at, EvaluationSession.cancelled_on)
            .join(SamplingPlan, SamplingPlan.id == PlanSession.plan_id)
            .join(EvaluationSession, EvaluationSession.id == PlanSession.session_id)
            .where(SamplingPlan.status == "approved", col(PlanSession.status).in_(("chosen", "started")),
                   EvaluationSession.ends_at >= recent)).all():
        if cancelled_on is not None:
            text = f"评价机构已取消该场次（{cancelled_on}）"
            if row.status == "started":
                text += "；日常督导已发起，请工作人员在其运行中处理"
            else:
                row.status = "cancelled"
        elif starts_at != (row.moved_to or row.planned_start):
            text = f"场次时间由 {_when(row.moved_to or row.planned_start)} 改为 {_when(starts_at)}"
            row.moved_to = starts_at
            if row.status == "chosen":
                row.start_on, row.start_on_reason = start_on_for(s, starts_at, lead)
                text += f"；日常督导改于 {row.start_on} 发起"
        else:
            continue
        if row.change_text and row.change_text.endswith(text):
            continue
        row.change_text = (row.change_text + "\n" if row.change_text else "") + text
        row.change_noted_on, row.change_reported_on = as_of, None
        s.add(row)
        noted.append(row.batch_number)
    return noted


def report_changes(s: Session, as_of: date) -> list[str]:
    """Tell each plan's agency, once, of every change recorded and not yet reported."""
    rows = s.exec(select(PlanSession, SamplingPlan.number, SamplingPlan.agency_id)
                  .join(SamplingPlan, SamplingPlan.id == PlanSession.plan_id)
                  .where(col(PlanSession.change_noted_on).is_not(None), col(PlanSession.change_reported_on).is_(None))
                  .order_by(PlanSession.plan_id, PlanSession.batch_number)).all()
    by_agency: dict[str, list[tuple[PlanSession, str]]] = {}
    for row, number, agency_id in rows:
        by_agency.setdefault(agency_id, []).append((row, number))
        row.change_reported_on = as_of
        s.add(row)
    for agency_id, items in by_agency.items():
        agency = s.get(Agency, agency_id)
        ids = ",".join(str(row.id) for row, _ in items)
        key = f"sampling-changes:{agency_id}:{as_of}:{hashlib.sha256(ids.encode()).hexdigest()[:16]}"
        lines = [f"{n}. 抽查计划 {number}，批次 {row.batch_number}：{row.change_text.splitlines()[-1]}"
                 for n, (row, number) in enumerate(items, 1)]
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【抽查计划场次变动】{as_of} 共 {len(items)} 个场次",
            greeting=agency.letterhead_name, sender="督导系统",
            paragraphs=["以下随机抽查（“双随机、一公开”，第十五条）抽中的场次在抽取后发生变动，已记录在抽查计划中："
                        "抽取结果不重新抽取，不另行补抽：", *lines])
        enqueue(s, key, agency.email, "agency", subject, text, html)
    return [row.batch_number for row, _, _ in rows]


def session_day(row: PlanSession) -> date:
    return local_date(row.moved_to or row.planned_start)
