"""What the random inspection plan registers with the shared layers: the reader `supervise runs` and
the service's watch use to find its plans (a plan is owned by its sampling-plan run until approved).
No portal form: its public pages are read-only. Loaded by name (procedures.load)."""

from sqlmodel import Session, select

from models import SamplingPlan
from procedures.casework import run_health

STEPS = {"drawn": "已抽取，待批准", "approved": "已批准"}


def case_files(s: Session, run_ids: list[str] | None = None) -> list[run_health.CaseFile]:
    rows = s.exec(select(SamplingPlan.id, SamplingPlan.flow_run_id, SamplingPlan.status, SamplingPlan.number)
                  .where(*run_health.of_runs(SamplingPlan.flow_run_id, run_ids)))
    return [run_health.CaseFile("抽查计划", plan_id, run_id, status, status == "approved", STEPS.get(status, status),
                                f"抽查计划 {number}") for plan_id, run_id, status, number in rows]


run_health.register_case_reader(case_files)
