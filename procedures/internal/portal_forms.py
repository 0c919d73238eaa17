"""Internal supervision's portal forms (第十六条), registered with the portal's registry
(procedures.portal.forms) when this module is loaded: the contact assigns, the internal supervisor
records (the 附件3 page the external supervisor uses), the contact follows up a 不合格 record. No
Prefect run waits for any of them: each is stored and takes effect in the same transaction."""

from procedures.casework.cases import Refusal
from procedures.casework.record_answers import parse_record_fields
from procedures.internal import assignment, followup, record
from procedures.portal.forms import Fields, PortalForm, first, register


def _parse_assignment(fields: Fields) -> dict:
    return {"recorder": first(fields, "recorder").strip(), "others": [v for v in fields.get("others", []) if v],
            "signed_by": first(fields, "signed_by").strip()}


def _check_assignment(link, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return assignment.check_assignment(link, answers)


def _parse_record(fields: Fields) -> dict:
    return parse_record_fields(fields, ("card_code", "inspection_ended_on", "later_end_reason", "overall_evaluation",
                                        "supervisor_verdict"))


def _check_record(link, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return record.check_record(link, answers)


def _evidence_field(name: str) -> str | None:
    """`evidence_05` → item_05: evidence attached to a checklist item (as on the external record)."""
    return f"item_{name.removeprefix('evidence_')}" if name.startswith("evidence_") else None


def _parse_followup(fields: Fields) -> dict:
    return {"measures": first(fields, "measures")}


def _check_followup(link, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return followup.check_followup(link, answers)


register(PortalForm(assignment.ASSIGN_KIND, "internal_assign.html.j2", 20, _parse_assignment,
                    assignment.assign_context, _check_assignment, waiting=assignment.assignment_waits,
                    resumes=False, stored=assignment.assignment_stored, file_fields=lambda link: set()))
register(PortalForm(assignment.RECORD_KIND, "record_form.html.j2", 200, _parse_record, record.record_context,
                    _check_record, _evidence_field, record.record_waits, resumes=False,
                    stored=record.record_stored, item_labels=record.record_item_labels))
register(PortalForm(followup.FOLLOWUP_KIND, "internal_followup.html.j2", 10, _parse_followup,
                    followup.followup_context, _check_followup, waiting=followup.followup_waits,
                    resumes=False, stored=followup.followup_stored))
