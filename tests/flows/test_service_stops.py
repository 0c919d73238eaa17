"""Stops and crashes lose nothing (issue 7): the real service, started as `make run`, stopped
or killed with cases at every step, restarted; every case completes, nothing twice.

Cases are put at each step before the stop: just started, waiting for the record, record
just resumed, waiting for the decision, decision just resumed (the letter being issued).
"""

import os
import signal
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from prefect.client.schemas.objects import StateType
from sqlmodel import func, select

from adapters import processes
from adapters.db import session_scope
from models import InspectionRecord, OutboxMessage
from tests.flows import harness as h
from tests.flows.service_process import service_process
from tests.flows.world import answers, case_for, decided_by, make_world

pytestmark = pytest.mark.flow
DAY = date(2026, 11, 23)
STEPS = ("started", "awaiting-record", "record-resumed", "awaiting-decision", "decision-resumed")
# The README's "everything is down within 10 s" is measured and reported (the stop_seconds
# properties, printed at the end of the session), not asserted: a loaded CI machine stretches
# it. This bound only catches a stop that hangs — one that waits for something that never ends.
STOP_BOUND = 30


def _add_agencies() -> None:
    from cli.demo_data import add_agencies

    with session_scope() as s:
        add_agencies(s)


def _code(world: dict) -> str:
    address = world["emails"][0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notices = [m for m in h.messages(world["mail_dir"]) if address in m["To"]]
        if notices:
            return h.assignment_code(notices[0])
        time.sleep(0.2)
    raise AssertionError(f"no dispatch notice for {address}")


def _record(world: dict) -> dict:
    return answers("theory", _code(world), DAY.isoformat(), negatives=(1, 2, 3, 4, 5))


def _file_record(world: dict) -> None:
    """The supervisor files the record through the portal link in the dispatch mail (the
    service's own portal); the portal resumes the run, now or once the service is back."""
    import re

    from tests.portal_client import browser, post_fields

    address = world["emails"][0]
    notice = next(m for m in h.messages(world["mail_dir"]) if address in m["To"])
    url = re.search(r"https?://\S+/l/[A-Za-z0-9_-]{43}", notice.get_body(("plain",)).get_content()).group(0)
    deadline = time.monotonic() + 60
    while True:  # the portal may still be starting (it comes up after the runner)
        try:
            page = post_fields(browser(), url, _record(world))
            break
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert page.status_code == 200 and "已收到" in page.text, page.text[-1500:]


def decision() -> dict:
    return {"decision": "提醒函", "opinion": "请于一个月内完善考场设施。", **decided_by()}



def _start(world: dict):
    from deployments.serve import DAILY_INSPECTION

    return h.start(DAILY_INSPECTION, {"batch_number": world["batch"], "as_of": DAY.isoformat(),
                                      "supervisor_cards": [world["cards"][0]]})


def _put_cases_at_every_step(tag: str) -> dict:
    """Five inspections, one at each step, the last three caught in flight."""
    worlds = {step: make_world(f"{tag}{n}", DAY) for n, step in enumerate(STEPS)}
    runs = {}
    for step in STEPS[1:]:
        runs[step] = _start(worlds[step])
    for step in STEPS[1:]:
        h.wait_for_form(runs[step], "record-1")
    for step in ("awaiting-decision", "decision-resumed"):
        _file_record(worlds[step])
    for step in ("awaiting-decision", "decision-resumed"):
        h.wait_for_form(runs[step], "decision-1")
    runs["started"] = _start(worlds["started"])
    _file_record(worlds["record-resumed"])
    h.resume(runs["decision-resumed"], "decision-1", decision())
    return {step: (runs[step], worlds[step]) for step in STEPS}


def _drive_to_end(cases: dict, timeout: float = 300) -> None:
    """Answer whatever each run asks, once per pause key; a run that asks again for a key it
    was already answered at has lost that answer — a failure."""
    answered = {"record-resumed": {"record-1"}, "decision-resumed": {"decision-1"},
                "awaiting-decision": {"record-1"}}
    filed = {"record-resumed", "decision-resumed", "awaiting-decision"}  # the portal resumes these
    deadline = time.monotonic() + timeout
    pending = dict(cases)
    while pending and time.monotonic() < deadline:
        for step, (run_id, world) in list(pending.items()):
            state = h.read(run_id).state
            if state.type == StateType.COMPLETED:
                del pending[step]
            elif state.type == StateType.PAUSED and state.state_details.run_input_keyset:
                key = state.state_details.pause_key
                if key.startswith("record"):
                    if step not in filed:  # once; the portal resumes the run (retrying while it starts)
                        _file_record(world)
                        filed.add(step)
                    continue
                assert key not in answered.setdefault(step, set()), f"{step}: answer at {key} was lost"
                h.resume(run_id, key, decision())
                answered[step].add(key)
            elif state.type in (StateType.FAILED,):
                history = [(st.type.value, st.name, st.state_details.pause_key, str(st.timestamp)[11:23])
                           for st in sorted(_history(run_id), key=lambda st: st.timestamp)]
                raise AssertionError(f"{step}: run failed: {state.message}\n{history}")
        time.sleep(0.3)
    assert not pending, {s: _where(r, s in filed) for s, (r, _) in pending.items()}


def _where(run_id, filed: bool) -> dict:
    """Where a run that did not finish stands, to tell the causes apart: its state, pause key,
    whether its form was stored, whether the record was filed through the portal, its history."""
    state = h.read(run_id).state
    return {"state": state.type.value, "pause_key": state.state_details.pause_key,
            "form_stored": bool(state.state_details.run_input_keyset), "record_filed": filed,
            "history": [(st.type.value, st.name, st.state_details.pause_key, str(st.timestamp)[11:23])
                        for st in sorted(_history(run_id), key=lambda st: st.timestamp)]}


def _gone(path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not path.exists()


def _assert_nothing_twice(cases: dict, mail_dir) -> None:
    with session_scope() as s:
        for step, (_, world) in cases.items():
            case = case_for(world["batch"])
            assert case.status == "closed", (step, case.status)
            records = s.exec(select(func.count()).select_from(InspectionRecord)
                             .where(InspectionRecord.case_id == case.id)).one()
            assert records == 1, step
            outbox = s.exec(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
            assert len(outbox) == 3 and all(m.status == "sent" for m in outbox), (step, outbox)
    keys = [m["X-Idempotency-Key"] for m in h.messages(mail_dir)]
    assert len(keys) == len(set(keys)), "a mail was delivered twice"
    for step, (_, world) in cases.items():
        assert len([m for m in h.messages(mail_dir) if world["institution_email"] in m["To"]]) == 1, step


def _stop(svc, sig: int, record_property, name: str) -> float:
    """Stop the service with `sig`; the seconds it took, recorded as the test's `name` property."""
    took = svc.stop(sig)
    record_property(name, round(took, 1))
    return took


@pytest.mark.parametrize("stop", ["sigterm-group", "ctrl-c", "sigkill-group"])
def test_service_stopped_with_cases_in_flight_restarts_and_completes_every_case_once(stop, record_property):
    with service_process() as svc:
        svc.start()
        _add_agencies()
        cases = _put_cases_at_every_step(stop.replace("-", "")[:6].upper())
        sig = {"sigterm-group": signal.SIGTERM, "ctrl-c": signal.SIGINT, "sigkill-group": signal.SIGKILL}[stop]
        took = _stop(svc, sig, record_property, "stop_seconds")
        if sig != signal.SIGKILL:
            assert took < STOP_BOUND, f"stop took {took:.1f} s"
            assert svc.leftovers(wait=1) == [], "a process outlived the stop"
            assert svc.open_ports() == [], "a port is still open after the stop"
        else:  # the watchdog: no run leg and no PostgreSQL outlives a SIGKILL until the next start
            assert svc.leftovers(wait=15) == [], "a run process outlived the SIGKILL"
            assert _gone(svc.root / "var" / "prefect-pg" / "data" / "postmaster.pid", 15), "PostgreSQL outlived it"
        svc.start()
        _drive_to_end(cases)
        for run_id, _ in cases.values():
            states = [st.type for st in _history(run_id)]
            assert StateType.CANCELLED not in states, "a stop cancelled a case"
        _assert_nothing_twice(cases, svc.root / "mail")
        assert _stop(svc, signal.SIGTERM, record_property, "final_stop_seconds") < STOP_BOUND
        assert svc.leftovers(wait=1) == [] and svc.open_ports() == []


def _kill_leg_after_resume(svc, tag: str, held: Path):
    """Resume a record and SIGKILL the process of the leg it starts, mid-leg: the test hook
    (flows/asking.py LEG_HOLD, set by `_held_at_record`) holds that leg where it has read the
    answer and not yet acted on it, and writes its pid to `held`."""
    w = make_world(tag, DAY)
    run_id = _start(w)
    h.wait_for_form(run_id, "record-1")
    _file_record(w)
    deadline = time.monotonic() + 120
    while not held.exists():
        assert svc.proc.poll() is None, f"the service exited: {svc.log()[-3000:]}"
        assert time.monotonic() < deadline, "the resumed leg never reached the hold"
        time.sleep(0.05)
    pid = int(held.read_text())
    assert f"PREFECT__FLOW_RUN_ID={run_id}".encode() in processes._environ(pid).split(b"\0"), "not this run's leg"
    processes.signal_all([pid], signal.SIGKILL)
    assert processes.wait_gone([pid], 10) == []
    return run_id, w


def _held_at_record(tmp_path) -> tuple[dict, Path]:
    """The service environment that holds the first leg replaying past an answered record-1."""
    from flows.asking import LEG_HOLD

    held = tmp_path / "held-leg"
    return {LEG_HOLD: f"record-1 answered:{held}"}, held


def test_run_process_killed_alone_mid_leg_is_continued_by_the_service_and_completes(tmp_path):
    hold, held = _held_at_record(tmp_path)
    with service_process(**hold) as svc:
        svc.start()
        _add_agencies()
        run_id, w = _kill_leg_after_resume(svc, "KILLONE", held)
        _drive_to_end({"record-resumed": (run_id, w)})
        _assert_nothing_twice({"record-resumed": (run_id, w)}, svc.root / "mail")


def test_supervise_runs_check_lists_a_crashed_run_and_repair_continues_it_once(tmp_path):
    hold, held = _held_at_record(tmp_path)
    with service_process(SUPERVISION_RUN_WATCH_SECONDS="3600", **hold) as svc:  # the service's watch stays out
        svc.start()
        _add_agencies()
        run_id, w = _kill_leg_after_resume(svc, "REPAIR", held)
        h.wait_for(run_id, {StateType.CRASHED})
        check = _supervise("runs", "check", "--json")
        (found,) = [f for f in check if f["run_id"] == str(run_id)]
        assert (found["action"], found["done"], found["case_status"]) == ("continue", False, "awaiting_record")
        assert h.read(run_id).state.type == StateType.CRASHED  # check changes nothing
        repaired = [f for f in _supervise("runs", "repair", "--json") if f["run_id"] == str(run_id)]
        assert repaired[0]["done"] is True
        assert [f for f in _supervise("runs", "repair", "--json") if f["run_id"] == str(run_id)] == []
        _drive_to_end({"record-resumed": (run_id, w)})
        _assert_nothing_twice({"record-resumed": (run_id, w)}, svc.root / "mail")
        assert _supervise("runs", "check", "--json") == []


def _supervise(*args) -> list:
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([str(Path(sys.executable).parent / "supervise"), *args], capture_output=True,
                          text=True, env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_eight_concurrent_cases_on_the_embedded_default_log_no_lock_error():
    """Concurrency on the embedded SQLite Prefect server, driven to the end: no lock error, nothing
    twice. Eight keep every step contended on 2 cores; the load itself (20 at once, the slowest
    call) is measured by `make bench` (bench/service_bench.py), not timed here."""
    with service_process() as svc:
        svc.start()
        _add_agencies()
        worlds = [make_world(f"EIGHT{n}", DAY) for n in range(8)]
        runs = [_start(w) for w in worlds]
        cases = {f"c{n}": (r, w) for n, (r, w) in enumerate(zip(runs, worlds, strict=True))}
        _drive_to_end(cases, timeout=600)
        _assert_nothing_twice(cases, svc.root / "mail")
        svc.stop(signal.SIGTERM)
        assert "database is locked" not in svc.log()


def _history(run_id):
    from adapters.prefect_client import sync_client

    with sync_client() as client:
        return client.read_flow_run_states(run_id)
