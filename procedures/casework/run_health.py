"""Runs that lost their process, and cases out of step with their run (`supervise runs`).

Prefect's open-source server marks nothing crashed when a run's process dies: a run caught
mid-leg by a stop, a SIGKILL or a power loss stays Running (or Pending) for ever and cannot
be resumed, and a run whose process was killed alone ends Crashed. A run is alive while its
process is (this machine's, found by the service mark) or, for a worker's run (a work pool:
its process may be on another host), while its flow-run heartbeats come; one whose heartbeats
stopped is marked Crashed, as its host would have. Such a run is continued:
put back on the schedule, the runner replays it from the top, and the persisted task
results, the database keys and the stored answers (flows/asking.py) make that replay repeat
nothing and lose no answer. Everything else out of step is reported for staff to judge.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col

from adapters import orchestrator, processes
from adapters.db import session_scope
from adapters.orchestrator import RunInfo
from adapters.settings import get_settings

CONTINUE, REPORT = "continue", "report"
# A run is Pending for a moment before its process exists: younger states are left alone.
GRACE_SECONDS = 20.0
# Beyond this many legs a run that keeps dying is a fault to look at, not to retry again.
MAX_RUN_COUNT = 60
RUNNER_SHUTDOWN = "Runner is shutting down"
TERMINAL_CASE_STATUSES = frozenset({"refused", "closed"})  # an inspection case's (procedures.casework.cases)
_STATE_NAMES = {"RUNNING": "运行中", "PENDING": "待启动", "CRASHED": "崩溃", "CANCELLED": "已取消",
                "CANCELLING": "取消中", "PAUSED": "等待表单", "SCHEDULED": "已排队", "COMPLETED": "已完成",
                "FAILED": "失败"}


@dataclass(frozen=True)
class CaseFile:
    """Where a case of any procedure says it stands, and which run owns it."""

    kind: str  # 日常督导 | 专项督导 | 处理程序
    case_id: int
    run_id: str
    status: str  # the case's own status value
    closed: bool  # a terminal status: its run should have ended
    step: str  # where the case says it stands, in Chinese (its status or stage name)
    label: str = ""  # the case as staff name it: 日常督导 批次 …, 专项督导-…, 处理程序 处理-…（第N号 before numbers）


# Every procedure whose cases are owned by a run registers one reader (its package's
# registration module); one check for all. Casework imports no procedure. A reader takes the
# run ids to read the cases of (None: every case it has).
_READERS: list[Callable[[Session, list[str] | None], list[CaseFile]]] = []


def register_case_reader(read: Callable[[Session, list[str] | None], list[CaseFile]]) -> None:
    if read not in _READERS:
        _READERS.append(read)


def of_runs(run_id_column, run_ids: list[str] | None) -> list:
    """A reader's filter: the cases of these runs only, or no filter when `run_ids` is None."""
    return [] if run_ids is None else [col(run_id_column).in_(run_ids)]


def case_files(run_ids: list[str] | None = None) -> dict[str, CaseFile]:
    """Every case that has a run, by its run's id; only those of `run_ids` when given (the
    service's watch: a few runs every few seconds, not every case the agency ever opened)."""
    import procedures

    if run_ids is not None and not run_ids:
        return {}
    procedures.load()
    with session_scope() as s:
        return {f.run_id: f for read in _READERS for f in read(s, run_ids)}


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
    case_kind: str = ""  # 日常督导 | 专项督导 | 处理程序
    case_label: str = ""  # the case as staff name it (CaseFile.label)
    work_pool: str = ""  # a worker's run: judged by its heartbeats

    @property
    def named(self) -> str:
        """The run as the service log names it: by its case; a run with no case (a sweep, a
        roster import) by its Prefect name — which a run that never started still has at random."""
        return self.case_label or (f"{self.deployment} {self.run_name}".strip() if self.run_name else self.run_id)

    @property
    def action_text(self) -> str:
        return "重新排队，从头重放继续执行" if self.action == CONTINUE else "仅报告，请人工核查"


def judge(run: RunInfo, alive: bool, case_status: str | None, grace: float = GRACE_SECONDS,
          closed: bool | None = None, step: str | None = None) -> tuple[str, str] | None:
    """(problem, action) for one run, or None when run and case agree. Pure. `closed`: whether
    the case's status is terminal (default: an inspection case's terminal statuses); `step`: where
    the case says it stands, for the message (default: its status)."""
    state = _STATE_NAMES.get(run.state_type, run.state_type)
    if closed is None:
        closed = case_status in TERMINAL_CASE_STATUSES
    case_open = case_status is None or not closed
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
    ended = "结案" if case_status == "closed" else f"终止（{step or case_status}）"
    if not case_open and run.state_type in ("PAUSED", "SCHEDULED", "RUNNING", "PENDING"):
        return f"案件已{ended}，运行却仍为“{state}”", REPORT
    if not case_open and run.state_type in ("CRASHED", "FAILED"):
        return f"案件已{ended}，运行却以“{state}”结束（{run.message}）", REPORT
    if case_open and run.state_type in ("COMPLETED", "FAILED", "CANCELLED", "CRASHED"):
        return f"运行已结束（{state}），案件状态却为“{step or case_status}”", REPORT
    return None


