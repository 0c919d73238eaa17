"""The desk's morning mail (issue 18 part 2): at 07:30 Beijing time, once per working day, each
agency gets its 待办 in short — staff steps waiting, overdue items, deadlines of the next 5
working days — with a link to the desk. Idempotent per agency and day (the outbox key); a day
off sends nothing; an agency with nothing to do gets no mail. 第五条: each agency the list its
desk shows (a city with its third parties' cases, the provincial centre every city's; the mail
lists the first 20 of each section, the desk the rest).
"""

from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email
from models import Agency
from procedures.casework.work_calendar import current_calendar
from procedures.desk.auth import visible_agencies
from procedures.desk.todo import Todo, todo
from regulation.calendar import CalendarDataMissing

SHOWN = 20  # lines per section in the mail; the desk has the rest


def is_working_day(s: Session, day: date) -> bool | None:
    try:
        return current_calendar(s).is_working_day(day)
    except CalendarDataMissing:
        return None


def mail_key(agency_id: str, day: date) -> str:
    return f"desk-morning:{agency_id}:{day.isoformat()}"


def _sections(listing: Todo) -> dict[str, list]:
    return {kind: [i for i in listing.items if i.kind == kind] for kind in ("overdue", "step", "deadline")}


def send_morning_mail(day: date, runs: list, prefect_down: bool = False) -> tuple[str, list[int]]:
    """Queue each agency's morning mail for `day`; returns a summary line for the run's log and
    the queued messages' ids (to send now)."""
    ids: list[int] = []
    with session_scope() as s:
        working = is_working_day(s, day)
        if working is False:
            return f"{day} 非工作日：不发送待办晨报", ids
        quiet = 0
        desk_url = get_settings().resolved_portal_url() + "/desk"
        for agency in s.exec(select(Agency).order_by(Agency.id)):
            scope = visible_agencies(s, agency)
            listing = todo(s, day, scope, runs)
            if not listing.items:
                quiet += 1
                continue
            sections = _sections(listing)
            subject, text, html = render_email(
                "desk_morning", agency_name=agency.name, day=day, sections=sections, shown=SHOWN,
                horizon=listing.horizon, desk_url=desk_url, prefect_down=prefect_down,
                calendar_unknown=working is None)
            ids.append(enqueue(s, mail_key(agency.id, day), agency.email, "agency", subject, text, html))
    return f"{day} 待办晨报：{len(ids)} 个机构有待办（已排入发件箱），{quiet} 个机构无待办未发送", ids
