"""Ask a person through a suspended form, and never lose an answer the server accepted.

A resume stores the answer on the server, then a new process replays the flow from the
top. If that process dies before it is done (a stop, a SIGKILL, a power loss), the run is
continued later (procedures/run_health.py) — and, depending on how it left its state, the
server may have forgotten that this pause already fired and would ask again, leaving the
stored answer unread. So: read the stored answer for this pause key first; suspend only
when there is none.
"""

from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.flow_runs import suspend_flow_run
from prefect.runtime import flow_run

from adapters.prefect_resume import pause_key_for, stored_answer


def ask(form, key: str):
    """The answer to `form` at pause `key`: the one already given, or suspend and wait.

    A pause can fire without an answer: the process dies after the server took the suspend, the
    run ends Crashed and is continued, and the server — which remembers every pause key that
    fired — refuses a second suspend at `key`, which Prefect's client turns into an empty form.
    So such a step is asked again at a fresh key derived from `key`; its answer, and the resumes
    by `key` (adapters/prefect_resume.py), find it there."""
    run_id = UUID(flow_run.id)
    with get_client(sync_client=True) as client:
        stored = stored_answer(client, run_id, key)
        if stored is not None:
            return form(**stored)
        fired = client.read_flow_run(run_id).empirical_policy.pause_keys or set()
    return suspend_flow_run(wait_for_input=form, key=pause_key_for(key, fired))


def ask_until_accepted(prefix: str, make_form, submit) -> dict:
    """Ask a form (keys prefix-1, prefix-2, …) until an answer is accepted as final; a refused
    answer comes back with its errors on the fields and the earlier answers kept. Every
    procedure's staff forms go through this one loop. Returns the accepted answers."""
    from itertools import count

    errors, field_errors, previous = [], {}, {}
    for attempt in count(1):
        key = f"{prefix}-{attempt}"
        answers = ask(make_form(errors, previous, field_errors), key).model_dump(mode="json")
        outcome = submit(key, answers)
        if outcome.accepted and outcome.final:
            return answers
        errors, field_errors, previous = ((outcome.errors, outcome.field_errors, answers) if not outcome.accepted
                                          else ([], {}, {}))
