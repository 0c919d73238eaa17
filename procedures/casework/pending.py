"""Pending cases: findings waiting for a later procedure (special inspection, sanction)."""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import PendingCase, SanctionCase


def open_pending(s: Session, kind: str, institution_id: int, source_case_id: int, article: str, facts: str,
                 on: date) -> PendingCase:
    """Once per source case and kind (the table's unique key)."""
    found = s.exec(select(PendingCase).where(PendingCase.source_case_id == source_case_id,
                                             PendingCase.kind == kind)).first()
    if found:
        return found
    pending = PendingCase(kind=kind, institution_id=institution_id, source_case_id=source_case_id,
                          article=article, facts=facts, opened_on=on)
    s.add(pending)
    return pending


THIRD_FAIL_ARTICLE = "第二十三条（十）"


def third_fail_key(institution_id: int, year: int) -> str:
    """第二十三条（十）: ONE procedure per institution and calendar year, whichever path notices the
    third 不合格 first — the daily inspection's follow-up or the daily sweep — both open the
    sanction case under this key (the table's unique key), so one 告知书 goes out."""
    return f"fails:{institution_id}:{year}"


def open_third_fail_case(s: Session, pending: PendingCase, agency_id: str, year: int) -> SanctionCase:
    """The daily inspection's path: the sanction case of the year's third 不合格, bound to its
    pending case. If the sweep opened it first, the pending case joins that one (a run started
    from either number reaches the same case; a second run is refused)."""
    s.flush()  # the pending case's id
    key = third_fail_key(pending.institution_id, year)
    case = s.exec(select(SanctionCase).where(SanctionCase.key == key)).first()
    if case is None:
        try:
            with s.begin_nested():  # the sweep may insert the same key at the same moment
                case = SanctionCase(key=key, institution_id=pending.institution_id, agency_id=agency_id,
                                    finding_case="23.10", facts=pending.facts, source="daily_inspection",
                                    opened_on=pending.opened_on, pending_case_id=pending.id)
                s.add(case)
        except IntegrityError:
            case = s.exec(select(SanctionCase).where(SanctionCase.key == key)).one()
    if case.pending_case_id is None:
        case.pending_case_id = pending.id
        s.add(case)
    if case.pending_case_id == pending.id and case.status != "pending":
        pending.status = "closed" if case.status in ("closed", "dropped", "reported") else "in_progress"
        s.add(pending)
    return case
