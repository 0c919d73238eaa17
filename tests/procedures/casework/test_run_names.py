"""The service log and `supervise runs` name a run by its case (issue 23.16): 日常督导 批次 …,
专项督导-N, 处理程序 第N号 — not by Prefect's name, which a run that never started keeps at random.
A run with no case (a sweep) keeps its deployment and Prefect name."""

from adapters.orchestrator import RunInfo
from procedures.casework import run_health
from tests.procedures.casework.test_run_check import db  # noqa: F401  (the database with one case of each kind)


def _crashed(run_id: str, name: str = "smart-fox", deployment: str = "deployment") -> RunInfo:
    return RunInfo(run_id, name, deployment, "CRASHED", "Crashed", "process died", 600.0, 3)


def test_a_continued_run_is_named_by_its_case_not_by_prefects_random_name(db):  # noqa: F811
    from adapters.db import session_scope
    from models import SanctionCase

    with session_scope() as s:
        sanction_id = next(c.id for c in s.query(SanctionCase).all() if c.flow_run_id == "sanction-3")
    runs = [_crashed("daily-1"), _crashed("special-1"), _crashed("sanction-3"),
            _crashed("sweep-1", "deadline-sweep-2026-03-02", "deadline-sweep")]
    named = {f.run_id: f.named for f in run_health.check(runs=runs, alive=set(), stranded_only=True)}
    assert named == {"daily-1": "日常督导 批次 PC-1", "special-1": "ZX-1",
                     "sanction-3": f"处理程序 第{sanction_id}号", "sweep-1": "deadline-sweep deadline-sweep-2026-03-02"}
