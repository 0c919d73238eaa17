"""The desk's 统计 page and its downloads (issue 18 part 3): every table of `statistics.compute`
beside its chart (inline SVG) and a link to its CSV. The portal's `/desk/stats` route renders
`desk/stats.html.j2` with `render_stats_page(...)` and serves `stats_csv(...)` at
`/desk/stats.csv`; both take the signed-in staff member's agency as the viewer (第五条 scopes,
第八条 personal figures: statistics_scope).
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session, select

from adapters import charts, clock
from models import Agency
from procedures.desk.statistics import compute
from procedures.desk.statistics_scope import StatisticsError
from procedures.desk.statistics_tables import Statistics, Table
from regulation.cards import CITY_NAMES

CSV_PATH = "/desk/stats.csv"
CHART_ROWS = 20  # a longer table (every supervisor of a pool) is drawn for its first rows only


@dataclass(frozen=True)
class Panel:
    table: Table
    svg: str  # "" when the table has nothing to draw
    csv_url: str


def chart_of(table: Table):
    """The table's bar chart (the columns it names, against column 0; no 合计 row), or None."""
    rows = [r for r in table.rows if r[0] != "合计"]
    title = table.title if len(rows) <= CHART_ROWS else f"{table.title}（前{CHART_ROWS}行）"
    rows = rows[:CHART_ROWS]
    if not table.chart or not rows:
        return None
    series = {table.columns[i]: [r[i] if isinstance(r[i], int | float) else 0 for r in rows] for i in table.chart}
    if not any(any(v) for v in series.values()):
        return None
    return charts.bar_chart(title, [str(r[0]) for r in rows], series)


def warm() -> None:
    """Import matplotlib and draw one chart (its font cache, ~1–2 s once) before the first request."""
    charts.to_svg(charts.bar_chart("预热", ["甲"], {"数": [1]}))


def scope_choices(s: Session, viewer_id: str) -> list[tuple[str, str]]:
    """(code, label) of every scope the viewer may read (statistics_scope.may_read)."""
    viewer = s.get(Agency, viewer_id)
    if viewer is None:
        return []
    if viewer.level == "province":
        cities = s.exec(select(Agency.city_letter).where(Agency.level == "city").order_by(Agency.id)).all()
        return [("province", "全省"), *[(f"city:{c}", CITY_NAMES.get(c, c)) for c in cities if c],
                (f"agency:{viewer.id}", f"{viewer.name}（本机构）")]
    own = [(f"city:{viewer.city_letter}", CITY_NAMES.get(viewer.city_letter, viewer.city_letter))] \
        if viewer.level == "city" and viewer.city_letter else []
    return [*own, (f"agency:{viewer.id}", f"{viewer.name}（本机构）")]


def period_choices(today: date) -> list[tuple[str, str]]:
    years = [(str(y), f"{y}年") for y in (today.year, today.year - 1)]
    quarters = [(f"{today.year}-Q{q}", f"{today.year}年第{'一二三四'[q - 1]}季度") for q in range(1, 5)]
    months = [(f"{today.year}-{m:02d}", f"{today.year}年{m}月") for m in range(1, today.month + 1)]
    return years + quarters + months


def _query(stats: Statistics, **more) -> str:
    return urlencode({"period": stats.period.code, "scope": stats.scope.code, **more})


def render_stats_page(s: Session, viewer_id: str, period_code: str | None = None, scope_code: str | None = None,
                      as_of: date | None = None) -> dict:
    """The page's context: the figures, one panel per table (chart + table + CSV link), the
    choices of period and scope, or `error` (Chinese, naming the field) with the choices only."""
    today = as_of or clock.today()
    context = {"periods": period_choices(today), "scopes": scope_choices(s, viewer_id),
               "period_code": period_code or str(today.year), "scope_code": scope_code or "", "error": "",
               "stats": None, "panels": [], "report_url": ""}
    try:
        stats = compute(s, viewer_id, period_code or str(today.year), scope_code, as_of=today)
    except StatisticsError as e:
        return context | {"error": str(e)}
    panels = []
    for table in stats.tables:
        fig = chart_of(table)
        panels.append(Panel(table, charts.to_svg(fig) if fig is not None else "",
                            f"{CSV_PATH}?{_query(stats, table=table.key)}"))
    return context | {"stats": stats, "panels": panels, "period_code": stats.period.code,
                      "scope_code": stats.scope.code,
                      "report_url": f"/desk/report.docx?{_query(stats)}" if stats.period.kind == "year" else ""}


def stats_csv(s: Session, viewer_id: str, period_code: str, scope_code: str | None, key: str,
              as_of: date | None = None) -> tuple[str, bytes]:
    """(file name, CSV bytes) of one table, with the same numbers as the page."""
    stats = compute(s, viewer_id, period_code, scope_code, as_of=as_of)
    table = next((t for t in stats.tables if t.key == key), None)
    if table is None:
        raise StatisticsError(f"统计表：没有名为“{key}”的统计表")
    return f"{stats.period.code}-{stats.scope.code.replace(':', '-')}-{table.key}.csv", \
        charts.csv_bytes(table.columns, table.rows)
