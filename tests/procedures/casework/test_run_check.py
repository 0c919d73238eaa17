"""`supervise runs check` (procedures/run_health): one check for the cases of every procedure —
daily inspection, special inspection, sanction — against the runs the Prefect server reports.
A real database with each kind of case; the runs are given as the server lists them (the
Prefect side, crash and repair, runs for real in tests/flows/test_service_stops.py)."""

from datetime import date

import pytest

from adapters.db import session_scope, upgrade
from adapters.orchestrator import RunInfo
from cli.demo_data import add_agencies, add_institution
from models import InspectionCase, SanctionCase, SpecialInspection
from procedures.casework import run_health
from procedures.casework.run_health import CONTINUE, REPORT
from tests.app_env import app_env

DAY = date(2026, 3, 2)


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'supervision.db'}"
    with app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade(url)
        with session_scope() as s:
            add_agencies(s)
            inst = add_institution(s, "核查机构", "S-RUNS")
            s.add(InspectionCase(flow_run_id="daily-1", batch_number="PC-1", institution_id=inst.id,
                                 agency_id="CITY-A", opened_on=DAY, status="awaiting_record"))
            special = InspectionCase(flow_run_id="special-1", batch_number="ZX-1", institution_id=inst.id,
                                     agency_id="CITY-A", opened_on=DAY, status="special_open")
            s.add(special)
            s.flush()
            s.add(SpecialInspection(case_id=special.id, origin="initiative", planned_start=DAY, planned_end=DAY,
                                    team_size=3, stage="report"))
            for key, run, status in (("k1", "sanction-1", "rectifying"), ("k2", "sanction-2", "closed"),
                                     ("k3", "sanction-3", "awaiting_decision"), ("k4", None, "pending"),
                                     ("k5", "sanction-5", "improving")):
                s.add(SanctionCase(key=key, institution_id=inst.id, agency_id="CITY-A", finding_case="22.2",
                                   facts="f", source="registered", opened_on=DAY, flow_run_id=run, status=status))
        yield url


def run(run_id: str, state: str, message: str = "") -> RunInfo:
    return RunInfo(run_id, run_id, "deployment", state, state.title(), message, 600.0, 3)


def test_runs_check_finds_daily_special_and_sanction_runs_out_of_step_with_their_cases(db):
    runs = [run("daily-1", "PAUSED"),  # in step
            run("special-1", "COMPLETED"),  # ended, while the case waits for the rectification report
            run("sanction-2", "PAUSED"),  # the case closed, the run still waits
            run("sanction-3", "CRASHED", "process died"),  # lost: continued
            run("sanction-5", "PAUSED")]  # in step; sanction-1 is missing from the server
    found = {f.run_id: f for f in run_health.check(runs=runs, alive=set())}
    assert set(found) == {"special-1", "sanction-1", "sanction-2", "sanction-3"}  # the pending case has no run yet
    special = found["special-1"]
    assert (special.case_kind, special.action) == ("专项督导", REPORT) and "待整改工作报告" in special.problem
    missing = found["sanction-1"]
    assert (missing.case_kind, missing.state, missing.action) == ("处理程序", "MISSING", REPORT)
    assert "暂停评价活动、整改中" in missing.problem
    assert (found["sanction-2"].action, found["sanction-2"].case_status) == (REPORT, "closed")
    assert "结案" in found["sanction-2"].problem
    assert (found["sanction-3"].case_kind, found["sanction-3"].action) == ("处理程序", CONTINUE)


def test_a_crashed_run_of_a_closed_sanction_case_is_reported_not_continued(db):
    (f,) = run_health.check(runs=[run("sanction-2", "CRASHED", "process died"), run("sanction-1", "PAUSED"),
                                  run("sanction-3", "PAUSED"), run("sanction-5", "PAUSED"), run("daily-1", "PAUSED"),
                                  run("special-1", "PAUSED")], alive=set())
    assert (f.run_id, f.case_kind, f.action) == ("sanction-2", "处理程序", REPORT)


def test_the_service_watch_sees_only_stranded_runs_and_no_missing_ones(db):
    found = run_health.check(stranded_only=True, runs=[run("sanction-3", "RUNNING")], alive=set())
    assert [(f.run_id, f.action) for f in found] == [("sanction-3", CONTINUE)]


def test_the_watch_reads_only_the_cases_of_the_runs_it_lists(db):
    """The service's watch (every few seconds) reads the cases of the few runs it lists, not every
    case the agency ever opened; `supervise runs check` still reads them all (to find a case whose
    run is missing)."""
    assert set(run_health.case_files()) == {"daily-1", "special-1", "sanction-1", "sanction-2", "sanction-3",
                                            "sanction-5"}
    some = run_health.case_files(["daily-1", "special-1", "sanction-3", "no-such-run"])
    assert {run_id: f.kind for run_id, f in some.items()} == {"daily-1": "日常督导", "special-1": "专项督导",
                                                              "sanction-3": "处理程序"}
    assert run_health.case_files([]) == {}


def test_the_service_watch_asks_for_the_cases_of_its_listed_runs_only(db, monkeypatch):
    asked = []
    real = run_health.case_files
    monkeypatch.setattr(run_health, "case_files", lambda run_ids=None: asked.append(run_ids) or real(run_ids))
    (f,) = run_health.check(stranded_only=True, runs=[run("sanction-3", "RUNNING")], alive=set())
    assert asked == [["sanction-3"]] and f.case_label == "处理程序 第3号"

