"""Ask a person through a suspended form, and never lose an answer the server accepted.

A resume stores the answer on the server, then a new process replays the flow from the
top. If that process dies before it is done (a stop, a SIGKILL, a power loss), the run is
continued later (procedures/casework/run_health.py) — and, depending on how it left its state, the
server may have forgotten that this pause already fired and would ask again, leaving the
stored answer unread. So: read the stored answer for this pause key first; suspend only
when there is none.
"""

from uuid import UUID

from prefect.flow_runs import suspend_flow_run
from prefect.runtime import flow_run

from adapters.holds import hold
from adapters.prefect_client import sync_client
from adapters.prefect_resume import pause_key_for, stored_answer

# Tests only: "KEY answered:FILE" holds the first leg that replays past the answered pause KEY
# (after the resume, before it acts on the answer), "KEY asked:FILE" the first leg about to
# suspend at KEY, until it is killed there, writing its pid to FILE: a kill mid-leg that is no
# race (tests/flows/test_service_stops.py, test_bench_stops.py). A leg continued after the kill
# passes.
LEG_HOLD = "SUPERVISION_TEST_LEG_HOLD"


def ask(form, key: str):
    """The answer to `form` at pause `key`: the one already given, or suspend and wait.

    A pause can fire without an answer: the process dies after the server took the suspend, the
    run ends Crashed and is continued, and the server — which remembers every pause key that
    fired — refuses a second suspend at `key`, which Prefect's client turns into an empty form.
    So such a step is asked again at a fresh key derived from `key`; its answer, and the resumes
    by `key` (adapters/prefect_resume.py), find it there."""
    run_id = UUID(flow_run.id)
    with sync_client() as client:
        stored = stored_answer(client, run_id, key)
        hold(LEG_HOLD, f"{key} {'asked' if stored is None else 'answered'}", once=True)
        if stored is not None:
            return form(**stored)
        fired = client.read_flow_run(run_id).empirical_policy.pause_keys or set()
    return suspend_flow_run(wait_for_input=form, key=pause_key_for(key, fired))


CODE_FIELDS = {"staff_code"}  # typed by staff in a Prefect form; never kept (procedures.casework.staff)
FORGOTTEN = "（已核验，代码不保存）"


def holds_code(value) -> bool:
    """Whether an answer's code field still holds what was typed (not yet forgotten: a replay
    after forget_codes sees FORGOTTEN or a signature, and need not ask Prefect again)."""
    return bool(value) and "已核验" not in str(value)


def forget_codes(key: str, replacement: str = FORGOTTEN) -> bool:
    """Remove the staff code from Prefect's stored copy of the answer at `key` (its run-input
    table keeps answers as plain JSON). Call it only once the answer's outcome is stored in our
    database: a replay reads that outcome by pause key and never judges the answer again, so it
    needs every answer but the code (adapters/prefect_resume.forget_codes keeps an answer stored
    at every moment). Best effort: if Prefect does not answer now, the next replay removes it."""
    from adapters.prefect_resume import forget_codes as forget

    try:
        with sync_client() as client:
            return forget(client, UUID(flow_run.id), key, CODE_FIELDS, replacement)
    except Exception:  # noqa: BLE001 — Prefect busy: the code stays until the next replay of this step
        return False


def ask_until_accepted(prefix: str, make_form, submit) -> dict:
    """Ask a form (keys prefix-1, prefix-2, …) until an answer is accepted as final; a refused
    answer comes back with its errors on the fields and the earlier answers kept. Every
    procedure's staff forms go through this one loop. Returns the accepted answers."""
    from itertools import count

    errors, field_errors, previous = [], {}, {}
    for attempt in count(1):
        key = f"{prefix}-{attempt}"
        answers = ask(make_form(errors, previous, field_errors), key).model_dump(mode="json")
        outcome = submit(key, answers)  # stored by pause key (answer_once): replays read it, not the code
        if any(holds_code(answers.get(f)) for f in CODE_FIELDS):
            forget_codes(key)
        if outcome.accepted and outcome.final:
            return answers
        errors, field_errors, previous = ((outcome.errors, outcome.field_errors, answers) if not outcome.accepted
                                          else ([], {}, {}))
