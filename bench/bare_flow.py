"""The baseline: a bare Prefect flow with the daily inspection's two suspends and resumes."""

from prefect import flow
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput


class Ack(RunInput):
    ok: str


@flow(name="bare-lifecycle", persist_result=True)
def bare_lifecycle() -> str:
    first = suspend_flow_run(wait_for_input=Ack, key="record-1")
    second = suspend_flow_run(wait_for_input=Ack, key="decision-1")
    return first.ok + second.ok


@flow(name="bare-suspends", persist_result=True)
def bare_suspends(keys: list[str]) -> str:
    """The special inspection's baseline: one suspend and resume per key, nothing else."""
    return "".join(suspend_flow_run(wait_for_input=Ack, key=key).ok for key in keys)
