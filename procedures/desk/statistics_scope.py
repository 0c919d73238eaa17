"""What a statistic covers: the period (month, quarter, year) and the scope (the province, a city,
an agency — the levels of 第五条), and who may see which.

- Period: `2026`, `2026-Q1`, `2026-03`; sessions count by their scheduled start in the period.
- Scope: `province` (every institution), `city:A` (the institutions the city's agency is
  responsible for, 第十一条), `agency:X` (those agency X is responsible for, plus what it did
  itself — a third party acts only where it is named, 第五条). The provincial centre may read every
  scope; a city agency its city and itself; a third party itself.
- Personal statistics (a supervisor's load, their draws) only for the agency that appointed them
  (the card's issuer, 第十条; 第八条 confidentiality): `personal_condition`.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import false, or_, true
from sqlmodel import Session, col, select

from adapters import clock
from models import Agency, Supervisor
from procedures.casework.dispatching import responsible_for
from regulation.cards import CITY_NAMES

QUARTERS = "一二三四"


class StatisticsError(ValueError):
    """A request that cannot be answered: the reason in Chinese, naming the field."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    start: date
    end: date
    label: str
    code: str  # as typed: 2026, 2026-Q1, 2026-03

    def midnights(self) -> tuple[datetime, datetime]:
        """[start, end + 1 day) as Beijing-time datetimes, for EvaluationSession.starts_at."""
        after = self.end + timedelta(days=1)
        return (datetime(self.start.year, self.start.month, self.start.day, tzinfo=clock.tz()),
                datetime(after.year, after.month, after.day, tzinfo=clock.tz()))


def parse_period(text: str) -> Period:
    """`2026` (a year), `2026-Q2` (a quarter), `2026-03` (a month)."""
    code = (text or "").strip().upper()
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|\d{2}))?", code)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise StatisticsError(f"统计期间：“{text}”无法识别，应为年份（2026）、季度（2026-Q1）或月份（2026-03）")
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        return Period("year", date(year, 1, 1), date(year, 12, 31), f"{year}年", code)
    if part.startswith("Q"):
        q = int(part[1])
        end = date(year, 3 * q, 1) + timedelta(days=31)
        return Period("quarter", date(year, 3 * q - 2, 1), end.replace(day=1) - timedelta(days=1),
                      f"{year}年第{QUARTERS[q - 1]}季度", code)
    month = int(part)
    if not 1 <= month <= 12:
        raise StatisticsError(f"统计期间：月份“{part}”不存在，应为01至12")
    after = (date(year, month, 28) + timedelta(days=4)).replace(day=1)
    return Period("month", date(year, month, 1), after - timedelta(days=1), f"{year}年{month}月", code)


@dataclass(frozen=True)
class Scope:
    kind: str  # province | city | agency
    agency: Agency | None  # the city's agency, or the agency; None for the province
    label: str
    code: str  # province | city:A | agency:X

    def institutions(self):
        """SQL condition on Institution: the institutions in scope (第十一条)."""
        return true() if self.agency is None else responsible_for(self.agency)

    def acting(self, agency_column):
        """SQL condition for a row with an acting agency (a case, a draw): in scope by its
        institution (needs Institution joined), or done by the scope's agency itself."""
        if self.agency is None:
            return true()
        if self.kind == "agency":
            return or_(self.institutions(), agency_column == self.agency.id)
        return self.institutions()

    def own(self, agency_column):
        """SQL condition on an agency column (Draw.agency_id, Supervisor.issuer): the scope's own
        agency (a city: its agency), or any for the province."""
        return true() if self.agency is None else agency_column == self.agency.id


def _agency(s: Session, agency_id: str, field: str) -> Agency:
    agency = s.get(Agency, (agency_id or "").strip())
    if agency is None:
        raise StatisticsError(f"{field}：没有编码为“{agency_id}”的委派机构")
    return agency


def resolve_scope(s: Session, viewer_id: str, code: str | None = None) -> Scope:
    """The scope `code` names, when the viewing agency may read it (第五条); blank: the viewer's own
    (the province for the provincial centre, its city for a city agency, itself otherwise)."""
    viewer = _agency(s, viewer_id, "查看机构")
    code = (code or "").strip()
    if not code:
        code = ("province" if viewer.level == "province"
                else f"city:{viewer.city_letter}" if viewer.level == "city" and viewer.city_letter
                else f"agency:{viewer.id}")
    kind, _, arg = code.partition(":")
    if kind == "province" and not arg:
        scope = Scope("province", None, "全省", "province")
    elif kind == "city" and arg.strip().upper() in CITY_NAMES:
        letter = arg.strip().upper()
        city = s.exec(select(Agency).where(Agency.level == "city", Agency.city_letter == letter)).first()
        if city is None:
            raise StatisticsError(f"统计范围：{CITY_NAMES[letter]}（{letter}）没有登记委派机构")
        scope = Scope("city", city, CITY_NAMES[letter], f"city:{letter}")
    elif kind == "agency" and arg.strip():
        agency = _agency(s, arg, "统计范围")
        scope = Scope("agency", agency, agency.name, f"agency:{agency.id}")
    else:
        raise StatisticsError(f"统计范围：“{code}”无法识别，应为 province、city:字母 或 agency:机构编码")
    if not may_read(viewer, scope):
        raise StatisticsError(f"统计范围：{viewer.name}无权查看“{scope.label}”的统计（第五条：只能查看本机构的范围）")
    return scope


def may_read(viewer: Agency, scope: Scope) -> bool:
    if viewer.level == "province":
        return True
    if scope.agency is None:
        return False
    if scope.kind == "agency":
        return scope.agency.id == viewer.id
    return viewer.level == "city" and scope.agency.id == viewer.id


def personal_condition(viewer_id: str):
    """SQL condition on Supervisor: the supervisors whose personal figures the viewer may read —
    those it appointed (its cards, 第十条)."""
    return col(Supervisor.issuer) == viewer_id if viewer_id else false()
