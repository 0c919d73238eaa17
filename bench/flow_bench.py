"""Daily inspection through the real server, against a bare flow with the same suspends.

1. One full lifecycle (start → record form → decision form → done), alternating with the
   bare baseline, ROUNDS times each; medians and their ratio (goal: ≤ 1.5×).
2. 200 inspections started at once until all wait at the record form, then all resumed
   through to the end: phase times and the Prefect server's memory (peak RSS).
The Prefect server runs on PostgreSQL (ARCHITECTURE: SQLite locks under load).
"""

import contextvars
import os
import re
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from prefect.client.schemas.objects import StateType

from adapters.db import session_scope
from bench.serve import BARE
from bench.signals import stop_on_sigterm
from cli.demo_data import add_institution, add_session, add_supervisor
from deployments.serve import DAILY_INSPECTION
from tests.flows import harness as h
from tests.flows.world import answers, decided_by, record_in_process
from tests.postgres_server import PostgresServer

DAY = date(2026, 11, 23)
ROUNDS = 3
SCALE = 200
DONE = {StateType.COMPLETED}


class RssSampler(threading.Thread):
    """Peak RSS of a process; `tree=True`: of it and every process below it, summed (the portal's
    uvicorn supervisor and its workers)."""

    def __init__(self, pid: int, tree: bool = False):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.running, self.tree = pid, 0, True, tree

    @staticmethod
    def _rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def pids(self) -> list[int]:
        if not self.tree:
            return [self.pid]
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [p for p, pp in parents.items() if pp in frontier]
            found += frontier
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU used so far by the process (and, with `tree`, every process below it)."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, ValueError, IndexError):
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        return sum(self._rss(p) for p in self.pids())

    def run(self):
        while self.running:
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(0.25)


def seed(n_sessions: int, tag: str, card_year: int) -> list[tuple[str, str]]:
    """Institutions with one session each and one supervisor named per session."""
    out = []
    with session_scope() as s:
        for i in range(n_sessions):
            inst = add_institution(s, f"基准机构{tag}{i}", f"B-{tag}-{i}", city="A",
                                   email=f"inst-{tag}-{i}@bench.example.cn")
            sup = add_supervisor(s, f"基准督导{tag}{i}", "A", i + 1, year=card_year,
                                 email=f"sup-{tag.lower()}-{i}@bench.example.cn")
            out.append((add_session(s, f"BENCH-{tag}-{i}", inst, DAY).batch_number, sup.card_code))
    return out


def names_batch(subject: str, batch: str) -> bool:
    """The subject carries `batch` as a whole word ("【督导派遣通知】BENCH-S-1 机构名"):
    BENCH-S-1 must not match the notice of BENCH-S-10 (and resume with its code)."""
    return batch in re.split(r"[\s【】]+", subject)


