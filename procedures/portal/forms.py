"""The forms a portal link can show, by the link's kind: a small registry.

Each kind says which template renders it, how many form fields it may post, how to read the
posted fields into answers, what the page shows beside the form, and how the answers are
checked before anything is stored (by the procedure that owns the step: one implementation
of its rules) and turned into the payload that is stored: the daily inspection's record form and
its confirmations, the special inspection's member findings and the lead's consolidation, the
sanction decision's 送达回执.
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


def _first(fields: Fields, name: str) -> str:
    values = fields.get(name) or [""]
    return values[0]


# -- 附件3: the supervisor's record form (第十七条) --------------------------------------------------
RECORD_SCALARS = ("assignment_code", "dispatch_id", "inspection_ended_on", "later_end_reason",
                  "overall_evaluation", "supervisor_verdict")


def _parse_record(fields: Fields) -> dict:
    answers = {name: _first(fields, name).strip() for name in RECORD_SCALARS if name in fields}
    answers["methods"] = [m for m in fields.get("methods", []) if m]
    for name, values in fields.items():
        if name.startswith(("veto_", "item_")) and values and values[0]:
            answers[name] = values[0]
        elif name.startswith("remark_") and values and values[0].strip():
            answers[name] = values[0].strip()
    return answers


def _record_context(link: PortalLink) -> dict:
    from procedures.daily import inspection as daily_inspection
    from procedures.daily.inspection import METHODS
    from regulation.checklists import load_checklist

    ctx = daily_inspection.link_context(link)
    return ctx | {"checklist": load_checklist(ctx["form_kind"]), "methods": METHODS}


def _check_record(link: PortalLink, answers: dict, fields: Fields) -> tuple[Refusal, dict]:
    from procedures.daily import inspection as daily_inspection

    return daily_inspection.check_portal_record(link, answers, _first(fields, "staff_code"))


def _record_item_labels(link: PortalLink) -> dict[str, str]:
    """item_05 → 第5项 and its text (附件3, the case's checklist)."""
    from adapters.db import session_scope
    from models import EvaluationSession, InspectionCase
    from regulation.checklists import load_checklist

    with session_scope() as s:
        form_kind = s.get(EvaluationSession, s.get(InspectionCase, link.case_id).session_id).form_kind
    return {f"item_{i.no:02d}": f"第{i.no}项 {i.text}" for i in load_checklist(form_kind).items}


def _evidence_field(name: str) -> str | None:
    """`evidence_05` → item_05: evidence attached to a checklist item."""
    return f"item_{name.removeprefix('evidence_')}" if name.startswith("evidence_") else None


# -- 第十七条: another supervisor confirms the record ---------------------------------------------
def _parse_confirmation(fields: Fields) -> dict:
    return {name: _first(fields, name).strip() for name in ("assignment_code", "position", "text") if name in fields}


def _confirmation_context(link: PortalLink) -> dict:
    from procedures.daily import inspection as daily_inspection

    return daily_inspection.link_context(link) | {
        "positions": (daily_inspection.CONFIRM, daily_inspection.DISAGREE)}


def _check_confirmation(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    from procedures.daily import inspection as daily_inspection

    return daily_inspection.check_portal_confirmation(link, answers)


def _step_waits(link: PortalLink) -> bool:
    from procedures.daily import inspection as daily_inspection

    return daily_inspection.step_waits(link)


# -- 第十四条/第十五条（二）: a special-inspection member's findings per matter -------------------------
def _parse_findings(fields: Fields) -> dict:
    from procedures.special import inspection as special_inspection

    return special_inspection.finding_answers(fields)


def _findings_context(link: PortalLink) -> dict:
    from procedures.special import inspection as special_inspection

    return special_inspection.findings_context(link)


def _check_findings(link: PortalLink, answers: dict, fields: Fields) -> tuple[Refusal, dict]:
    from procedures.special import inspection as special_inspection

    return special_inspection.check_portal_findings(link, answers, _first(fields, "staff_code"))


def _findings_wait(link: PortalLink) -> bool:
    from procedures.special import inspection as special_inspection

    return special_inspection.findings_step_waits(link)


def _matter_files(name: str) -> str | None:
    """`files_6` → matter_6: evidence attached to a matter."""
    return f"matter_{name.removeprefix('files_')}" if name.startswith("files_") else None


def _matter_labels(_link: PortalLink) -> dict[str, str]:
    """matter_6 → 第十四条（六）… (the matters, verbatim)."""
    from regulation.special_inspection import matters

    return {f"matter_{m.no}": str(m) for m in matters()}


def _findings_file_fields(link: PortalLink) -> set[str]:
    from procedures.special import inspection as special_inspection

    return special_inspection.findings_file_fields(link)


# -- 第十五条（二）1–2: the lead's consolidation into the draft opinion --------------------------------
def _parse_consolidation(fields: Fields) -> dict:
    from procedures.special import inspection as special_inspection

    return special_inspection.consolidation_answers(fields)


def _consolidation_context(link: PortalLink) -> dict:
    from procedures.special import inspection as special_inspection

    return special_inspection.consolidation_context(link)


def _check_consolidation(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    from procedures.special import inspection as special_inspection

    return special_inspection.check_portal_consolidation(link, answers)


def _consolidation_waits(link: PortalLink) -> bool:
    from procedures.special import inspection as special_inspection

    return special_inspection.consolidation_step_waits(link)


# -- 第二十五条: the 处理决定书's 送达回执 (the institution signs for the decision) -------------------------
def _parse_receipt(fields: Fields) -> dict:
    return {"signer": _first(fields, "signer").strip()}


def _receipt_context(link: PortalLink) -> dict:
    from procedures.sanctions import core as sanctions

    return sanctions.receipt_context(link)


def _check_receipt(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    from procedures.sanctions import core as sanctions

    return sanctions.check_receipt(link, answers)


def _receipt_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    from procedures.sanctions import core as sanctions

    sanctions.record_receipt(s, link, payload, at)


def _receipt_after_stored(link: PortalLink) -> None:
    import logging

    from procedures.sanctions import case_file as sanction_case_file

    sanction_case_file.publish_after_portal(link.case_id, logging.getLogger("portal"))


def _receipt_document(link: PortalLink) -> tuple[str, bytes] | None:
    from procedures.sanctions import core as sanctions

    return sanctions.receipt_document(link)


# -- 第二十六条: a supervisor's own 陈述申辩 on a misconduct case (no run waits for it) ----------------
def _parse_statement(fields: Fields) -> dict:
    return {"statement": _first(fields, "statement")}


def _statement_context(link: PortalLink) -> dict:
    from procedures.supervisors import misconduct

    return misconduct.statement_context(link)


def _check_statement(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    from procedures.supervisors import misconduct

    return misconduct.check_statement(link, answers)


def _statement_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    from procedures.supervisors import misconduct

    misconduct.statement_stored(s, link, payload, at)


def _statement_document(link: PortalLink) -> tuple[str, bytes] | None:
    from procedures.supervisors import misconduct

    return misconduct.statement_document(link)


FORMS: dict[str, PortalForm] = {
    "record_form": PortalForm("record_form", "record_form.html.j2", 200, _parse_record, _record_context,
                              _check_record, _evidence_field, _step_waits, item_labels=_record_item_labels),
    "record_confirmation": PortalForm("record_confirmation", "confirmation.html.j2", 10, _parse_confirmation,
                                      _confirmation_context, _check_confirmation, waiting=_step_waits),
    "member_findings": PortalForm("member_findings", "findings_form.html.j2", 40, _parse_findings,
                                  _findings_context, _check_findings, _matter_files, _findings_wait,
                                  file_fields=_findings_file_fields, item_labels=_matter_labels),
    "lead_consolidation": PortalForm("lead_consolidation", "consolidation_form.html.j2", 30, _parse_consolidation,
                                     _consolidation_context, _check_consolidation, waiting=_consolidation_waits),
    "decision_receipt": PortalForm("decision_receipt", "decision_receipt.html.j2", 5, _parse_receipt,
                                   _receipt_context, _check_receipt, resumes=False, stored=_receipt_stored,
                                   after_stored=_receipt_after_stored,
                                   document=_receipt_document, file_fields=lambda link: set()),
    "misconduct_statement": PortalForm("misconduct_statement", "misconduct_statement.html.j2", 5, _parse_statement,
                                       _statement_context, _check_statement, resumes=False,
                                       stored=_statement_stored, document=_statement_document,
                                       file_fields=lambda link: set()),
}
