"""双随机 (issue 19's goal): 300 inspections a plan chose over a quarter are started by the daily
sweep — none lost, none started twice — across a service stop in the middle, against a real
Prefect server on PostgreSQL (its idempotency keys are what makes a repeated start give the same
run). The sweep process is killed right after Prefect created a run and before the plan recorded
it; the Prefect server is then stopped and started again on its database, and the sweeps go on.

No runner serves the deployment: starting is creating the run (what a lost or doubled start
would show); executing 300 daily inspections is the flow tests' and benchmarks' business."""

from datetime import date, timedelta
from uuid import uuid4

from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlmodel import select

from adapters import orchestrator
from adapters.db import session_scope, upgrade
from adapters.prefect_client import sync_client
from cli.demo_data import add_agencies, add_institution, add_session
from models import PlanSession
from procedures.casework import staff
from procedures.sampling.plan import approve, create_plan
from procedures.sampling.starts import PrefectStarter
from procedures.sampling.sweep import sweep_sampling
from tests.app_env import app_env
from tests.flows.harness import Service
from tests.postgres_server import free_port


def _daily_runs() -> list:
    with sync_client() as client:
        return orchestrator.all_flow_runs(client, deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=["daily-inspection"])))


def test_three_hundred_automatic_starts_across_a_service_stop_lose_none_and_start_none_twice(postgres_server, tmp_path):
    port = free_port()
    app = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"), "SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "SUPERVISION_SMTP_PORT": str(free_port()),  # nobody listens: the sweep's mails stay in the outbox
           "SUPERVISION_SAMPLING_LEAD_WORKING_DAYS": "3"}
    with app_env(app):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            insts = [add_institution(s, f"济南抽查机构{i}", f"T-A-R{i:03d}") for i in range(30)]
            for n in range(320):
                add_session(s, f"QR-{n:03d}", insts[n % 30], date(2026, 4, 1) + timedelta(days=n % 90))
            code = staff.add(s, "CITY-A", "王科长", "经办")[1]
        svc = Service(f"http://127.0.0.1:{port}/api", tmp_path / "prefect", app)
        svc.home.mkdir(parents=True)
        try:
            svc.start_server(port, postgres_server.create_database(f"prefect_r{uuid4().hex[:6]}")
                             .replace("+psycopg", "+asyncpg"))
            with temporary_settings(updates={PREFECT_API_URL: svc.api_url}):
                from deployments.serve import deployments

                next(d for d in deployments() if d.name == "daily-inspection").apply()
                view = create_plan(f"run-{uuid4()}", agency_id="CITY-A", period_start="2026-04-01",
                                   period_end="2026-06-30", rate_percent=0, count=300, minimum_per_year=0, weights={},
                                   as_of=date(2026, 3, 20))
                assert approve(view.plan_id, "approve-1", {"staff_code": code, "strikes": ""}).accepted
                real, calls = PrefectStarter(), [0]

                def killed_once(key: str, parameters: dict) -> str:
                    run = real(key, parameters)
                    calls[0] += 1
                    if calls[0] == 150:
                        raise KeyboardInterrupt  # killed after Prefect made the run, before the plan kept it
                    return run

                day, stopped = date(2026, 3, 20), False
                while day <= date(2026, 6, 30):
                    try:
                        sweep_sampling(day, real if stopped else killed_once)
                    except KeyboardInterrupt:
                        svc.server.terminate()  # the service stops …
                        svc.server.wait(timeout=60)
                        svc.start_server(*svc.server_args)  # … and starts again on its database
                        stopped = True
                        sweep_sampling(day, PrefectStarter())  # the same day's sweep, once more
                    day += timedelta(days=1)
                runs = _daily_runs()
        finally:
            svc.stop()
        with session_scope() as s:
            rows = s.exec(select(PlanSession).where(PlanSession.plan_id == view.plan_id)).all()
    assert stopped and len(rows) == 300 and {r.status for r in rows} == {"started"}
    keys = [r.idempotency_key for r in runs]
    assert len(runs) == 300 and len(set(keys)) == 300 and set(keys) == {r.start_key for r in rows}
    assert {str(r.id) for r in runs} == {r.flow_run_id for r in rows}  # each row names the one run of its key
