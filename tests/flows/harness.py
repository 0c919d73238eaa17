"""Real components for flow tests: Prefect server, runner, SMTP catcher, app database."""

import email
import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

from prefect.client.schemas.objects import StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.deployments import run_deployment

from adapters.prefect_client import sync_client
from deployments.environment import prefect_env, runner_command, server_command
from deployments.run_all import wait_healthy


@dataclass
class Service:
    api_url: str
    home: Path
    app_env: dict
    server: subprocess.Popen | None = None
    runner: subprocess.Popen | None = None
    logs: list[Path] = field(default_factory=list)
    mail_dir: Path | None = None
    catcher: object | None = None  # adapters.smtp_catcher.SmtpCatcher
    server_args: tuple = ()
    portal: object | None = None  # tests.portal_client.Portal, when the tests run one beside

    def env(self) -> dict:
        return prefect_env(self.api_url, self.home, self.app_env)

    def start_server(self, port: int, database_url: str) -> None:
        self.server_args = (port, database_url)  # to start it again after a stop
        env = self.env() | {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url,
                            "PREFECT_SERVER_UI_ENABLED": "true"}  # the UI tests look at it
        log = self.home / "server.log"
        self.server = subprocess.Popen(server_command(sys.executable, "127.0.0.1", port), env=env,
                                       stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_healthy(self.api_url)

    def start_runner(self, module: str = "deployments.serve", extra: tuple[str, ...] = ()) -> None:
        log = self.home / f"runner-{len(self.logs)}.log"
        self.logs.append(log)
        self.runner = subprocess.Popen(runner_command(sys.executable, module), env=self.env(),
                                       cwd=Path(__file__).resolve().parents[2],
                                       stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        from deployments.serve import SERVED

        wait_deployments([*SERVED, *extra], self.runner, log)

    def kill_runner(self) -> None:
        """SIGKILL the runner and its children: nothing of it survives to finish cleanly."""
        if self.runner and self.runner.poll() is None:
            os.killpg(self.runner.pid, signal.SIGKILL)
            self.runner.wait()

    def stop(self) -> None:
        from adapters.processes import descendants, signal_all

        # The runner's flow-run processes too (sessions of their own: the group kill misses
        # them), so a stopped test or benchmark leaves nothing behind.
        legs = descendants(self.runner.pid) if self.runner and self.runner.poll() is None else []
        self.kill_runner()
        signal_all(legs, signal.SIGKILL)
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()


@contextmanager
def running_service(root: Path, postgres, runner_module: str = "deployments.serve", extra_deployments=(),
                    auth_string: str | None = None, restored_prefect_database: str | None = None):
    """The whole embedded service for tests and benchmarks: app database (SQLite, migrated,
    agencies loaded), SMTP catcher, Prefect server on PostgreSQL, runner; torn down after.
    With `auth_string`, the server runs with Prefect's basic authentication and every client
    of the service (and this process) sends it. With `restored_prefect_database` (Prefect's
    database a restore filled), the service starts on the var/ and Prefect home already under
    `root`, as `make run` starts on a restored var/: nothing created, and the runs no process
    owns any more continued before the runner starts."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from adapters.db import session_scope, upgrade
    from adapters.smtp_catcher import SmtpCatcher
    from cli.demo_data import add_agencies
    from tests.app_env import app_env as app_settings
    from tests.postgres_server import free_port

    smtp_port, port = free_port(), free_port()
    app_env = {"SUPERVISION_VAR_DIR": str(root / "var"), "SUPERVISION_SMTP_PORT": str(smtp_port),
               "SUPERVISION_DATABASE_URL": f"sqlite:///{root / 'var' / 'supervision.db'}",
               "SUPERVISION_MAIL_DIR": str(root / "mail"),
               "SUPERVISION_SCHEDULES_PAUSED": "true"}  # a test run across 08:00 Beijing time must not sweep its world
    if auth_string:
        app_env["PREFECT_SERVER_API_AUTH_STRING"] = auth_string
    with app_settings(app_env):
        svc = Service(f"http://127.0.0.1:{port}/api", root / "prefect", app_env)
        svc.home.mkdir(parents=True, exist_ok=restored_prefect_database is not None)
        svc.mail_dir = root / "mail"
        try:
            if restored_prefect_database is None:
                upgrade()
                with session_scope() as s:
                    add_agencies(s)
            svc.catcher = SmtpCatcher(svc.mail_dir, port=smtp_port, echo=False).start()
            # A name of its own: a second service on the session's PostgreSQL (the portal tests) must not collide.
            database = restored_prefect_database or postgres.create_database(f"prefect_{uuid4().hex[:8]}")
            svc.start_server(port, database.replace("+psycopg", "+asyncpg"))
            updates = {PREFECT_API_URL: svc.api_url} | ({PREFECT_API_AUTH_STRING: auth_string} if auth_string else {})
            with temporary_settings(updates=updates):
                if restored_prefect_database is not None:
                    from procedures.casework import run_health

                    run_health.repair(run_health.check(stranded_only=True, grace=0))
                svc.start_runner(runner_module, tuple(extra_deployments))
                yield svc
        finally:
            svc.stop()
            if svc.catcher:
                svc.catcher.stop()


def wait_deployments(names: list[str], runner: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with sync_client() as client:
        for name in names:
            while True:
                if runner.poll() is not None:
                    raise AssertionError(f"runner exited: {log.read_text()[-3000:]}")
                try:
                    client.read_deployment_by_name(name)
                    break
                except ObjectNotFound:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)


def start(deployment: str, parameters: dict) -> UUID:
    run = run_deployment(deployment, parameters=parameters, timeout=0)
    return run.id


def read(run_id: UUID):
    with sync_client() as client:
        return client.read_flow_run(run_id)


def wait_for(run_id: UUID, states: set[StateType], timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = read(run_id)
        if run.state and run.state.type in states:
            return run
        if run.state and run.state.type in {StateType.FAILED, StateType.CRASHED} - states:
            raise AssertionError(f"run {run_id} ended {run.state.type}: {run.state.message}")
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} not in {states} after {timeout} s: {read(run_id).state}")


def wait_for_form(run_id: UUID, key: str, timeout: float = 180) -> dict:
    """Wait until the run is suspended at `key` and its form schema is stored (ARCHITECTURE: the
    run is Suspended ~100 ms before the schema exists); returns the schema."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = wait_for(run_id, {StateType.PAUSED}, timeout=max(1, deadline - time.monotonic()))
        keyset = run.state.state_details.run_input_keyset or {}
        if run.state.state_details.pause_key == key and keyset:
            with sync_client() as client:
                try:
                    return json.loads(client.read_flow_run_input(run_id, keyset["schema"]))
                except Exception:  # not stored yet: the ~100 ms window ARCHITECTURE describes
                    pass
        time.sleep(0.2)
    with sync_client() as client:
        state = client.read_flow_run(run_id).state
    raise AssertionError(f"run {run_id} never showed form {key!r}: it is {state.type.value if state else None} "
                         f"{state.name if state else ''} at {state.state_details.pause_key if state else None!r}")


def description(run_id: UUID) -> str:
    run = read(run_id)
    with sync_client() as client:
        return json.loads(client.read_flow_run_input(run_id, run.state.state_details.run_input_keyset["description"]))


def artifact(run_id, key: str) -> str:
    """The latest markdown of the run's artifact with this key."""
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    with sync_client() as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])),
            sort=ArtifactSort.CREATED_DESC)
    return found[0].data


