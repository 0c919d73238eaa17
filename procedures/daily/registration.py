"""What the daily inspection registers with the shared layers: its portal forms, and the reader
`supervise runs` uses to find its cases. Loaded by name (procedures.load)."""

from sqlmodel import Session, col, select

from models import InspectionCase, SpecialInspection
from procedures.casework import run_health
from procedures.casework.cases import STATUS_NAMES
from procedures.daily import portal_forms  # noqa: F401  (registers the record and confirmation forms)


def case_files(s: Session, run_ids: list[str] | None = None) -> list[run_health.CaseFile]:
    """Daily inspections: the case table's rows with no special inspection beside them."""
    rows = s.exec(select(InspectionCase.id, InspectionCase.flow_run_id, InspectionCase.status, InspectionCase.batch_number)
                  .join(SpecialInspection, col(SpecialInspection.case_id) == InspectionCase.id, isouter=True)
                  .where(col(SpecialInspection.id).is_(None), *run_health.of_runs(InspectionCase.flow_run_id, run_ids)))
    return [run_health.CaseFile("日常督导", case_id, run_id, status, status in run_health.TERMINAL_CASE_STATUSES,
                                STATUS_NAMES.get(status, status), f"日常督导 批次 {batch}")
            for case_id, run_id, status, batch in rows]


run_health.register_case_reader(case_files)
