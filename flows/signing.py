"""The staff member who signs a step in the Prefect UI: one loop for every flow that has no run
form of its own to carry the code (supervisor misconduct, the internal-supervision report)."""

from itertools import count

from prefect.runtime import flow_run

from flows import forms
from flows.asking import FORGOTTEN, ask, forget_codes, holds_code
from tasks import supervisors as t


def signed(header: str, verify):
    """The staff member who signs this step: asked until a code `verify` accepts. Nothing is
    written before; the code is never kept, logged or shown back. Once judged, Prefect's stored
    answer loses the code: an accepted one keeps a signature bound to this run and pause key
    (procedures.casework.staff.signature), which a replay recalls instead of checking a code again."""
    errors: list[str] = []
    run_id = str(flow_run.get_id())
    for attempt in count(1):
        key = f"staff-code-{attempt}"
        answer = ask(forms.staff_code_form(header, errors, {}, {forms.CODE_FIELD: errors[0]} if errors else {}), key)
        value = getattr(answer, forms.CODE_FIELD)
        found = verify(value) if holds_code(value) else (t.recall_signer(value, run_id, key) or verify(value))
        if holds_code(value):
            forget_codes(key, t.signature(found.staff_id, run_id, key) if not isinstance(found, str) else FORGOTTEN)
        if not isinstance(found, str):
            return found
        errors = [found]