def resume(run_id: UUID, key: str, answers: dict, tries: int = 20) -> None:
    """Resume at `key`, waiting for the form and retrying a refused resume (server under load)."""
    for attempt in range(tries):
        wait_for_form(run_id, key)
        # prefect.flow_runs.resume_flow_run, on the shared TLS context (adapters/prefect_client.py)
        with sync_client() as client:
            response = client.resume_flow_run(run_id, run_input=answers)
        if response.status != SetStateStatus.REJECT:
            return
        if attempt + 1 == tries:
            raise RuntimeError(f"Cannot resume this run: {response.details.reason}")
        time.sleep(0.5)


def stored_inputs(run_id: UUID) -> dict[str, str]:
    """Every input Prefect keeps for the run (its flow_run_input table, as the API returns it)."""
    with sync_client() as client:
        return {i.key: i.value for i in client.filter_flow_run_input(run_id, "", limit=1000, exclude_keys=set())}


def crash_and_continue(run_id: UUID) -> None:
    """What a flow process killed after a step leaves behind: the runner reports the run Crashed,
    and the service continues it (run_health), replaying the flow from the top."""
    from prefect.states import Crashed

    from adapters.orchestrator import continue_run

    with sync_client() as client:
        assert client.set_flow_run_state(run_id, Crashed(message="Process exited with status code: -9"),
                                         force=True).state.is_crashed()
    continue_run(str(run_id), "continued after a crash")


def messages(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))]


def dispatch_notice(service: Service, batch: str, timeout: float = 60) -> tuple[str, str]:
    """The supervisor who got the dispatch notice of session `batch`, and the code in it. The draw
    is over the city's whole pool: on the shared service other tests' supervisors are in it too,
    so the notice is found by its session, never by one world's addresses."""
    deadline = time.monotonic() + timeout  # the outbox delivers just after the run's transaction
    while time.monotonic() < deadline:
        for m in messages(service.mail_dir):
            if m["Subject"].startswith(f"【督导派遣通知】{batch} "):
                return m["To"].addresses[0].addr_spec, assignment_code(m)
        time.sleep(0.2)
    raise AssertionError(f"no dispatch notice of {batch} reached any supervisor")


def assignment_code(msg) -> str:
    return re.search(r"任务编码[^：]*：([A-Z0-9]{4}-[A-Z0-9]{4})", msg.get_body(("plain",)).get_content()).group(1)


def logs(run_id: UUID, until: str = "", timeout: float = 20) -> list[str]:
    """The run's log lines, oldest first (what staff read on the run's Logs tab); waits until a
    line starts with `until` (logs reach the server in batches, after the state)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = _logs(run_id)
        if any(line.startswith(until) for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.5)


def wait_leg_exited(service: Service, run_id: UUID, timeout: float = 60) -> None:
    """Wait until no process of the run is left under the service's runner. A leg that has
    exited has sent its log lines (Prefect drains its log queue at exit): what the run logged is
    all on the server, an ERROR line too."""
    from adapters.processes import _environ, descendants

    needle = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    deadline = time.monotonic() + timeout
    while [p for p in descendants(service.runner.pid) if needle in _environ(p).split(b"\0")]:
        assert time.monotonic() < deadline, f"run {run_id}: its process never exited"
        time.sleep(0.1)


def error_levels(run_id: UUID) -> list[str]:
    """The run's log lines at ERROR or above (their first 80 characters)."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    with sync_client() as client:
        return [e.message[:80] for e in client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[run_id]), level=LogFilterLevel(ge_=40)))]


def _logs(run_id: UUID) -> list[str]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    with sync_client() as client:
        return [entry.message for entry in client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), sort=LogSort.TIMESTAMP_ASC)]
