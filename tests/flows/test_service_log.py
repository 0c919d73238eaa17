"""The service log (`make run`) as an operator reads it: a run the service continues is named by
its case (日常督导 批次 …, 专项督导-N, 处理程序 第N号), not by Prefect's name for it (a run that
never started keeps a random one such as "smart-fox"); one Ctrl-C gives one line saying the
service stops, and nothing else is printed per signal (no traceback, no KeyboardInterrupt).
The real service, started as `make run` in a session of its own, like a terminal's job."""

import os
import re
import signal
import time
from datetime import date

import pytest
from prefect.client.schemas.objects import StateType
from prefect.states import Crashed

from adapters.prefect_client import sync_client
from deployments.serve import DAILY_INSPECTION
from tests.flows import harness as h
from tests.flows.service_process import service_process
from tests.flows.world import make_world

pytestmark = pytest.mark.flow
DAY = date(2026, 11, 23)


def _wait_in_log(svc, pattern: str, timeout: float = 60) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, svc.log())
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not in the service log: {pattern}\n{svc.log()[-3000:]}")


def test_a_continued_run_is_logged_by_its_case_and_one_ctrl_c_prints_one_stop_line():
    from adapters.db import session_scope
    from cli.demo_data import add_agencies

    with service_process() as svc:
        svc.start()
        with session_scope() as s:
            add_agencies(s)
        w = make_world("LOGNAME", DAY)
        run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY),
                                            "supervisor_cards": [w["cards"][0]]})
        h.wait_for_form(run_id, "record-1")
        with sync_client() as client:  # what a run process killed mid-leg leaves behind
            client.set_flow_run_state(run_id, Crashed(message="Process exited with status code: -9"), force=True)
        line = _wait_in_log(svc, r"\[runs\] continued (.*)\n").group(0)
        assert f"continued 日常督导 批次 {w['batch']} (run {str(run_id)[:8]})" in line, line
        h.wait_for(run_id, {StateType.PAUSED})  # continued: waiting for the record again

        # A terminal's Ctrl-C is SIGINT to the whole foreground group (make and the service); an
        # impatient operator presses it twice, the second time while the service stops.
        os.killpg(svc.proc.pid, signal.SIGINT)
        _wait_in_log(svc, r"SIGINT received, stopping")
        os.killpg(svc.proc.pid, signal.SIGINT)
        svc.proc.wait(timeout=30)
        log = svc.log()
        assert log.count("received, stopping") == 1, log[-3000:]
        assert log.count("[stop] stopped in") == 1 and "Traceback" not in log and "KeyboardInterrupt" not in log, \
            log[-3000:]
