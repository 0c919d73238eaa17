"""adapters.orchestrator.list_runs against a real (temporary) Prefect server: the service's watch
reads the runs that can have lost their process — Running, Pending, Crashed, and those a runner's
shutdown cancelled (named "Cancelled") — and not every refused run (Cancelled, named 已拒绝) there
ever was, every few seconds."""

import pytest

from adapters import orchestrator
from procedures.casework.run_health import STRANDABLE, STRANDABLE_NAMES


@pytest.fixture(scope="module")
def server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_the_watch_lists_runs_a_shutdown_cancelled_and_not_refused_ones(server):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled, Completed, Crashed, Paused, Pending, Running

    @flow(name="listed")
    def listed() -> None: ...

    states = {"running": Running(), "pending": Pending(), "crashed": Crashed(message="process died"),
              "shutdown": Cancelled(message="Runner is shutting down."),
              "refused": Cancelled(name="已拒绝", message="已拒绝：批次不存在"),
              "paused": Paused(pause_key="record-1", timeout_seconds=3600), "completed": Completed()}

    async def make() -> dict[str, str]:
        async with get_client() as client:
            flow_id = await client.create_flow(listed)
            deployment = await client.create_deployment(flow_id=flow_id, name="d", entrypoint="x.py:listed")
            ids = {}
            for name, state in states.items():
                run = await client.create_flow_run_from_deployment(deployment, name=name)
                await client.set_flow_run_state(run.id, state, force=True)
                ids[name] = str(run.id)
            return ids

    import asyncio

    ids = asyncio.run(make())
    watched = {r.name for r in orchestrator.list_runs(STRANDABLE, STRANDABLE_NAMES)}
    assert watched == {"running", "pending", "crashed", "shutdown"}
    assert {r.name for r in orchestrator.list_runs()} == set(states)  # `supervise runs check`: every run
    assert {r.id for r in orchestrator.list_runs(["PAUSED"])} == {ids["paused"]}
