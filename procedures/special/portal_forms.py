"""The special inspection's portal forms (a member's findings per matter, the lead's
consolidation), registered with the portal's registry when this module is loaded."""

from models import PortalLink
from procedures.casework.cases import Refusal
from procedures.portal.forms import Fields, PortalForm, first, register
from procedures.special import consolidation, findings
from regulation.special_inspection import matters


# -- 第十四条/第十五条（二）: a special-inspection member's findings per matter -------------------------
def _parse_findings(fields: Fields) -> dict:
    return findings.finding_answers(fields)


def _findings_context(link: PortalLink) -> dict:
    return findings.findings_context(link)


def _check_findings(link: PortalLink, answers: dict, fields: Fields) -> tuple[Refusal, dict]:
    return findings.check_portal_findings(link, answers, first(fields, "staff_code"))


def _findings_wait(link: PortalLink) -> bool:
    return findings.findings_step_waits(link)


def _matter_files(name: str) -> str | None:
    """`files_6` → matter_6: evidence attached to a matter."""
    return f"matter_{name.removeprefix('files_')}" if name.startswith("files_") else None


def _matter_labels(_link: PortalLink) -> dict[str, str]:
    """matter_6 → 第十四条（六）… (the matters, verbatim)."""
    return {f"matter_{m.no}": str(m) for m in matters()}


def _findings_file_fields(link: PortalLink) -> set[str]:
    return findings.findings_file_fields(link)


# -- 第十五条（二）1–2: the lead's consolidation into the draft opinion --------------------------------
def _parse_consolidation(fields: Fields) -> dict:
    return consolidation.consolidation_answers(fields)


def _consolidation_context(link: PortalLink) -> dict:
    return consolidation.consolidation_context(link)


def _check_consolidation(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return consolidation.check_portal_consolidation(link, answers)


def _consolidation_waits(link: PortalLink) -> bool:
    return consolidation.consolidation_step_waits(link)


register(PortalForm("member_findings", "findings_form.html.j2", 40, _parse_findings,
                    _findings_context, _check_findings, _matter_files, _findings_wait,
                    file_fields=_findings_file_fields, item_labels=_matter_labels))
register(PortalForm("lead_consolidation", "consolidation_form.html.j2", 30, _parse_consolidation,
                    _consolidation_context, _check_consolidation, waiting=_consolidation_waits))
