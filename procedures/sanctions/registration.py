"""What the sanction procedure registers with the shared layers: its portal form (the 送达回执), and
the reader `supervise runs` uses to find its cases. Loaded by name (procedures.load)."""

from sqlmodel import Session, col, select

from models import SanctionCase
from procedures.casework import run_health
from procedures.sanctions import portal_forms  # noqa: F401  (registers the 送达回执 form)
from procedures.sanctions.common import FINAL_STATUSES, STATUS_NAMES


def case_files(s: Session, run_ids: list[str] | None = None) -> list[run_health.CaseFile]:
    """A sanction case has a run once staff start sanction-procedure for it (the sweep opens cases
    without one, and they are not out of step)."""
    rows = s.exec(select(SanctionCase.id, SanctionCase.flow_run_id, SanctionCase.status, SanctionCase.number)
                  .where(col(SanctionCase.flow_run_id).is_not(None), *run_health.of_runs(SanctionCase.flow_run_id, run_ids)))
    return [run_health.CaseFile("处理程序", case_id, run_id, status, status in FINAL_STATUSES,
                                STATUS_NAMES.get(status, status), f"处理程序 {number or f'第{case_id}号'}")
            for case_id, run_id, status, number in rows]


run_health.register_case_reader(case_files)
