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
# An answer's copy with its staff codes replaced (forget_codes): `<response key>-without-codes`.
_WITHOUT_CODES = "-without-codes"


@dataclass(frozen=True)
class ResumeResult:
    outcome: str  # resumed | already | not_ready | down
    detail: str = ""


def warm() -> None:
    """Import Prefect's client now (~1 CPU-s) and build its TLS context, not in the middle of the
    first burst of submits."""
    import prefect.client.orchestration  # noqa: F401
    import prefect.input.run_input  # noqa: F401

    from adapters.prefect_client import tls_context

    tls_context()


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


def _answers_at(client, run_id: UUID, key: str) -> list:
    """Prefect's stored answers for the step asked at `key` (at the key or a re-ask; the answer
    itself or its copy without codes, `forget_codes`), in one call: every input under the key's
    prefix but its own (large) form schema."""
    from prefect.input.run_input import keyset_from_base_key

    base = keyset_from_base_key(f"{_STATE_NAME}-{key}")
    found = []
    for item in client.filter_flow_run_input(run_id, f"{_STATE_NAME}-{key}-", limit=200,
                                             exclude_keys={base["schema"], base["description"]}):
        m = re.fullmatch(f"{_STATE_NAME}-(.+)-response({re.escape(_WITHOUT_CODES)})?", item.key)
        if m and is_pause_of(key, m.group(1)):
            found.append(item)
    return found


def stored_answer(client, run_id: UUID, key: str) -> dict | None:
    """The answer stored for the step asked at `key` (at the key or one of its re-asks), or None."""
    import json

    found = _answers_at(client, run_id, key)
    return json.loads(found[0].value) if found else None


def forget_codes(client, run_id: UUID, key: str, fields: set[str], replacement: str) -> bool:
    """Replace Prefect's stored answer at `key` by a copy whose `fields` (staff codes) say
    `replacement` — call it only once the answer's outcome is stored in our database, where every
    replay reads it (procedures.casework.cases.answer_once), so the code is never needed again. Prefect
    cannot update an input (a second create at a key is 409), so: write the copy under
    `<response key>-without-codes` first, then delete the original. A crash in between leaves both
    (equivalent for a replay; the next call finishes); at no moment is there no answer, so a replay
    never asks again. Returns whether a code was removed."""
    import json

    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    removed = False
    items = _answers_at(client, run_id, key)
    copies = {i.key for i in items if i.key.endswith(_WITHOUT_CODES)}
    for item in items:
        if item.key.endswith(_WITHOUT_CODES):
            continue
        answer = json.loads(item.value)
        if not any(answer.get(f) not in (None, "", replacement) for f in fields):
            continue
        if item.key + _WITHOUT_CODES not in copies:
            clean = answer | {f: replacement for f in fields if answer.get(f) not in (None, "")}
            try:
                client.create_flow_run_input(run_id, item.key + _WITHOUT_CODES, json.dumps(clean),
                                             sender="forget-codes")
            except PrefectHTTPStatusError as exc:  # 409: an earlier call wrote the copy
                if exc.response.status_code != 409:
                    raise
        try:
            client.delete_flow_run_input(run_id, item.key)
        except ObjectNotFound:
            pass
        except PrefectHTTPStatusError as exc:
            if exc.response.status_code != 404:
                raise
        removed = True
    return removed


def resume_family(run_id: str, family: str, run_input: dict) -> ResumeResult:
    """Resume a run waiting at any pause `<family>-<n>` (a step asked again after a refusal, or
    with several people answering in turn). The run judges each submission once by its id, so
    a second resume with the same submission (a crash before it was written down) is harmless.
    A run that has ended is "already": nothing waits for this submission any more."""
    import httpx
    from prefect.exceptions import ObjectNotFound

    from adapters.prefect_client import sync_client

    rid = UUID(run_id)
    try:
        with sync_client() as client:
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
    from prefect.client.schemas.responses import SetStateStatus
    from prefect.exceptions import ObjectNotFound

    from adapters.prefect_client import sync_client

    rid = UUID(run_id)
    try:
        with sync_client() as client:
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
