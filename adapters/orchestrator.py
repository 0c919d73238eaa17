"""The Prefect API, as far as mending runs needs it (I/O only): which runs our deployments
have and in what state, and putting one back on the schedule so the runner continues it."""

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID


@dataclass(frozen=True)
class RunInfo:
    id: str
    name: str
    deployment: str
    state_type: str  # RUNNING, PAUSED, …
    state_name: str
    message: str
    age_seconds: float  # since the state began
    run_count: int
    work_pool: str = ""  # a worker's run (prefect.yaml deployments); "" for the served ones (make run)


PAGE = 200  # the most flow runs the server gives in one answer


def all_flow_runs(client, **filters) -> list:
    """Every flow run matching `filters` (read_flow_runs' keyword filters), page by page."""
    runs: list = []
    while True:
        page = client.read_flow_runs(**filters, limit=PAGE, offset=len(runs))
        runs += page
        if len(page) < PAGE:
            return runs


def list_runs(states: list[str] | None = None, or_named: list[str] | None = None) -> list[RunInfo]:
    """Every flow run of a deployment on the server (ours are the only ones), optionally only
    those in `states` ("RUNNING", "PAUSED", …) or whose state's name is in `or_named`
    ("Cancelled": what a runner's shutdown names it, not a refusal's 已拒绝)."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateName,
        FlowRunFilterStateType,
        Operator,
    )
    from prefect.client.schemas.objects import StateType

    from adapters.prefect_client import sync_client

    flt = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(is_null_=False))
    if states:
        flt.state = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in states]),
                                       name=FlowRunFilterStateName(any_=or_named) if or_named else None,
                                       operator=Operator.or_)
    now = datetime.now(UTC)
    with sync_client() as client:
        runs = all_flow_runs(client, flow_run_filter=flt)
        names = {d.id: d.name for d in client.read_deployments()} if runs else {}
    out = []
    for r in runs:
        st = r.state
        began = st.timestamp if st and st.timestamp else now
        out.append(RunInfo(str(r.id), r.name, names.get(r.deployment_id, ""), st.type.value if st else "",
                           (st.name or "") if st else "", (st.message or "") if st else "",
                           (now - began).total_seconds(), r.run_count, r.work_pool_name or ""))
    return out


def heartbeat_ages(run_ids: list[str], within_seconds: float) -> dict[str, float]:
    """Seconds since each run's last flow-run heartbeat (an event its run process sends every
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds while a leg runs), for the runs that sent one in
    the last `within_seconds`: how a worker's run on another host is seen alive."""
    from datetime import timedelta

    from prefect.events.filters import (
        EventFilter,
        EventNameFilter,
        EventOccurredFilter,
        EventResourceFilter,
    )

    from adapters.prefect_client import sync_client

    if not run_ids:
        return {}
    now = datetime.now(UTC)
    ages: dict[str, float] = {}
    flt = EventFilter(occurred=EventOccurredFilter(since=now - timedelta(seconds=within_seconds), until=now),
                      event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
                      resource=EventResourceFilter(id=[f"prefect.flow-run.{r}" for r in run_ids]))
    with sync_client() as client:
        page = client.read_events(filter=flt, limit=50)  # the most the server gives a page
        while True:
            for event in page.events:
                run_id = event.resource.id.removeprefix("prefect.flow-run.")
                ages[run_id] = min(ages.get(run_id, within_seconds), (now - event.occurred).total_seconds())
            if not page.next_page:
                break
            page = client.read_events_page(str(page.next_page))
    return ages


def mark_crashed(run_id: str, message: str) -> None:
    """Crashed (forced), as Prefect would have marked it had the run's host said so: a run whose
    heartbeats stopped; it is then continued like any crashed run."""
    from prefect.states import Crashed

    from adapters.prefect_client import sync_client

    with sync_client() as client:
        client.set_flow_run_state(UUID(run_id), Crashed(message=message), force=True)


def continue_run(run_id: str, message: str) -> None:
    """Back to Scheduled (forced: from Running, Pending or Crashed), so the runner replays the
    flow from the top; persisted task results and database keys make the replay safe."""
    from prefect.states import Scheduled

    from adapters.prefect_client import sync_client

    with sync_client() as client:
        client.set_flow_run_state(UUID(run_id), Scheduled(message=message), force=True)


def rename_run(run_id: str, name: str) -> None:
    """Name a run after its case once the case is known (a sanction case's number is given when
    the run starts it): the Prefect UI and `supervise runs` then show the case number."""
    from adapters.prefect_client import sync_client

    with sync_client() as client:
        client.update_flow_run(UUID(run_id), name=name)


def publish_markdown(key: str, markdown: str, description: str, flow_run_id: str | None) -> None:
    """A new version of the markdown artifact `key`, shown on the run `flow_run_id` (when it is a
    Prefect run id): for a case file that changes while no step of its run is running (a receipt
    signed in the portal, a period closed by the sweep). The run's earlier versions of the key are
    deleted: the run's Artifacts tab lists every version as a card of the same title, in no useful
    order, and staff opened stale ones (the case's history is in its timeline, not in versions)."""
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.exceptions import ObjectNotFound

    from adapters.prefect_client import sync_client

    try:
        run = UUID(flow_run_id) if flow_run_id else None
    except ValueError:
        run = None
    with sync_client() as client:
        created = client.create_artifact(ArtifactCreate(key=key, type="markdown", data=markdown,
                                                        description=description, flow_run_id=run))
        if run is None:
            return
        older = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run])))
        for artifact in older:
            if artifact.id != created.id:
                try:
                    client.delete_artifact(artifact.id)
                except ObjectNotFound:
                    pass  # another publisher of the same case (the sweep, another leg) removed it first


@dataclass(frozen=True)
class WaitingRun:
    """A run paused or suspended at a form staff answer in the Prefect UI (the desk's 待办)."""

    id: str
    name: str
    flow_name: str
    pause_key: str
    since: datetime | None
    parameters: dict


def waiting_runs() -> list[WaitingRun]:
    """Every run of a deployment that waits at a form (state type PAUSED: paused or suspended)."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from adapters.prefect_client import sync_client

    flt = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(is_null_=False),
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])))
    with sync_client() as client:
        runs = all_flow_runs(client, flow_run_filter=flt)
        flows = {f.id: f.name for f in client.read_flows()} if runs else {}
    out = []
    for r in runs:
        details = r.state.state_details if r.state else None
        out.append(WaitingRun(str(r.id), r.name, flows.get(r.flow_id, ""), (details.pause_key or "") if details else "",
                              r.state.timestamp if r.state else None, dict(r.parameters or {})))
    return out
