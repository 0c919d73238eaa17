"""Stops, restarts and load on the service as `make run` starts it (issue 7's figures).

- time to stop with nothing in flight, and with run legs in flight;
- time from a restart to the first resume accepted;
- time for a run whose process was killed to be continued (Crashed → Running again);
- 20 cases at once: the slowest start or resume API call, and lock errors in the log.
"""

import os
import signal
import statistics
import time

from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run

from bench.signals import stop_on_sigterm
from tests.flows import harness as h
from tests.flows import test_service_stops as t
from tests.flows.service_process import service_process
from tests.flows.world import make_world


def _timed(calls: list, fn, *args):
    began = time.monotonic()
    out = fn(*args)
    calls.append(time.monotonic() - began)
    return out


def main() -> None:
    print("\n== service: stop, restart, continue, 20 at once (make run, Prefect on PostgreSQL) ==")
    stop_on_sigterm()
    with service_process() as svc:
        svc.start()
        t._add_agencies()
        idle = svc.stop(signal.SIGTERM)
        print(f"stop, nothing in flight:          {idle:5.2f} s")
        svc.start()
        w = make_world("BSTOP", t.DAY)
        run_id = t._start(w)
        h.wait_for_form(run_id, "record-1")
        t._file_record(w)
        busy = svc.stop(signal.SIGTERM)  # the resumed leg is in flight
        print(f"stop, a run leg in flight:        {busy:5.2f} s")
        began = time.monotonic()
        svc.start()
        h.wait_for_form(run_id, "decision-1")
        h.resume(run_id, "decision-1", t.decision())
        print(f"restart → first resume accepted:  {time.monotonic() - began:5.2f} s")
        h.wait_for(run_id, {StateType.COMPLETED})
        orphan, w2 = t._kill_leg_after_resume(svc, "BORPHAN")
        h.wait_for(orphan, {StateType.CRASHED})
        began = time.monotonic()
        while h.read(orphan).state.type == StateType.CRASHED:
            time.sleep(0.05)
        print(f"killed run leg → continued:       {time.monotonic() - began:5.2f} s "
              f"(watch every {os.environ['SUPERVISION_RUN_WATCH_SECONDS']} s here; 15 s by default)")
        calls: list[float] = []
        worlds = [make_world(f"B20X{n}", t.DAY) for n in range(20)]
        runs = [_timed(calls, t._start, wd) for wd in worlds]
        for r, wd in zip(runs, worlds, strict=True):
            h.wait_for_form(r, "record-1")  # not timed: the run reaching its form is not an API call
            _timed(calls, t._file_record, wd)  # through the service's portal
        for r in runs:
            h.wait_for_form(r, "decision-1")
            _timed(calls, resume_flow_run, r, t.decision())
        for r in runs:
            h.wait_for(r, {StateType.COMPLETED}, timeout=600)
        svc.stop(signal.SIGTERM)
        locked = svc.log().count("database is locked")
        print(f"20 cases at once: start/resume calls p50 {statistics.median(calls):.2f} s, "
              f"max {max(calls):.2f} s over {len(calls)} calls; lock errors in the log: {locked}")


if __name__ == "__main__":
    main()
