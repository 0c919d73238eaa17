"""The sanction's portal form (the institution signs the 处理决定书's 送达回执), registered with
the portal's registry when this module is loaded."""

import logging
from datetime import datetime

from sqlmodel import Session

from models import PortalLink
from procedures.casework.cases import Refusal
from procedures.portal.forms import Fields, PortalForm, first, register
from procedures.sanctions import case_file as sanction_case_file
from procedures.sanctions import service


# -- 第二十五条: the 处理决定书's 送达回执 (the institution signs for the decision) -------------------------
def _parse_receipt(fields: Fields) -> dict:
    return {"signer": first(fields, "signer").strip()}


def _receipt_context(link: PortalLink) -> dict:
    return service.receipt_context(link)


def _check_receipt(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return service.check_receipt(link, answers)


def _receipt_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    service.record_receipt(s, link, payload, at)


def _receipt_after_stored(link: PortalLink) -> None:
    sanction_case_file.publish_after_portal(link.case_id, logging.getLogger("portal"))


def _receipt_document(link: PortalLink) -> tuple[str, bytes] | None:
    return service.receipt_document(link)


register(PortalForm("decision_receipt", "decision_receipt.html.j2", 5, _parse_receipt,
                    _receipt_context, _check_receipt, resumes=False, stored=_receipt_stored,
                    after_stored=_receipt_after_stored,
                    document=_receipt_document, file_fields=lambda link: set()))
