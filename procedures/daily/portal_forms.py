"""The daily inspection's portal forms (附件3 record, 第十七条 confirmation), registered with the
portal's registry (procedures.portal.forms) when this module is loaded."""

from adapters.db import session_scope
from models import EvaluationSession, InspectionCase, PortalLink
from procedures.casework.cases import Refusal
from procedures.casework.record_answers import METHODS, parse_record_fields
from procedures.daily import confirmation, links, record
from procedures.portal.forms import Fields, PortalForm, first, register
from regulation.checklists import load_checklist

# -- 附件3: the supervisor's record form (第十七条) --------------------------------------------------
RECORD_SCALARS = ("assignment_code", "dispatch_id", "inspection_ended_on", "later_end_reason",
                  "overall_evaluation", "supervisor_verdict")


def _parse_record(fields: Fields) -> dict:
    return parse_record_fields(fields, RECORD_SCALARS)


def _record_context(link: PortalLink) -> dict:
    ctx = links.link_context(link)
    return ctx | {"checklist": load_checklist(ctx["form_kind"]), "methods": METHODS}


def _check_record(link: PortalLink, answers: dict, fields: Fields) -> tuple[Refusal, dict]:
    return record.check_portal_record(link, answers, first(fields, "staff_code"))


def _record_item_labels(link: PortalLink) -> dict[str, str]:
    """item_05 → 第5项 and its text (附件3, the case's checklist)."""
    with session_scope() as s:
        form_kind = s.get(EvaluationSession, s.get(InspectionCase, link.case_id).session_id).form_kind
    return {f"item_{i.no:02d}": f"第{i.no}项 {i.text}" for i in load_checklist(form_kind).items}


def _evidence_field(name: str) -> str | None:
    """`evidence_05` → item_05: evidence attached to a checklist item."""
    return f"item_{name.removeprefix('evidence_')}" if name.startswith("evidence_") else None


# -- 第十七条: another supervisor confirms the record ---------------------------------------------
def _parse_confirmation(fields: Fields) -> dict:
    return {name: first(fields, name).strip() for name in ("assignment_code", "position", "text") if name in fields}


def _confirmation_context(link: PortalLink) -> dict:
    return links.link_context(link) | {"positions": (confirmation.CONFIRM, confirmation.DISAGREE)}


def _check_confirmation(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return confirmation.check_portal_confirmation(link, answers)


def _step_waits(link: PortalLink) -> bool:
    return links.step_waits(link)


register(PortalForm("record_form", "record_form.html.j2", 200, _parse_record, _record_context,
                    _check_record, _evidence_field, _step_waits, item_labels=_record_item_labels))
register(PortalForm("record_confirmation", "confirmation.html.j2", 10, _parse_confirmation,
                    _confirmation_context, _check_confirmation, waiting=_step_waits))
