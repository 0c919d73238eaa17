"""Case numbers that run from 1 per agency, kind and year (issue 23.8): 专项督导-CITY-B-2026-1,
处理-CITY-A-2026-1. One counter row per (agency, kind, year), locked while it is advanced, so two
processes never hand out the same number; the tables' ids stay the internal keys."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import CaseCounter


def next_serial(s: Session, agency_id: str, kind: str, year: int) -> int:
    """The next serial of the series (1 for the first case of the year), in the caller's transaction."""
    query = select(CaseCounter).where(CaseCounter.agency_id == agency_id, CaseCounter.kind == kind,
                                      CaseCounter.year == year).with_for_update()
    counter = s.exec(query).first()
    if counter is None:
        try:
            with s.begin_nested():  # another process may create the year's row at the same moment
                counter = CaseCounter(agency_id=agency_id, kind=kind, year=year)
                s.add(counter)
        except IntegrityError:
            counter = s.exec(query).one()
    counter.last_serial += 1
    s.add(counter)
    s.flush()
    return counter.last_serial
