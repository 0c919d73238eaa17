"""统计: where the province, a city or an agency stands over a period (issue 18 part 3) — every
figure the desk shows, the CSV downloads and the year's report print, from one call.

Counted by the database (GROUP BY), never by looping over rows in Python: a province-year
(60,000 sessions, 1,000,000 history rows) in well under 2 s (bench/desk_stats.py).
- coverage: sessions registered (scheduled start in the period) and inspected (a 附件3 record
  filed by the dispatched supervisors, 第十五条（一）, 第十七条), by form kind (附件3);
- records: on time (第十七条) or late, 合格/不合格 (附件3 填写说明), by form kind;
- failed_items: the ten checklist items most often answered 否 (附件3);
- findings, measures, special, rectifications: statistics_cases (第十四条, 第十八条–第二十七条);
- plans: the random inspection plans' coverage, statistics_plans (第十五条 双随机);
- supervisors, fairness, load: statistics_people (第六条–第十三条; 第十条 随机抽取).
Scope and rights: statistics_scope (第五条, 第十一条; personal figures 第八条).
"""

from datetime import date

from sqlmodel import Session

from adapters import clock
from procedures.desk import statistics_cases, statistics_people, statistics_plans
from procedures.desk.statistics_scope import parse_period, resolve_scope
from procedures.desk.statistics_sessions import coverage, failed_items, records
from procedures.desk.statistics_tables import Statistics, Table

__all__ = ["Statistics", "Table", "compute"]


def compute(s: Session, viewer_id: str, period_code: str, scope_code: str | None = None,
            as_of: date | None = None) -> Statistics:
    """Every statistic of the period and scope the viewing agency asked for (and may read)."""
    period = parse_period(period_code)
    scope = resolve_scope(s, viewer_id, scope_code)
    as_of = as_of or clock.today()
    tables = (coverage(s, period, scope), records(s, period, scope), failed_items(s, period, scope),
              *statistics_cases.tables(s, period, scope, as_of), statistics_plans.plans(s, period, scope),
              *statistics_people.tables(s, period, scope, as_of, viewer_id))
    return Statistics(viewer_id.strip(), period, scope, as_of, tables)
