"""A province on Prefect's own scale-out (issue 20): `make run-pool` — the deployments registered
from prefect.yaml on a `supervision` process work pool, two workers, the app database on
PostgreSQL — carries a daily inspection to its end through the portal and the decision, and a
worker killed with its run mid-leg (a host lost) is noticed through the run's heartbeats: the
run is continued by the other worker, nothing lost or done twice. Before the kill, `supervise runs
check` run where a worker runs (no process of the service's own to find) calls the live leg alive
by its heartbeats alone, past the window its state's age would allow."""

import json
import os
import signal
import time
from pathlib import Path

import pytest

from adapters import processes
from tests.flows import harness as h
from tests.flows.service_process import service_process
from tests.flows.test_service_stops import (
    DAY,
    _add_agencies,
    _assert_nothing_twice,
    _drive_to_end,
    _file_record,
    _held_at_record,
    _history,
    _start,
    _supervise,
)
from tests.flows.world import make_world
from tests.postgres_server import PostgresServer, find_bin_dir

pytestmark = [pytest.mark.flow, pytest.mark.postgres,
              pytest.mark.skipif(find_bin_dir() is None, reason="PostgreSQL server binaries not installed")]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _deployed_schemas_equal_the_served_ones() -> None:
    from adapters.prefect_client import sync_client
    from deployments.serve import deployments

    with sync_client() as client:
        for d in deployments():
            deployed = client.read_deployment_by_name(f"{d.flow_name}/{d.name}")
            assert deployed.work_pool_name == "supervision", d.name
            served = json.loads(json.dumps(d._parameter_openapi_schema.model_dump_for_openapi()))
            if not served["definitions"]:
                del served["definitions"]  # the server keeps no empty one
            assert deployed.parameter_openapi_schema == served, d.name


def _the_daily_schedules_are_paused_in_a_test_service() -> None:
    """SUPERVISION_SCHEDULES_PAUSED (set by the test services) reaches the schedules prefect.yaml
    declares too: a real 08:00 sweep must not change a test's fixed-date world."""
    from adapters.prefect_client import sync_client

    with sync_client() as client:
        schedules = {d.name: [s.active for s in d.schedules] for d in client.read_deployments() if d.schedules}
    assert schedules == {"deadline-sweep": [False], "desk-morning": [False], "backup": [False]}


def _running_for(run_id, seconds: float) -> None:
    """Wait until the run's Running state is `seconds` old."""
    from prefect.client.schemas.objects import StateType

    state = h.read(run_id).state
    assert state.type == StateType.RUNNING, state
    while (age := time.time() - state.timestamp.timestamp()) < seconds:
        time.sleep(min(2.0, seconds - age))


def test_a_daily_inspection_on_a_two_worker_pool_survives_a_worker_killed_mid_leg(tmp_path):
    from prefect.client.schemas.objects import StateType

    hold, held = _held_at_record(tmp_path)
    pg = PostgresServer()
    pg.root.chmod(0o755)
    pg.start()
    try:
        with service_process("run-pool", SUPERVISION_DATABASE_URL=pg.create_database("supervision"),
                             SUPERVISION_RUN_HEARTBEAT_MISSES="1.5", PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30",
                             **hold) as svc:  # 45 s without a beat: lost (this process's `supervise` too)
            svc.start()
            assert "2 workers on pool supervision" in svc.log()
            _deployed_schemas_equal_the_served_ones()
            _the_daily_schedules_are_paused_in_a_test_service()
            _add_agencies()
            w = make_world("POOL", DAY)
            run_id = _start(w)
            h.wait_for_form(run_id, "record-1")
            _file_record(w)  # through the portal link in the dispatch mail
            deadline = time.monotonic() + 120
            while not held.exists():
                assert time.monotonic() < deadline, f"the resumed leg never reached the hold: {svc.log()[-3000:]}"
                time.sleep(0.1)
            leg = int(held.read_text())
            # The old check trusted only processes carrying the service's mark and called a worker's
            # run older than 20 s dead; past the 45-s window only its heartbeats say it is alive.
            _running_for(run_id, 50)
            assert [f for f in _supervise("runs", "check", "--json") if f["run_id"] == str(run_id)] == []
            worker = _parent(leg)
            workers = [p for p in processes.descendants(svc.proc.pid) if b"worker" in Path(f"/proc/{p}/cmdline")
                       .read_bytes() and b"--pool" in Path(f"/proc/{p}/cmdline").read_bytes()]
            assert worker in workers and len(workers) == 2, (worker, workers)
            processes.signal_all([worker, leg], signal.SIGKILL)  # the host is lost: its worker and the run leg
            assert processes.wait_gone([worker, leg], 10) == []
            _drive_to_end({"record-resumed": (run_id, w)}, timeout=240)
            assert "a worker exited" in svc.log() and "continued 日常督导" in svc.log(), svc.log()[-3000:]
            states = [st.type for st in _history(run_id)]
            assert StateType.CRASHED in states and StateType.CANCELLED not in states, states
            _assert_nothing_twice({"record-resumed": (run_id, w)}, svc.root / "mail")
            (other,) = [p for p in workers if p != worker]
            assert os.path.exists(f"/proc/{other}"), "the other worker stopped"
    finally:
        pg.stop()
