"""Runs that lost their process, and cases out of step with their run (`supervise runs`).

Prefect's open-source server marks nothing crashed when a run's process dies: a run caught
mid-leg by a stop, a SIGKILL or a power loss stays Running (or Pending) for ever and cannot
be resumed, and a run whose process was killed alone ends Crashed. Such a run is continued:
put back on the schedule, the runner replays it from the top, and the persisted task
results, the database keys and the stored answers (flows/asking.py) make that replay repeat
nothing and lose no answer. Everything else out of step is reported for staff to judge.
"""

from dataclasses import dataclass

from sqlmodel import col, select

from adapters import orchestrator, processes
from adapters.db import session_scope
from adapters.orchestrator import RunInfo
from adapters.settings import get_settings
from models import InspectionCase

CONTINUE, REPORT = "continue", "report"
# A run is Pending for a moment before its process exists: younger states are left alone.
GRACE_SECONDS = 20.0
# Beyond this many legs a run that keeps dying is a fault to look at, not to retry again.
MAX_RUN_COUNT = 60
RUNNER_SHUTDOWN = "Runner is shutting down"
TERMINAL_CASE_STATUSES = frozenset({"refused", "closed"})
_STATE_NAMES = {"RUNNING": "运行中", "PENDING": "待启动", "CRASHED": "崩溃", "CANCELLED": "已取消",
                "CANCELLING": "取消中", "PAUSED": "等待表单", "SCHEDULED": "已排队", "COMPLETED": "已完成",
                "FAILED": "失败"}


@dataclass(frozen=True)
class Finding:
    run_id: str
    run_name: str
    deployment: str
    state: str
    case_id: int | None
    case_status: str | None
    problem: str
    action: str  # continue | report

    @property
    def action_text(self) -> str:
        return "重新排队，从头重放继续执行" if self.action == CONTINUE else "仅报告，请人工核查"


def judge(run: RunInfo, alive: bool, case_status: str | None, grace: float = GRACE_SECONDS) -> tuple[str, str] | None:
    """(problem, action) for one run, or None when run and case agree. Pure."""
    state = _STATE_NAMES.get(run.state_type, run.state_type)
    case_open = case_status is None or case_status not in TERMINAL_CASE_STATUSES
    orphan = (run.state_type in ("RUNNING", "PENDING") and not alive and run.age_seconds >= grace)
    lost = orphan or (run.state_type == "CRASHED" and case_open) or (
        run.state_type == "CANCELLED" and case_open and RUNNER_SHUTDOWN in run.message)
    if lost:
        why = (f"运行状态为“{state}”，但其进程已不存在" if orphan
               else f"运行被服务停止或进程崩溃中断（{state}：{run.message or '无说明'}）")
        if run.run_count >= MAX_RUN_COUNT:
            return f"{why}；已执行 {run.run_count} 次仍未完成，需排查原因", REPORT
        return why, CONTINUE
    if case_status is None:
        return None
    if not case_open and run.state_type in ("PAUSED", "SCHEDULED", "RUNNING", "PENDING"):
        return f"案件已{'结案' if case_status == 'closed' else '终止'}，运行却仍为“{state}”", REPORT
    if not case_open and run.state_type in ("CRASHED", "FAILED"):
        return f"案件已{'结案' if case_status == 'closed' else '终止'}，运行却以“{state}”结束（{run.message}）", REPORT
    if case_open and run.state_type in ("COMPLETED", "FAILED", "CANCELLED", "CRASHED"):
        return f"运行已结束（{state}），案件状态却为“{case_status}”", REPORT
    return None


STRANDABLE = ["RUNNING", "PENDING", "CRASHED", "CANCELLED"]


def check(stranded_only: bool = False, grace: float = GRACE_SECONDS) -> list[Finding]:
    """Every run that is stranded or out of step with its case, and every open case whose
    run no longer exists. `stranded_only`: just the runs that lost their process (the
    service's own watch, every few seconds). `grace` 0: no run of ours is alive (at start)."""
    runs = orchestrator.list_runs(STRANDABLE if stranded_only else None)
    alive = processes.live_flow_run_ids(processes.mark_value(get_settings().var_dir))
    with session_scope() as s:
        cases = {c.flow_run_id: (c.id, c.status) for c in s.exec(select(InspectionCase))}
        known = {r.id for r in runs}
        missing = list(s.exec(select(InspectionCase).where(
            col(InspectionCase.status).not_in(TERMINAL_CASE_STATUSES))))
    findings = []
    for run in runs:
        case_id, status = cases.get(run.id, (None, None))
        verdict = judge(run, run.id in alive, status, grace)
        if verdict:
            findings.append(Finding(run.id, run.name, run.deployment, run.state_type, case_id, status, *verdict))
    for case in [] if stranded_only else missing:
        if case.flow_run_id not in known:
            findings.append(Finding(case.flow_run_id, "", "", "MISSING", case.id, case.status,
                                    "案件未结，但其运行在 Prefect 中不存在", REPORT))
    return findings


def repair(findings: list[Finding]) -> list[Finding]:
    """Continue every stranded run; returns those continued. Idempotent: a continued run is
    Scheduled, which a later check leaves alone."""
    done = []
    for f in findings:
        if f.action == CONTINUE:
            orchestrator.continue_run(f.run_id, f"服务恢复后继续执行：{f.problem}")
            done.append(f)
    return done
