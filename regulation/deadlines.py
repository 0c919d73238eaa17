"""Legal deadlines: the record (第十七条), rectification (附件4), inactivity (第二十二/二十三条)."""

from dataclasses import dataclass
from datetime import date

import pendulum

from regulation.calendar import CalendarDataMissing, WorkingCalendar, default_calendar
from regulation.reasons import Reason

RECORD_WORKING_DAYS = 2  # 第十七条: 日常督导工作结束后2个工作日内
RECTIFICATION_MONTHS = 3  # 附件4: 限期3个月


@dataclass(frozen=True)
class Deadline:
    due: date
    reason: Reason

    def missed_by(self, day: date) -> bool:
        """Late when done after the due day (the due day itself is in time)."""
        return day > self.due


def add_calendar_months(day: date, months: int) -> date:
    """Same day number `months` later, clamped to that month's last day (附件4 interpretation).

    pendulum's month addition clamps exactly so (08-31 + 3 → 11-30; 02-29 + 12 → 02-28);
    the result is a plain `datetime.date`, as before.
    """
    moved = pendulum.Date(day.year, day.month, day.day).add(months=months)
    return date(moved.year, moved.month, moved.day)


def record_due(inspection_end: date, cal: WorkingCalendar | None = None) -> Deadline:
    """第十七条: the record form is due by the end of the 2nd working day after the inspection."""
    due = (cal or default_calendar()).add_working_days(inspection_end, RECORD_WORKING_DAYS)
    return Deadline(
        due,
        Reason("第十七条", f"督导于{inspection_end}结束，督导情况记录表应于{due}（第2个工作日）前提交"),
    )


def record_counted_from(scheduled_end: date, stated_end: date, reason: str) -> tuple[date, Reason | None]:
    """第十七条, Interpretation (RULES.md): the 2 working days count from the session's scheduled
    end. A supervisor may state a later end (data comparison after the session) only with a
    reason, which the agency sees. Returns the day counted from, or a Reason refusing the statement."""
    if stated_end <= scheduled_end:
        return scheduled_end, None
    if not reason.strip():
        return scheduled_end, Reason("第十七条", f"督导结束日期 {stated_end} 晚于评价活动计划结束日期（{scheduled_end}），"
                                               "须在“结束日期晚于计划的原因”中说明理由（如评价结束后进行数据比对）")
    return stated_end, None


def period_last_day(last_day: date, cal: WorkingCalendar | None = None) -> date:
    """民法典第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日.

    Interpretation (our reading, for every period counted in calendar months or calendar days:
    附件4's 3 months, the report dates of letters): a day off — a weekend or an official
    holiday — moves the last day to the next working day (a 调休 make-up Saturday is a working
    day). Periods counted in working days never end on a day off and are unchanged. Raises
    CalendarDataMissing when the last day's year has no official schedule yet."""
    return (cal or default_calendar()).next_working_day_from(last_day)


def moved_last_day(stored: date, cal: WorkingCalendar | None = None) -> date | None:
    """A last day stored before the 民法典第二百零三条 rule (or a day declared off afterwards):
    the day it moves to when it falls on a day off, None when it stands (or its year has no
    official schedule yet: kept until it has)."""
    try:
        due = period_last_day(stored, cal)
    except CalendarDataMissing:
        return None
    return due if due != stored else None


def calendar_days_due(letter_date: date, days: int, cal: WorkingCalendar | None = None) -> date:
    """The last day of a period of `days` calendar days from `letter_date`, moved off a day off
    (民法典第二百零三条)."""
    return period_last_day(date.fromordinal(letter_date.toordinal() + days), cal)


def report_due(letter_date: date, days: int, cal: WorkingCalendar | None = None) -> date:
    """The written report a 提醒函 or 质量通报 asks for (第十五条(一)4): `days` calendar days after
    the letter (Interpretation: the regulation sets no period; a setting, 30 by default), moved
    to the next working day when that day is a day off (民法典第二百零三条)."""
    return calendar_days_due(letter_date, days, cal)


def is_record_late(inspection_end: date, submitted_on: date, cal: WorkingCalendar | None = None) -> bool:
    """第十七条: late when submitted after the due day."""
    return record_due(inspection_end, cal).missed_by(submitted_on)


def rectification_deadline(notice_date: date, cal: WorkingCalendar | None = None) -> Deadline:
    """附件4: 限期3个月 — same day number three months later, clamped to the month's end; a last
    day that is a day off moves to the next working day (民法典第二百零三条): 2026-07-03 →
    2026-10-08 (National Day), 2026-11-30 → 2027-03-01 (02-28 is a Sunday)."""
    nominal = add_calendar_months(notice_date, RECTIFICATION_MONTHS)
    due = period_last_day(nominal, cal)
    moved = f"（{nominal}为法定休假日，依民法典第二百零三条顺延）" if due != nominal else ""
    return Deadline(due, Reason("附件4", f"整改通知书于{notice_date}发出，限期3个月，应于{due}前完成整改{moved}"))


@dataclass(frozen=True)
class InactivityFinding:
    last_evaluation: date | None
    as_of: date
    reasons: tuple[Reason, ...]

    @property
    def cases(self) -> tuple[str, ...]:
        """Case keys ("22.4", "23.7") that the inactivity reaches."""
        return tuple(_INACTIVITY_CASE[r.article] for r in self.reasons)


_INACTIVITY_CASE = {"第二十二条(四)": "22.4", "第二十三条(七)": "23.7"}


def inactivity(last_evaluation: date | None, filed_on: date, as_of: date) -> InactivityFinding:
    """第二十二条(四) one year, 第二十三条(七) two years without an evaluation.

    Interpretation: counted from the last evaluation, or from the filing date when the
    institution never evaluated; a threshold is reached on the anniversary itself (a full
    year has then passed with none). "无正当理由" is the agency's judgement, not the code's.
    """
    since = last_evaluation or filed_on
    reasons = []
    if as_of >= add_calendar_months(since, 12):
        reasons.append(Reason("第二十二条(四)", f"自{since}起一年内未开展评价活动"))
    if as_of >= add_calendar_months(since, 24):
        reasons.append(Reason("第二十三条(七)", f"自{since}起两年未开展评价"))
    return InactivityFinding(last_evaluation, as_of, tuple(reasons))


def overdue_from(due: date, cal: WorkingCalendar | None = None) -> date:
    """第十七条: a record still missing is reported overdue from the working day after its due day."""
    return (cal or default_calendar()).add_working_days(due, 1)


def record_overdue_from(inspection_end: date, cal: WorkingCalendar | None = None) -> date:
    return overdue_from(record_due(inspection_end, cal).due, cal)