# The states a run that lost its process can be in: the runner's shutdown cancels its runs and
# names the state "Cancelled"; a refused run's Cancelled is named 已拒绝 and is never stranded, so
# the watch does not read every refusal there ever was every few seconds.
STRANDABLE = ["RUNNING", "PENDING", "CRASHED"]
STRANDABLE_NAMES = ["Cancelled"]


def check(stranded_only: bool = False, grace: float = GRACE_SECONDS, runs: list[RunInfo] | None = None,
          alive: set[str] | None = None) -> list[Finding]:
    """Every run that is stranded or out of step with its case — a daily inspection's, a special
    inspection's or a sanction procedure's (each registered by its procedure) — and every open case whose run no
    longer exists. `stranded_only`: just the runs that lost their process (the service's own
    watch, every few seconds). `grace` 0: no run of ours is alive (at start). `runs`/`alive`: the
    server's runs and the live run processes, when the caller has them already (read otherwise)."""
    if runs is None:
        runs = orchestrator.list_runs(STRANDABLE, STRANDABLE_NAMES) if stranded_only else orchestrator.list_runs()
    if alive is None:
        alive = processes.live_flow_run_ids(processes.mark_value(get_settings().var_dir)) | beating(runs)
    cases = case_files([r.id for r in runs] if stranded_only else None)
    findings = []
    for run in runs:
        case = cases.get(run.id)
        verdict = judge(run, run.id in alive, case.status if case else None, grace,
                        case.closed if case else None, case.step if case else None)
        if verdict:
            findings.append(Finding(run.id, run.name, run.deployment, run.state_type, case.case_id if case else None,
                                    case.status if case else None, *verdict, case_kind=case.kind if case else "",
                                    case_label=case.label if case else "", work_pool=run.work_pool))
    known = {r.id for r in runs}
    for case in [] if stranded_only else cases.values():
        if not case.closed and case.run_id not in known:
            findings.append(Finding(case.run_id, "", "", "MISSING", case.case_id, case.status,
                                    f"案件未结（{case.step}），但其运行在 Prefect 中不存在", REPORT, case.kind,
                                    case.label))
    return findings


def heartbeat_window() -> float:
    """A worker's run is alive while it sent a heartbeat within this many seconds, or its state is
    younger (no beat yet): SUPERVISION_RUN_HEARTBEAT_MISSES (3) of Prefect's intervals."""
    from prefect.settings import get_current_settings

    # the environment first: Prefect reads its settings once, when imported (make run-pool sets it after)
    seconds = os.environ.get("PREFECT_FLOWS_HEARTBEAT_FREQUENCY") or get_current_settings().flows.heartbeat_frequency
    return get_settings().run_heartbeat_misses * float(seconds or 180)


def alive_by_heartbeat(run: RunInfo, heartbeat_age: float | None, window: float) -> bool:
    """A worker's Running or Pending run: alive while a heartbeat or its state is younger than
    `window`. Pure."""
    return run.age_seconds < window or (heartbeat_age is not None and heartbeat_age < window)


def beating(runs: list[RunInfo]) -> set[str]:
    """The worker runs (work pool) that are alive by their heartbeats, wherever their host."""
    pooled = [r for r in runs if r.work_pool and r.state_type in ("RUNNING", "PENDING")]
    if not pooled:
        return set()
    window = heartbeat_window()
    try:
        ages = orchestrator.heartbeat_ages([r.id for r in pooled], window)
    except Exception:  # noqa: BLE001 — heartbeats unread: none is judged dead on that (a run twice is worse)
        return {r.id for r in pooled}
    return {r.id for r in pooled if alive_by_heartbeat(r, ages.get(r.id), window)}


def repair(findings: list[Finding]) -> list[Finding]:
    """Continue every stranded run; returns those continued. Idempotent: a continued run is
    Scheduled, which a later check leaves alone."""
    done = []
    for f in findings:
        if f.action == CONTINUE:
            if f.work_pool and f.state in ("RUNNING", "PENDING"):  # its heartbeats stopped
                orchestrator.mark_crashed(f.run_id, f"心跳已停止：{f.problem}")
            orchestrator.continue_run(f.run_id, f"服务恢复后继续执行：{f.problem}")
            done.append(f)
    return done
