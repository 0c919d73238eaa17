"""Which runs are stranded and continued, and which are only reported (procedures/run_health)."""

from adapters.orchestrator import RunInfo
from procedures.casework.run_health import CONTINUE, GRACE_SECONDS, MAX_RUN_COUNT, REPORT, judge


def run(state="RUNNING", age=60.0, message="", run_count=2):
    return RunInfo("r1", "日常督导", "daily-inspection", state, state.title(), message, age, run_count)


def test_running_run_without_a_live_process_is_continued():
    assert judge(run("RUNNING"), alive=False, case_status="awaiting_record")[1] == CONTINUE


def test_pending_run_without_a_live_process_is_continued():
    assert judge(run("PENDING"), alive=False, case_status=None)[1] == CONTINUE


def test_running_run_with_a_live_process_is_left_alone():
    assert judge(run("RUNNING"), alive=True, case_status="awaiting_record") is None


def test_run_younger_than_the_grace_period_is_left_alone_its_process_may_be_starting():
    assert judge(run("PENDING", age=GRACE_SECONDS - 0.1), alive=False, case_status=None) is None
    assert judge(run("PENDING", age=GRACE_SECONDS), alive=False, case_status=None)[1] == CONTINUE


def test_at_start_no_grace_every_running_run_is_stranded():
    assert judge(run("RUNNING", age=0.5), alive=False, case_status=None, grace=0)[1] == CONTINUE


def test_crashed_run_of_an_open_case_is_continued():
    assert judge(run("CRASHED"), alive=False, case_status="awaiting_decision")[1] == CONTINUE


def test_crashed_run_of_a_closed_case_is_reported_not_continued():
    assert judge(run("CRASHED"), alive=False, case_status="closed")[1] == REPORT


def test_run_cancelled_by_a_runner_shutting_down_is_continued():
    verdict = judge(run("CANCELLED", message="Runner is shutting down."), alive=False, case_status="awaiting_record")
    assert verdict[1] == CONTINUE


def test_run_cancelled_by_staff_with_the_case_open_is_reported():
    problem, action = judge(run("CANCELLED", message="取消"), alive=False, case_status="awaiting_record")
    assert action == REPORT and "案件状态" in problem


def test_run_that_keeps_dying_is_reported_after_the_cap():
    assert judge(run("CRASHED", run_count=MAX_RUN_COUNT - 1), False, "awaiting_record")[1] == CONTINUE
    assert judge(run("CRASHED", run_count=MAX_RUN_COUNT), False, "awaiting_record")[1] == REPORT


def test_closed_case_with_a_run_still_waiting_is_reported():
    problem, action = judge(run("PAUSED"), alive=False, case_status="closed")
    assert action == REPORT and "结案" in problem


def test_paused_run_of_an_open_case_is_in_step():
    assert judge(run("PAUSED"), alive=False, case_status="awaiting_record") is None


def test_completed_run_of_a_closed_case_is_in_step():
    assert judge(run("COMPLETED"), alive=False, case_status="closed") is None


def test_a_worker_run_whose_heartbeat_is_recent_is_alive_without_any_process_seen_here():
    from procedures.casework.run_health import alive_by_heartbeat

    pooled = RunInfo("r1", "日常督导", "daily-inspection", "RUNNING", "Running", "", 600.0, 1, "supervision")
    assert alive_by_heartbeat(pooled, heartbeat_age=40.0, window=90.0)
    assert judge(pooled, alive=alive_by_heartbeat(pooled, 40.0, 90.0), case_status="awaiting_record") is None


def test_a_worker_run_whose_heartbeats_stopped_is_continued():
    from procedures.casework.run_health import alive_by_heartbeat

    pooled = RunInfo("r1", "日常督导", "daily-inspection", "RUNNING", "Running", "", 600.0, 1, "supervision")
    assert not alive_by_heartbeat(pooled, heartbeat_age=95.0, window=90.0)
    assert not alive_by_heartbeat(pooled, heartbeat_age=None, window=90.0)
    assert judge(pooled, alive=False, case_status="awaiting_record")[1] == CONTINUE


def test_a_worker_run_that_just_started_has_not_beaten_yet_and_is_alive():
    from procedures.casework.run_health import alive_by_heartbeat

    young = RunInfo("r1", "日常督导", "daily-inspection", "PENDING", "Pending", "", 30.0, 1, "supervision")
    assert alive_by_heartbeat(young, heartbeat_age=None, window=90.0)


def test_the_heartbeat_window_is_three_of_prefects_heartbeat_intervals():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from procedures.casework.run_health import heartbeat_window

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 30}):
        assert heartbeat_window() == 90.0
