"""Step 4 of a random inspection plan — each chosen session's daily inspection, started by itself
(第十五条（一）; 第十五条（一）1 外督员提前了解: N working days before the session, the setting
`sampling_lead_working_days`).

The daily sweep calls `start_due`: every chosen session of an approved plan whose start day has come
is started through Prefect's API as a run of the daily-inspection deployment, with the supervisors
drawn as today (the run draws them: 第十条, 第十三条). Exactly once, across crashes and restarts:
- the row's `start_key` (plan-P-session-S, unique) is also the run's Prefect idempotency key, so a
  sweep that dies after Prefect created the run and before the row was written gets the same run
  back from Prefect the next time, never a second one;
- the row is marked started in its own transaction right after; a later sweep skips it;
- and the daily inspection itself refuses a second case for one session (InspectionCase.active_session_id).
A session that already has a daily inspection (started by hand) is marked started with that run. A
session that ended before it could be started is marked missed (and reported, changes.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select

from adapters.db import session_scope
from models import EvaluationSession, InspectionCase, PlanSession, SamplingPlan
from procedures.casework.cases import local_date

# deployments/serve.py's DAILY_INSPECTION ("flow/deployment"): the run the plan starts. A name, not an
# import: procedures sit below deployments.
DAILY_DEPLOYMENT = "daily-inspection/daily-inspection"

Starter = Callable[[str, dict], str]  # (idempotency key, parameters) → flow-run id


class PrefectStarter:
    """Starts daily-inspection runs through Prefect's API, keyed (one client for a whole sweep)."""

    def __init__(self, deployment: str = DAILY_DEPLOYMENT):
        self.deployment, self._id = deployment, None

    def __call__(self, key: str, parameters: dict) -> str:
        from adapters.prefect_client import sync_client

        with sync_client() as client:
            if self._id is None:
                self._id = client.read_deployment_by_name(self.deployment).id
            run = client.create_flow_run_from_deployment(self._id, parameters=parameters, idempotency_key=key)
            return str(run.id)


@dataclass
class StartReport:
    started: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # a daily inspection existed (started by hand)
    missed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # Prefect refused or was down: the next sweep retries
    errors: list[str] = field(default_factory=list)


def due(as_of: date) -> list[tuple[int, str, str, int, str, date]]:
    """(row id, key, batch, session id, agency id, session end day) of every row to start by `as_of`."""
    with session_scope() as s:
        rows = s.exec(select(PlanSession.id, PlanSession.start_key, PlanSession.batch_number, PlanSession.session_id,
                             SamplingPlan.agency_id, EvaluationSession.ends_at)
                      .join(SamplingPlan, SamplingPlan.id == PlanSession.plan_id)
                      .join(EvaluationSession, EvaluationSession.id == PlanSession.session_id)
                      .where(SamplingPlan.status == "approved", PlanSession.status == "chosen",
                             col(PlanSession.start_on).is_not(None), PlanSession.start_on <= as_of,
                             col(EvaluationSession.cancelled_on).is_(None))
                      .order_by(PlanSession.start_on, PlanSession.id)).all()
        return [(i, k, b, sid, a, local_date(end)) for i, k, b, sid, a, end in rows]


def _mark(row_id: int, as_of: date, status: str, run_id: str = "", text: str = "") -> bool:
    with session_scope() as s:
        row = s.get(PlanSession, row_id)
        if row.status != "chosen":
            return False
        row.status, row.flow_run_id = status, run_id or row.flow_run_id
        if status == "started":
            row.started_on = as_of
        if text:
            row.change_text, row.change_noted_on = text, as_of
        s.add(row)
        return True


def _existing_run(session_id: int) -> str:
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.active_session_id == session_id)).first()
        return case.flow_run_id if case else ""


def start_due(as_of: date, starter: Starter | None = None) -> StartReport:
    """Start every due chosen session once; what could not be started now stays for the next sweep."""
    starter = starter or PrefectStarter()
    report = StartReport()
    for row_id, key, batch, session_id, agency_id, ends_on in due(as_of):
        existing = _existing_run(session_id)
        if existing:
            if _mark(row_id, as_of, "started", existing):
                report.already.append(batch)
            continue
        if ends_on < as_of:
            if _mark(row_id, as_of, "missed", text=f"场次已于 {ends_on} 结束，未能在场次前发起日常督导"):
                report.missed.append(batch)
            continue
        try:
            run_id = starter(key, {"batch_number": batch, "as_of": as_of.isoformat(), "agency_id": agency_id})
        except Exception as exc:  # noqa: BLE001 — Prefect down or refusing: the row stays chosen, retried next sweep
            report.failed.append(batch)
            report.errors.append(f"{batch}: {type(exc).__name__}")
            continue
        if _mark(row_id, as_of, "started", run_id):
            report.started.append(batch)
    return report
