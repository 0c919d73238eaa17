"""Ask a person through a suspended form, and never lose an answer the server accepted.

A resume stores the answer on the server, then a new process replays the flow from the
top. If that process dies before it is done (a stop, a SIGKILL, a power loss), the run is
continued later (procedures/run_health.py) — and, depending on how it left its state, the
server may have forgotten that this pause already fired and would ask again, leaving the
stored answer unread. So: read the stored answer for this pause key first; suspend only
when there is none.
"""

from prefect.flow_runs import suspend_flow_run
from prefect.input.actions import read_flow_run_input
from prefect.input.run_input import keyset_from_base_key
from prefect.runtime import flow_run

# suspend_flow_run proposes a state named "Suspended"; its keyset derives from that name.
_STATE_NAME = "suspended"


def ask(form, key: str):
    """The answer to `form` at pause `key`: the one already given, or suspend and wait."""
    stored = read_flow_run_input(keyset_from_base_key(f"{_STATE_NAME}-{key}")["response"],
                                 flow_run_id=flow_run.id)
    if stored is not None:
        return form(**stored)
    return suspend_flow_run(wait_for_input=form, key=key)


def ask_until_accepted(prefix: str, make_form, submit) -> None:
    """Ask a form (keys prefix-1, prefix-2, …) until an answer is accepted as final; a refused
    answer comes back with its errors on the fields and the earlier answers kept (the daily
    inspection's loop, shared without importing that flow)."""
    from itertools import count

    errors, field_errors, previous = [], {}, {}
    for attempt in count(1):
        key = f"{prefix}-{attempt}"
        answers = ask(make_form(errors, previous, field_errors), key).model_dump(mode="json")
        outcome = submit(key, answers)
        if outcome.accepted and outcome.final:
            return
        errors, field_errors, previous = ((outcome.errors, outcome.field_errors, answers) if not outcome.accepted
                                          else ([], {}, {}))
