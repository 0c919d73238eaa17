"""Working days: mainland China's official calendar (第十七条 "2个工作日").

Statutory holidays and the announced 调休 make-up working days come from the
`holidays` package; `data/calendar-overrides.yaml` adds late-announced days and may
declare a whole year's schedule. A year with no official schedule is an error that
names the year: a weekends-only guess would silently move legal deadlines.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import holidays
from holidays.countries.china import ChinaStaticHolidays

from regulation.data_files import load_yaml

ARTICLE = "第十七条"


class CalendarDataMissing(LookupError):
    """No official working-day schedule is known for `year`."""

    def __init__(self, year: int):
        super().__init__(
            f"{year}年的全国节假日安排（含调休上班日）尚未载入：请更新 holidays 包，"
            f"或在 regulation/data/calendar-overrides.yaml 中声明 {year} 年的安排"
        )
        self.year = year


@dataclass(frozen=True)
class CalendarOverrides:
    official_years: frozenset[int] = frozenset()
    holidays: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()

    @classmethod
    def from_mapping(cls, data: dict) -> "CalendarOverrides":
        def dates(rows: Iterable[dict]) -> frozenset[date]:
            return frozenset(_as_date(r["date"]) for r in rows or ())

        return cls(
            official_years=frozenset(int(y) for y in data.get("official_years") or ()),
            holidays=dates(data.get("holidays")),
            working_days=dates(data.get("working_days")),
        )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass
class WorkingCalendar:
    """Answers working-day questions for mainland China; immutable rules, cached years."""

    overrides: CalendarOverrides = field(default_factory=CalendarOverrides)

    def __post_init__(self):
        self._years: dict[int, holidays.HolidayBase] = {}
        self._official_years = frozenset(ChinaStaticHolidays.special_public_holidays) | (
            self.overrides.official_years
        )

    def _china(self, year: int) -> holidays.HolidayBase:
        cached = self._years.get(year)
        if cached is None:
            if year not in self._official_years:
                raise CalendarDataMissing(year)
            cached = self._years[year] = holidays.China(years=year)
        return cached

    def is_working_day(self, day: date) -> bool:
        cn = self._china(day.year)
        if day in self.overrides.working_days:
            return True
        if day in self.overrides.holidays or day in cn:
            return False
        if day in cn.weekend_workdays:
            return True
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n >= 1); n == 0 returns `start` itself."""
        if n < 0:
            raise ValueError("n 不能为负数")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: 0 when end <= start."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar with the project's override file applied."""
    return WorkingCalendar(CalendarOverrides.from_mapping(load_yaml("calendar-overrides.yaml")))
