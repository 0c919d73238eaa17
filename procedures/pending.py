"""Pending cases: findings waiting for a later procedure (special inspection, sanction)."""

from datetime import date

from sqlmodel import Session, select

from models import PendingCase


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
