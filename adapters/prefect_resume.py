"""Resuming a run waiting at a pause key, through Prefect's API (I/O only).

The answer says what happened, so the caller can resume exactly once:
- "resumed": the server took the input now;
- "already": an input for this pause key (or a re-ask of it, `pause_key_for`) is already stored (an earlier resume went through,
  even if whoever made it died before writing that down) — never resume twice;
- "not_ready": the run is not (yet) waiting at this key, or its form schema is not stored
  yet (ARCHITECTURE: ~100 ms after the run is Suspended), or the server refused — try later;
- "down": the server did not answer — try later.
"""

import re
from dataclasses import dataclass
from uuid import UUID

# suspend_flow_run proposes a state named "Suspended"; its keysets derive from that name
# (flows/asking.py reads the stored answer the same way).
_STATE_NAME = "suspended"
# A step asked again after its pause fired unanswered waits at `<key>-again-<n>` (pause_key_for).
_REASK = "-again-"


@dataclass(frozen=True)
class ResumeResult:
    outcome: str  # resumed | already | not_ready | down
    detail: str = ""


def warm() -> None:
    """Import Prefect's client now (~1 CPU-s), not in the middle of the first burst of submits."""
    import prefect.client.orchestration  # noqa: F401
    import prefect.input.run_input  # noqa: F401


def _input_exists(client, run_id: UUID, key: str) -> bool:
    """Whether the run has a stored input under `key` (the server answers 404 when not)."""
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    try:
        client.read_flow_run_input(run_id, key)
        return True
    except ObjectNotFound:
        return False
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code == 404:
            return False
        raise


def is_pause_of(key: str, pause_key: str | None) -> bool:
    """Whether a run paused at `pause_key` waits for the step asked at `key`: the key itself or
    one of its re-asks (`pause_key_for`)."""
    return pause_key == key or bool(pause_key and re.fullmatch(re.escape(key + _REASK) + "[0-9]+", pause_key))


def pause_key_for(key: str, fired: set[str]) -> str:
    """Where to suspend for the step asked at `key`: the key itself, or — when that pause already
    fired in this run without an answer (its process died after the server took the suspend, and
    the run was continued) — its first re-ask `key-again-2`, `-3` … that has not fired. Prefect
    refuses a second suspend at a fired key ("This suspend has already fired.", prefect/server/
    orchestration/core_policy.py HandlePausingFlows; force=True to Scheduled keeps the fired keys)
    and its client then loads the missing answer as an empty form (prefect/flow_runs.py
    suspend_flow_run)."""
    candidate, n = key, 1
    while candidate in fired:
        n += 1
        candidate = f"{key}{_REASK}{n}"
    return candidate


def stored_answer(client, run_id: UUID, key: str) -> dict | None:
    """The answer stored for the step asked at `key` (at the key or one of its re-asks), or None.
    One call: every input under the key's prefix but its own (large) form schema."""
    import json

    from prefect.input.run_input import keyset_from_base_key

    base = keyset_from_base_key(f"{_STATE_NAME}-{key}")
    for item in client.filter_flow_run_input(run_id, f"{_STATE_NAME}-{key}-", limit=200,
                                             exclude_keys={base["schema"], base["description"]}):
        found = re.fullmatch(f"{_STATE_NAME}-(.+)-response", item.key)
        if found and is_pause_of(key, found.group(1)):
            return json.loads(item.value)
    return None


def resume_family(run_id: str, family: str, run_input: dict) -> ResumeResult:
    """Resume a run waiting at any pause `<family>-<n>` (a step asked again after a refusal, or
    with several people answering in turn). The run judges each submission once by its id, so
    a second resume with the same submission (a crash before it was written down) is harmless.
    A run that has ended is "already": nothing waits for this submission any more."""
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    rid = UUID(run_id)
    try:
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(rid)
            state = run.state
            if state is not None and state.is_final():
                return ResumeResult("already", f"run is {state.type.value}")
            key = state.state_details.pause_key if state is not None and state.is_paused() else None
            if not key or not key.startswith(f"{family}-"):
                return ResumeResult("not_ready", f"run is not waiting at {family}-…")
    except (httpx.HTTPError, OSError) as exc:
        return ResumeResult("down", f"{type(exc).__name__}: {exc}"[:300])
    except ObjectNotFound:
        return ResumeResult("not_ready", "run not found")
    result = resume_at(run_id, key, run_input)
    return ResumeResult("not_ready", "another answer was taken at this pause") if result.outcome == "already" \
        else result


def resume_at(run_id: str, key: str, run_input: dict) -> ResumeResult:
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.responses import SetStateStatus
    from prefect.exceptions import ObjectNotFound

    rid = UUID(run_id)
    try:
        with get_client(sync_client=True) as client:
            if stored_answer(client, rid, key) is not None:
                return ResumeResult("already")
            run = client.read_flow_run(rid)
            state = run.state
            if state is None or not state.is_paused() or not is_pause_of(key, state.state_details.pause_key):
                where = state.type.value if state else "no state"
                return ResumeResult("not_ready", f"run is {where}, not waiting at {key}")
            keyset = state.state_details.run_input_keyset or {}
            if "schema" not in keyset or not _input_exists(client, rid, keyset["schema"]):
                return ResumeResult("not_ready", "form schema not stored yet")
            response = client.resume_flow_run(rid, run_input=run_input)
            if response.status == SetStateStatus.ACCEPT:
                return ResumeResult("resumed")
            reason = getattr(response.details, "reason", "") or response.status.value
            return ResumeResult("not_ready", f"refused: {reason}"[:300])
    except (httpx.HTTPError, OSError) as exc:
        return ResumeResult("down", f"{type(exc).__name__}: {exc}"[:300])
    except ObjectNotFound:
        return ResumeResult("not_ready", "run not found")
