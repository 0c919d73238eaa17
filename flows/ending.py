"""End a run as refused: Cancelled, named 已拒绝, with the reason — and no ERROR in its log.

A flow that *returns* a non-Completed state makes Prefect's engine raise it as an exception
once the state is set (`State.result()` raises `CancelledRun` for a Cancelled state), and the
runner's flow process logs that on the run's Logs tab as an ERROR with a traceback
("Engine execution exited with unexpected exception", prefect/flow_engine.py `run_flow`) —
alarming, and wrong: a refusal is an answer, not a failure. A Completed state would look like
success in the run list. So the run proposes its own Cancelled state, then leaves the way the
engine leaves a run the orchestrator stopped (`Abort`: logged at INFO by the engine only, the
process exits 0, and the runner counts the attempt as concluded, never crashed).
"""

from typing import NoReturn

REFUSED = "已拒绝"


def end_refused(message: str) -> NoReturn:
    """End the run 已拒绝 with `message`, shown as "已拒绝：…" on the run whether or not the caller
    wrote the prefix (some did, some did not: one way on every run, never twice)."""
    from prefect.context import FlowRunContext
    from prefect.exceptions import Abort
    from prefect.states import Cancelled
    from prefect.utilities.engine import propose_state_sync

    from adapters.prefect_client import sync_client

    shown = f"{REFUSED}：{message.removeprefix(f'{REFUSED}：')}"
    run = FlowRunContext.get().flow_run
    with sync_client() as client:
        propose_state_sync(client, Cancelled(name=REFUSED, message=shown), flow_run_id=run.id)
    raise Abort(shown)
