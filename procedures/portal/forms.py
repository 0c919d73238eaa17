"""The forms a portal link can show, by the link's kind: a small registry that imports no procedure.

Each kind says which template renders it, how many form fields it may post, how to read the
posted fields into answers, what the page shows beside the form, and how the answers are
checked before anything is stored (by the procedure that owns the step: one implementation
of its rules) and turned into the payload that is stored: the daily inspection's record form and
its confirmations, the special inspection's member findings and the lead's consolidation, the
sanction decision's 送达回执, a supervisor's 陈述申辩 on a misconduct case.

Each procedure registers its own forms from its own package (`procedures/<package>/portal_forms.py`,
calling `register`); `forms()` loads the procedure packages listed in `procedures.PACKAGES` (their
`registration` modules) the
first time any process asks (the portal at start, a flow reading evidence labels, the sweep), so
no process sees an empty registry and the registry never imports a procedure.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models import PortalLink
from procedures.casework.cases import Refusal

Fields = dict[str, list[str]]  # what the browser posted: name → values (files apart)


@dataclass(frozen=True)
class PortalForm:
    kind: str
    template: str
    max_fields: int
    parse: Callable[[Fields], dict]  # posted fields → answers
    context: Callable[[PortalLink], dict]  # what the page shows beside the form
    check: Callable[[PortalLink, dict, Fields], tuple[Refusal, dict]]  # → refusal, payload to store
    file_field: Callable[[str], str | None] = lambda name: None  # which answer a file input belongs to
    # Whether the step still waits for this link's answer: a stored answer whose step has passed
    # (another supervisor's record came first, staff closed the confirmations) resumes nothing.
    waiting: Callable[[PortalLink], bool] = lambda link: True
    # The answers a file may belong to for this link (None: any); a file elsewhere is refused.
    file_fields: Callable[[PortalLink], set[str]] | None = None
    # False: the answer is evidence for the case, and no run waits for it (stored, never resumed).
    resumes: bool = True
    # Called in the transaction that stores the answer (session, link, payload, server time): a
    # step that no run waits for records itself on its case here, once.
    stored: Callable[[Session, PortalLink, dict, datetime], None] | None = None
    # Called after that transaction has committed (I/O such as a case file in the Prefect UI);
    # best effort: the answer is kept whatever happens here.
    after_stored: Callable[[PortalLink], None] | None = None
    # A document the page offers for download through the link (file name, .docx bytes), or None.
    document: Callable[[PortalLink], tuple[str, bytes] | None] | None = None
    # The answers files may belong to, as a person reads them (receipt, staff artifact, export).
    item_labels: Callable[[PortalLink], dict[str, str]] = lambda link: {}


def first(fields: Fields, name: str) -> str:
    values = fields.get(name) or [""]
    return values[0]


_FORMS: dict[str, PortalForm] = {}


def register(form: PortalForm) -> None:
    """A procedure's form, by its kind (once: a second registration of a kind is a wiring error)."""
    if form.kind in _FORMS and _FORMS[form.kind] is not form:
        raise ValueError(f"portal form kind registered twice: {form.kind}")
    _FORMS[form.kind] = form


def forms() -> dict[str, PortalForm]:
    """Every registered form by kind, the procedure packages loaded first."""
    import procedures

    procedures.load()
    return _FORMS
