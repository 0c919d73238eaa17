"""The supervisors' portal forms, registered with the portal's registry when this module is loaded:
a supervisor's own 陈述申辩 on a misconduct case (第二十六条), and the institution's self-service of
its own internal supervisors and cards (第十二条, internal_people.py)."""

from datetime import datetime

from sqlmodel import Session

from models import PortalLink
from procedures.casework.cases import Refusal
from procedures.portal.forms import Fields, PortalForm, first, register
from procedures.supervisors import internal_people, misconduct_hearing


# -- 第二十六条: a supervisor's own 陈述申辩 on a misconduct case (no run waits for it) ----------------
def _parse_statement(fields: Fields) -> dict:
    return {"statement": first(fields, "statement")}


def _statement_context(link: PortalLink) -> dict:
    return misconduct_hearing.statement_context(link)


def _check_statement(link: PortalLink, answers: dict, _fields: Fields) -> tuple[Refusal, dict]:
    return misconduct_hearing.check_statement(link, answers)


def _statement_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    misconduct_hearing.statement_stored(s, link, payload, at)


def _statement_document(link: PortalLink) -> tuple[str, bytes] | None:
    return misconduct_hearing.statement_document(link)


register(PortalForm("misconduct_statement", "misconduct_statement.html.j2", 5, _parse_statement,
                    _statement_context, _check_statement, resumes=False,
                    stored=_statement_stored, document=_statement_document,
                    file_fields=lambda link: set()))


# -- 第十二条: the institution's own internal supervisors and cards (one action per link) ------------
register(PortalForm("internal_people", "internal_people.html.j2", 20, internal_people.parse, internal_people.context,
                    internal_people.check, resumes=False, stored=internal_people.stored,
                    file_fields=lambda link: set()))