def code_for(mail_dir: Path, batch: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        for m in h.messages(mail_dir):
            subject = m["Subject"] or ""
            if "派遣通知" in subject and names_batch(subject, batch):
                return h.assignment_code(m)
        if time.monotonic() > deadline:
            raise RuntimeError(f"no dispatch notice for {batch}")
        time.sleep(0.1)


def address_for(mail_dir: Path, batch: str) -> str:
    """The supervisor the batch's dispatch notice went to (the record link came with it)."""
    for m in h.messages(mail_dir):
        if "派遣通知" in (m["Subject"] or "") and names_batch(m["Subject"], batch):
            return m["To"]
    raise RuntimeError(f"no dispatch notice for {batch}")


def in_run_seconds(run_id) -> float:
    """Time spent inside the run's legs (each Running → the next state), without the runner's
    polling wait and the process start that both flows pay alike."""
    from adapters.prefect_client import sync_client

    with sync_client() as client:
        states = sorted(client.read_flow_run_states(run_id), key=lambda st: st.timestamp)
    return sum((nxt.timestamp - st.timestamp).total_seconds()
               for st, nxt in zip(states, states[1:], strict=False) if st.type == StateType.RUNNING)


def daily_lifecycle(mail_dir: Path, batch: str, card: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    run_id = h.start(DAILY_INSPECTION, {"batch_number": batch, "as_of": str(DAY), "supervisor_cards": [card]})
    h.wait_for_form(run_id, "record-1")
    record_in_process(mail_dir, address_for(mail_dir, batch), answers("theory", code_for(mail_dir, batch), str(DAY)))
    h.resume(run_id, "decision-1", {"decision": "无需处理", "opinion": "基准", **decided_by()})
    h.wait_for(run_id, DONE)
    return time.perf_counter() - t0, in_run_seconds(run_id)


def bare_lifecycle() -> tuple[float, float]:
    t0 = time.perf_counter()
    run_id = h.start(BARE, {})
    h.resume(run_id, "record-1", {"ok": "a"})
    h.resume(run_id, "decision-1", {"ok": "b"})
    h.wait_for(run_id, DONE)
    return time.perf_counter() - t0, in_run_seconds(run_id)


def parallel(pool: ThreadPoolExecutor, fn, items) -> list:
    """Map in threads, each in a copy of this context: Prefect keeps its settings (the API
    URL) in a context variable that pool threads would not inherit."""
    futures = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
    return [f.result() for f in futures]


def wait_all(ids: list, key: str | None, timeout: float = 3600) -> None:
    """One batched query a second (not a poll per run): all suspended at `key`, or all done."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from adapters.prefect_client import sync_client

    deadline = time.monotonic() + timeout
    with sync_client() as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)),
                                         limit=len(ids))
            if key is None:
                ready = sum(r.state.is_completed() for r in runs)
            else:
                ready = sum(r.state.is_paused() and r.state.state_details.pause_key == key for r in runs)
            failed = [r for r in runs if r.state.is_failed() or r.state.is_crashed()]
            if failed:
                raise RuntimeError(f"{len(failed)} runs failed: {failed[0].state.message}")
            if ready == len(ids):
                return
            time.sleep(1)
    raise RuntimeError(f"not all {len(ids)} runs reached {key or 'completed'}")


def scale(mail_dir: Path, sampler: RssSampler, bare: bool) -> dict:
    """SCALE runs to the first form, then both forms resumed to the end."""
    worlds = [] if bare else seed(SCALE, "S", 2011)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        if bare:
            ids = parallel(pool, lambda _: h.start(BARE, {}), range(SCALE))
        else:
            ids = parallel(pool, lambda w: h.start(DAILY_INSPECTION, {
                "batch_number": w[0], "as_of": str(DAY), "supervisor_cards": [w[1]]}), worlds)
        wait_all(ids, "record-1")
        t_suspended = time.perf_counter() - t0
        rss_suspended = sampler.rss_kb()
        t1 = time.perf_counter()
        if bare:
            parallel(pool, lambda r: h.resume(r, "record-1", {"ok": "a"}), ids)
            wait_all(ids, "decision-1")
            parallel(pool, lambda r: h.resume(r, "decision-1", {"ok": "b"}), ids)
        else:
            parallel(pool, lambda rw: record_in_process(mail_dir, address_for(mail_dir, rw[1][0]), answers(
                "theory", code_for(mail_dir, rw[1][0]), str(DAY))), list(zip(ids, worlds, strict=True)))
            wait_all(ids, "decision-1")
            signed = decided_by()  # one staff account, created before the parallel resumes
            parallel(pool, lambda r: h.resume(r, "decision-1", {"decision": "无需处理", "opinion": "基准", **signed}), ids)
        wait_all(ids, None)
        t_resumed = time.perf_counter() - t1
    return {"suspended_s": t_suspended, "resumed_s": t_resumed, "rss_suspended_kb": rss_suspended}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="flow-bench-"))
    stop_on_sigterm()
    pg = PostgresServer()
    try:
        pg.start()  # inside: a signal during the start still stops what started
        with h.running_service(root, pg, "bench.serve", (BARE,)) as svc:
            sampler = RssSampler(svc.server.pid)
            sampler.start()
            worlds = seed(ROUNDS + 1, "L", 2012)
            daily_lifecycle(root / "mail", *worlds[-1])  # warm-up: first imports, first tables
            bare_lifecycle()
            daily, bare = [], []
            for i in range(ROUNDS):
                daily.append(daily_lifecycle(root / "mail", *worlds[i]))
                bare.append(bare_lifecycle())
            d, b = (statistics.median(x[0] for x in daily), statistics.median(x[0] for x in bare))
            di, bi = (statistics.median(x[1] for x in daily), statistics.median(x[1] for x in bare))
            print("== daily inspection lifecycle vs bare flow (2 suspends + 2 resumes each, real server) ==")
            print(f"  wall clock, start → completed    daily {d:.2f} s, bare {b:.2f} s: ratio {d / b:.2f}x (goal ≤ 1.5x)")
            print(f"  inside the run's 3 legs          daily {di:.2f} s, bare {bi:.2f} s: ratio {di / bi:.2f}x")
            print(f"  (medians of {ROUNDS}; daily {', '.join(f'{x[0]:.2f}/{x[1]:.2f}' for x in daily)}; "
                  f"bare {', '.join(f'{x[0]:.2f}/{x[1]:.2f}' for x in bare)}; runner polls every 2 s)")
            r = scale(root / "mail", sampler, bare=False)
            rb = scale(root / "mail", sampler, bare=True)
            sampler.running = False
            print(f"== {SCALE} inspections suspended at once, then resumed to the end "
                  f"(runner limit {os.environ.get('SUPERVISION_RUNNER_PROCESS_LIMIT', '4')} processes) ==")
            print(f"  start → all waiting at the first form   daily {r['suspended_s']:.0f} s, "
                  f"bare {rb['suspended_s']:.0f} s: ratio {r['suspended_s'] / rb['suspended_s']:.2f}x "
                  f"({r['suspended_s'] / SCALE:.2f} s per inspection)")
            print(f"  resume both forms → all completed       daily {r['resumed_s']:.0f} s, "
                  f"bare {rb['resumed_s']:.0f} s: ratio {r['resumed_s'] / rb['resumed_s']:.2f}x "
                  f"({r['resumed_s'] / SCALE:.2f} s per inspection)")
            print(f"  Prefect server RSS: {r['rss_suspended_kb'] / 1024:.0f} MiB with {SCALE} inspections "
                  f"suspended; peak {sampler.peak_kb / 1024:.0f} MiB over the whole bench")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
