"""What the special inspection registers with the shared layers: its portal forms, and the reader
`supervise runs` uses to find its cases. Loaded by name (procedures.load)."""

from sqlmodel import Session, select

from models import InspectionCase, SpecialInspection
from procedures.casework import run_health
from procedures.casework.cases import STATUS_NAMES
from procedures.special import portal_forms  # noqa: F401  (registers the findings and consolidation forms)
from procedures.special.casefile import STAGE_NAMES


def case_files(s: Session, run_ids: list[str] | None = None) -> list[run_health.CaseFile]:
    """Special inspections: the case (shared table with daily ones) and its stage beside it."""
    rows = s.exec(select(InspectionCase.id, InspectionCase.flow_run_id, InspectionCase.status, SpecialInspection.stage,
                         InspectionCase.batch_number)
                  .join(SpecialInspection, SpecialInspection.case_id == InspectionCase.id)
                  .where(*run_health.of_runs(InspectionCase.flow_run_id, run_ids)))
    closed = run_health.TERMINAL_CASE_STATUSES
    return [run_health.CaseFile("专项督导", case_id, run_id, status, status in closed,
                                STATUS_NAMES.get(status, status) if status in closed else STAGE_NAMES.get(stage, stage),
                                number)  # 专项督导-CITY-A-2026-N
            for case_id, run_id, status, stage, number in rows]


run_health.register_case_reader(case_files)
