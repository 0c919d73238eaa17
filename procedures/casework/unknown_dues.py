"""A deadline that falls in a year with no official calendar yet (第十七条, 附件4, and every
window of the special inspection and the sanctions): never a crash, never a guess.

The one shared rule, as the daily inspection has it: the end is stored as unknown with the
reason, the person is told 「期限待定」 in the letter, the agency's administrator is told once
per agency and year (keyed mail), and the daily sweep computes the date as soon as the year is
declared (`supervise calendar declare`) and tells the person the date.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from sqlmodel import Session

from adapters.mailer import enqueue
from adapters.templates import chinese_date, render_email
from models import Agency
from procedures.casework.work_calendar import current_calendar
from regulation.calendar import CalendarDataMissing, WorkingCalendar
from regulation.deadlines import add_calendar_months, calendar_days_due, period_last_day

PENDING = "期限待定"


def tell_admin(s: Session, agency: Agency, exc: CalendarDataMissing, what: str, case_label: str,
               case_id: int | None = None) -> None:
    """The agency's administrator, once per agency and year (the daily inspection's key)."""
    subject, text, html = render_email("calendar_missing", agency_name=agency.name, year=exc.year, reason=str(exc),
                                       what=what, case_label=case_label)
    enqueue(s, f"calendar-missing:{agency.id}:{exc.year}", agency.email, "agency", subject, text, html, case_id)


def due_or_unknown(s: Session, agency: Agency, compute: Callable[[WorkingCalendar], date], what: str,
                   case_label: str, case_id: int | None = None) -> tuple[date | None, str]:
    """(the due day, "") or (None, the reason) after telling the administrator once."""
    try:
        return compute(current_calendar(s)), ""
    except CalendarDataMissing as exc:
        tell_admin(s, agency, exc, what, case_label, case_id)
        return None, str(exc)


def words(due: date | None, reason: str = "") -> str:
    """A due day as a letter states it; an unknown one as 「期限待定」 with when it will be known
    (`reason`: the CalendarDataMissing text, which starts with the year)."""
    if due is not None:
        return chinese_date(due)
    year = reason[:4] if reason[:4].isdigit() else ""
    # read after 至 / 于…前 / 期限： in a letter, so a phrase for a day, not a status (「至期限待定」 is no Chinese)
    return f"另行通知的日期（{PENDING}，{year}年法定节假日安排公布后确定）" if year else f"另行通知的日期（{PENDING}）"


def tell_fixed(s: Session, key: str, to: str, kind: str, name: str, what: str, due: date,
               case_id: int | None = None) -> None:
    """The person whose letter said 「期限待定」, once the sweep computed the date."""
    subject, text, html = render_email("deadline_fixed", recipient_name=name, what=what, due=due)
    enqueue(s, f"deadline-fixed:{key}", to, kind, subject, text, html, case_id)


def staff_last_day(s: Session, typed: date) -> tuple[date | None, str]:
    """A last day typed by staff (a review's new 整改期限) under 民法典第二百零三条: (the day, "")
    when it is a working day; (the next working day, the note saying so) when it is a day off —
    Interpretation: moved, not refused, and the move said on the case and letter; (None, why)
    when its year has no official schedule yet (refused: the sweep could not tell when it ends)."""
    try:
        due = period_last_day(typed, current_calendar(s))
    except CalendarDataMissing as exc:
        return None, (f"{exc.year}年法定节假日安排尚未录入，无法确定{typed}是否为工作日；"
                      "请另选日期，或请管理员先录入该年度工作日历")
    if due == typed:
        return due, ""
    return due, f"（{typed}为法定休假日，依民法典第二百零三条顺延至{due}）"


def provisional_end(opened_on: date, working_days: int) -> date:
    """A bound no window of `working_days` working days can pass, whatever the unknown year's
    holidays (at most 5 working days a week, and a Golden Week or Spring Festival of 9 days off
    in a row): a portal link stays open until then while its window's end is 期限待定."""
    return date.fromordinal(opened_on.toordinal() + 2 * working_days + 30)


@dataclass(frozen=True)
class Period:
    """How a due day is counted, kept with a 期限待定 so the sweep can count it later: working
    days, calendar days or calendar months from `start` (the last two moved off a day off,
    民法典第二百零三条)."""

    start: date
    working_days: int = 0
    calendar_days: int = 0
    months: int = 0

    def due(self, cal: WorkingCalendar) -> date:
        if self.working_days:
            return cal.add_working_days(self.start, self.working_days)
        if self.months:
            return period_last_day(add_calendar_months(self.start, self.months), cal)
        return calendar_days_due(self.start, self.calendar_days, cal)

    def bound(self) -> date:
        """The latest the due day can be (a portal link's bound while it is unknown)."""
        if self.working_days:
            return provisional_end(self.start, self.working_days)
        nominal = add_calendar_months(self.start, self.months) if self.months else \
            date.fromordinal(self.start.toordinal() + self.calendar_days)
        return date.fromordinal(nominal.toordinal() + 30)

    def as_dict(self) -> dict:
        return asdict(self) | {"start": str(self.start)}

    @classmethod
    def from_dict(cls, d: dict) -> "Period":
        return cls(date.fromisoformat(d["start"]), d.get("working_days", 0), d.get("calendar_days", 0),
                   d.get("months", 0))


def pending_due(s: Session, agency: Agency, period: Period, what: str, case_label: str,
                case_id: int | None = None) -> tuple[date | None, dict | None]:
    """(the due day, None) or (None, what the sweep needs to compute it later: the period, the
    reason, what it is), after telling the administrator once per agency and year."""
    due, reason = due_or_unknown(s, agency, period.due, what, case_label, case_id)
    return (due, None) if due is not None else (None, {"period": period.as_dict(), "reason": reason, "what": what})


def fix_links(s: Session, case_kind: str, case_id: int, step_keys: list[str], step_prefixes: list[str],
              due: date, clock_offset_days: int = 0) -> None:
    """The portal links of a window whose end was 期限待定: their deadline becomes the computed
    day's end (real time: shifted back by the case's clock offset), so the form shows the real
    date and the link expires after it plus the usual grace days."""
    from datetime import datetime, time, timedelta

    from sqlalchemy import or_, update

    from adapters import clock
    from adapters.settings import get_settings
    from models import PortalLink

    deadline = datetime.combine(due - timedelta(days=clock_offset_days), time(23, 59), tzinfo=clock.tz())
    which = [PortalLink.step_key == k for k in step_keys] + [PortalLink.step_key.startswith(p) for p in step_prefixes]
    s.exec(update(PortalLink).where(PortalLink.case_kind == case_kind, PortalLink.case_id == case_id,
                                    PortalLink.accepted_at.is_(None), or_(*which))
           .values(deadline=deadline,
                   expires_at=deadline + timedelta(days=get_settings().portal_link_grace_days)))
