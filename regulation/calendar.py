"""Working days: mainland China's official calendar (第十七条 "2个工作日").

Statutory holidays and the announced 调休 make-up working days come from the
`holidays` package; `data/calendar-overrides.yaml` (shipped with the code) adds
late-announced days and may declare a whole year's schedule; a year staff declared from the
State Council's notice (`supervise calendar declare`, stored in the database) is passed in as
`DeclaredYear` data and replaces the package's guess for that year. A year with no official
schedule is an error that names the year: a weekends-only guess would silently move legal
deadlines. This module reads no database: the caller passes the declared years in.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

from regulation.data_files import load_yaml

if TYPE_CHECKING:
    import holidays

ARTICLE = "第十七条"


class CalendarDataMissing(LookupError):
    """No official working-day schedule is known for `year`."""

    def __init__(self, year: int):
        # Read by staff (forms, mails, case files): what is missing and who fixes it, no code.
        super().__init__(
            f"{year}年的法定节假日安排尚未录入，期限待定；请管理员用 supervise calendar declare 录入"
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


@dataclass(frozen=True)
class DeclaredYear:
    """A year's official schedule as staff declared it from the State Council's notice
    (国务院办公厅关于XXXX年部分节假日安排的通知): every day off (放假, weekends inside a holiday
    included or not: a weekend is off anyway) and every make-up working day (调休上班)."""

    year: int
    days_off: frozenset[date]
    working_days: frozenset[date]
    source: str = ""  # who declared it, from which notice: shown by `supervise calendar show`


def declaration_problems(year: int, days_off: Iterable[date], working_days: Iterable[date]) -> list[tuple[date | None, str]]:
    """What makes a declaration unusable, in Chinese, each with the day it concerns: a day
    outside the year, a day both off and worked, a make-up working day that is not a Saturday
    or Sunday (a weekday is a working day already: such a row is a typing error), no day off."""
    off, work = set(days_off), set(working_days)
    problems = [(d, f"{d} 不在{year}年内") for d in sorted(off | work) if d.year != year]
    problems += [(d, f"{d} 既列为放假日又列为调休上班日") for d in sorted(off & work)]
    problems += [(d, f"{d} 为星期{'一二三四五'[d.weekday()]}，本来就是工作日，不能列为调休上班日（调休上班日应为周六或周日）")
                 for d in sorted(work) if d.weekday() < 5]
    if not off:
        problems.append((None, f"{year}年：未列出任何放假日"))
    return problems


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _package():
    """The `holidays` package, imported on first use, not with this module: importing its China
    module imports every country's (about 120 ms of CPU), and each leg of a run is a new process
    that imports this module through the settings while most legs compute no working day."""
    import holidays

    return holidays


def _china_static():
    from holidays.countries.china import ChinaStaticHolidays

    return ChinaStaticHolidays


@dataclass
class WorkingCalendar:
    """Answers working-day questions for mainland China; immutable rules, cached years."""

    overrides: CalendarOverrides = field(default_factory=CalendarOverrides)
    declared: tuple[DeclaredYear, ...] = ()

    def __post_init__(self):
        self._years: dict[int, holidays.HolidayBase] = {}
        self._declared = {d.year: d for d in self.declared}
        self._official_years = frozenset(_china_static().special_public_holidays) | (
            self.overrides.official_years
        ) | frozenset(self._declared)

    def source_of(self, year: int) -> str:
        """Where the year's schedule comes from, in Chinese (`supervise calendar show`)."""
        if year in self._declared:
            return f"工作人员录入：{self._declared[year].source}"
        if year in self.overrides.official_years:
            return "随程序发布的日历补充文件（regulation/data/calendar-overrides.yaml）"
        if year in _china_static().special_public_holidays:
            return f"holidays 包 {_package().__version__}"
        raise CalendarDataMissing(year)

    def schedule(self, year: int) -> tuple[list[tuple[date, str]], list[tuple[date, str]]]:
        """The year's weekday days off and its make-up working days, each with its name."""
        if year in self._declared:
            d = self._declared[year]
            return ([(x, "放假") for x in sorted(d.days_off) if x.weekday() < 5],
                    [(x, "调休上班") for x in sorted(d.working_days)])
        cn = self._china(year)
        names = _package().China(years=year, language="zh_CN")
        off = {x: names.get(x, n) for x, n in cn.items() if x.weekday() < 5}
        off |= {x: "放假（补充文件）" for x in self.overrides.holidays if x.year == year and x.weekday() < 5}
        work = {x: "调休上班" for x in cn.weekend_workdays if x.year == year}
        work |= {x: "调休上班（补充文件）" for x in self.overrides.working_days if x.year == year}
        return ([(x, off[x]) for x in sorted(off) if x not in work], [(x, work[x]) for x in sorted(work)])

    def _china(self, year: int) -> "holidays.HolidayBase":
        cached = self._years.get(year)
        if cached is None:
            if year not in self._official_years:
                raise CalendarDataMissing(year)
            cached = self._years[year] = _package().China(years=year)
        return cached

    def is_working_day(self, day: date) -> bool:
        declared = self._declared.get(day.year)
        if declared is not None:  # the notice as staff declared it is the whole schedule
            return day in declared.working_days or (day.weekday() < 5 and day not in declared.days_off)
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

    def next_working_day_from(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: 0 when end <= start."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


@cache
def default_calendar(declared: tuple[DeclaredYear, ...] = ()) -> WorkingCalendar:
    """The calendar with the project's override file applied and the declared years (data the
    caller read; procedures pass the database's, keyed so a new declaration is a new calendar)."""
    return WorkingCalendar(CalendarOverrides.from_mapping(load_yaml("calendar-overrides.yaml")), declared)
