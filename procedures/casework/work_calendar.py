"""The working calendar procedures use: the shipped one plus the years staff declared.

`regulation.calendar` stays pure (it is given the declared years as data); this module reads
them from the database. The calendar is cached on the table's newest row id, so one cheap
query per use tells every process — a flow, the portal, the sweep — of a new declaration.
"""

from pathlib import Path

from sqlalchemy import func
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from adapters import clock
from adapters.db import database_url, session_scope
from models import CalendarDeclaration
from regulation.calendar import DeclaredYear, WorkingCalendar, default_calendar

_cache: dict[tuple[str, int | None], WorkingCalendar] = {}


def declared_years(s: Session) -> tuple[DeclaredYear, ...]:
    """Each declared year's newest declaration, as calendar data."""
    newest: dict[int, CalendarDeclaration] = {}
    for row in s.exec(select(CalendarDeclaration).order_by(CalendarDeclaration.id)):
        newest[row.year] = row
    return tuple(DeclaredYear(r.year, r.off_dates(), r.work_dates(), declaration_source(r))
                 for _, r in sorted(newest.items()))


def declaration_source(row: CalendarDeclaration) -> str:
    title = f"《{row.notice_title}》" if row.notice_title else ""
    return f"{row.declared_by}于{row.declared_at.astimezone(clock.tz()):%Y-%m-%d %H:%M}录入，依据{title}（{row.notice_number}）"


def current_calendar(s: Session | None = None) -> WorkingCalendar:
    """The calendar with every declared year. A database not created yet (a fresh clone's CLI)
    has none: the shipped calendar, and no empty database file is left behind."""
    url = database_url()
    if s is None and url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return default_calendar()
    if s is not None:
        return _cached(s, url)
    try:
        with session_scope() as own:
            return _cached(own, url)
    except DBAPIError:  # the table is not there yet (database not upgraded): nothing declared
        return default_calendar()


def _cached(s: Session, url: str) -> WorkingCalendar:
    key = (url, s.exec(select(func.max(CalendarDeclaration.id))).one())
    cal = _cache.get(key)
    if cal is None:
        cal = _cache[key] = default_calendar(declared_years(s)) if key[1] is not None else default_calendar()
    return cal
