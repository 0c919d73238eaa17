"""The desk's statistics and the year's report over a province-year (issue 18 goals).

The year, generated inside the database (INSERT … SELECT over a recursive number series, the same
statements on SQLite and PostgreSQL — no row built in Python but the 2,000 institutions and 1,700
supervisors): 60,000 sessions, 15,000 daily inspections with 13,500 records (1 in 5 不合格, two
failed items each; 1 in 8 late), 15,000 draws of 2 from the agency's pool of 100 (30,000
dispatches), 3,000 sanction cases (1 in 3 a rectification), 600 special inspections, and
1,000,000 rows of the institutions' 监管档案 (InstitutionHistory) spread over 2023–2026.

Measured: `statistics.compute` for the provincial centre (the province) and for one city
(CITY-A) — goal < 2 s; the page with every chart (`render_stats_page`); the year's report
(.docx + .xlsx) for the province — goal < 30 s. The page is timed for information
(no goal of its own; `statistics_page.warm()` at the portal's start takes matplotlib's first cost). Printed: first call and best of three, and the
ratio to the goal. `python -m bench.desk_stats [sqlite|postgres]` runs one database.
"""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2027, 1, 20)
INSTITUTIONS, SESSIONS, HISTORY, SANCTIONS, SPECIALS, POOL = 2_000, 60_000, 1_000_000, 3_000, 600, 100
LETTERS = "ABCDEFGHJKLQNPMR"
AGENCIES = ("PROV", *[f"CITY-{c}" for c in LETTERS])
STATS_GOAL, REPORT_GOAL = 2.0, 30.0


class Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, dialect: str):
        self.pg = dialect == "postgresql"

    def day(self, days: str, base: str = "2026-01-01") -> str:
        return f"(DATE '{base}' + ({days})::int)" if self.pg else f"date('{base}', '+' || ({days}) || ' days')"

    def at(self, days: str, hours: int = 9) -> str:  # Beijing time; SQLite stores UTC text
        if self.pg:
            return f"(TIMESTAMPTZ '2026-01-01 {hours:02d}:00:00+08' + ({days}) * INTERVAL '1 day')"
        return f"strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01 {hours - 8:02d}:00:00', '+' || ({days}) || ' days')"

    def json(self, text: str) -> str:
        return f"CAST({text} AS JSON)" if self.pg else text

    def rand(self, n: int) -> str:
        """A random integer in [0, n)."""
        return f"CAST(floor(random() * {n}) AS INTEGER)" if self.pg else f"(abs(random()) % {n})"

    def flag(self, condition: str) -> str:
        return f"({condition})"


def _fill(table, given: dict, sql: Sql) -> dict:
    """Every NOT NULL column the statement does not give, with an empty value of its type."""
    from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary

    out = dict(given)
    for c in table.columns:
        if c.name in out or c.nullable or c.primary_key and c.name == "id":
            continue
        t = c.type
        out[c.name] = (sql.json("'[]'") if isinstance(t, JSON) else "false" if isinstance(t, Boolean) and sql.pg
                       else "0" if isinstance(t, Integer | Boolean) else sql.day("0") if isinstance(t, Date)
                       else sql.at("0") if isinstance(t, DateTime) else "''" if not isinstance(t, LargeBinary)
                       else "''")
    return out


def _insert(conn, sql: Sql, name: str, n: int, columns: dict, source: str = "seq", where: str = "") -> None:
    from sqlalchemy import text
    from sqlmodel import SQLModel

    cols = _fill(SQLModel.metadata.tables[name], columns, sql)
    series = f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n}) "
    names = ", ".join(f'"{c}"' for c in cols)  # quoted: "on" is a keyword
    conn.execute(text(f"INSERT INTO {name} ({names}) {series if source == 'seq' else ''}"
                      f"SELECT {', '.join(cols.values())} FROM {source}{f' WHERE {where}' if where else ''}"))


def build(url: str) -> None:
    from sqlalchemy import text

    from adapters.db import get_engine, session_scope, upgrade
    from cli.demo_data import add_agencies
    from models import AppointmentTerm, Institution, Supervisor

    upgrade(url)
    with session_scope(url) as s:
        add_agencies(s)
        s.add_all(Institution(id=i, name=f"评价机构{i}", filing_authority="province" if i <= 100 else "city",
                              city_letter=None if i <= 100 else LETTERS[i % 16], filing_number=f"F{i:06d}",
                              category="social_org", filed_on=date(2020, 1, 10), contact_email=f"i{i}@example.cn")
                  for i in range(1, INSTITUTIONS + 1))
        s.add_all(Supervisor(id=a * POOL + k, name=f"督导员{a * POOL + k}", person_key=f"P{a * POOL + k}",
                             kind="external", card_code=f"X{a:02d}{k:010d}", issuer=agency, email=f"s{k}@example.cn")
                  for a, agency in enumerate(AGENCIES) for k in range(1, POOL + 1))
        s.flush()
        s.add_all(AppointmentTerm(supervisor_id=a * POOL + k, start=date(2024 + k % 3, 1, 1),
                                  end=date(2026 + k % 3, 12, 31), assessment_passed=True)
                  for a in range(len(AGENCIES)) for k in range(1, POOL + 1))
    engine = get_engine(url)
    sql = Sql(engine.dialect.name)
    agency_of = "(CASE WHEN inst.filing_authority = 'province' THEN 'PROV' ELSE 'CITY-' || inst.city_letter END)"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_pool (agency_id VARCHAR(32) PRIMARY KEY, base INTEGER, codes TEXT)"))
        for a, agency in enumerate(AGENCIES):
            codes = ", ".join(f'"X{a:02d}{k:010d}"' for k in range(1, POOL + 1))
            conn.execute(text("INSERT INTO bench_pool VALUES (:a, :b, :c)"), {"a": agency, "b": a * POOL, "c": f"[{codes}]"})
        _insert(conn, sql, "evaluation_session", SESSIONS, {
            "id": "i", "batch_number": "'B' || i", "institution_id": f"1 + (i / 4) % {INSTITUTIONS}",
            "occupation": "'电工'", "level": "'四级'",
            "form_kind": "(CASE i % 3 WHEN 0 THEN 'theory' WHEN 1 THEN 'skill' ELSE 'review' END)",
            "site": "'考点'", "starts_at": sql.at("i % 365"), "ends_at": sql.at("i % 365", 12)})
        # one session in four is inspected, by the agency responsible for its institution (第十一条)
        _insert(conn, sql, "inspection_case", 0, {
            "id": "e.id / 4", "flow_run_id": "'run-' || e.id", "session_id": "e.id", "active_session_id": "e.id",
            "batch_number": "e.batch_number", "agency_id": agency_of, "institution_id": "e.institution_id",
            "opened_on": sql.day("e.id % 365"), "status": "'closed'"},
            "evaluation_session e JOIN institution inst ON inst.id = e.institution_id", "e.id % 4 = 0")
        _insert(conn, sql, "inspection_record", 0, {
            "case_id": "c.id", "form_kind": "e.form_kind", "form_version": "'2022'", "submitted_by": "1",
            "submitted_on": "c.opened_on", "inspection_ended_on": "c.opened_on", "late": sql.flag("c.id % 8 = 0"),
            "overall_evaluation": "''", "verdict": "(CASE WHEN c.id % 5 = 0 THEN '不合格' ELSE '合格' END)",
            "confirmed_on": "c.opened_on", "negative_count": "2", "item_count": "23",
            "failed_items": sql.json("'[' || (1 + c.id % 20) || ', ' || (1 + c.id * 7 % 20) || ']'")},
            "inspection_case c JOIN evaluation_session e ON e.id = c.session_id", "c.id % 10 <> 0")
        _insert(conn, sql, "draw", 0, {
            "id": "c.id", "session_id": "c.session_id", "agency_id": "c.agency_id", "drawn_on": "c.opened_on",
            "seed": "'seed'", "k": "2", "candidates": sql.json("p.codes"), "candidates_hash": "'pool-' || p.agency_id",
            "chosen": sql.json("'[]'")}, "inspection_case c JOIN bench_pool p ON p.agency_id = c.agency_id")
        # the draw's two: one at random from the pool, the other at random from the rest
        _insert(conn, sql, "dispatch", 0, {
            "session_id": "d.session_id", "supervisor_id": f"p.base + 1 + {sql.rand(POOL)}",
            "agency_id": "d.agency_id", "institution_id": "c.institution_id", "draw_id": "d.id",
            "dispatched_on": "d.drawn_on", "status": "'recorded'", "case_id": "c.id"},
            "draw d JOIN inspection_case c ON c.id = d.id JOIN bench_pool p ON p.agency_id = d.agency_id")
        _insert(conn, sql, "dispatch", 0, {
            "session_id": "x.session_id", "supervisor_id": f"p.base + 1 + (x.supervisor_id - p.base + {sql.rand(POOL - 1)}) % {POOL}",
            "agency_id": "x.agency_id", "institution_id": "x.institution_id", "draw_id": "x.draw_id",
            "dispatched_on": "x.dispatched_on", "status": "'recorded'", "case_id": "x.case_id"},
            "dispatch x JOIN bench_pool p ON p.agency_id = x.agency_id")
        _insert(conn, sql, "sanction_case", SANCTIONS, {
            "id": "i", "key": "'bench-' || i", "institution_id": f"1 + i * 13 % {INSTITUTIONS}", "agency_id": "'PROV'",
            "finding_case": "(CASE i % 4 WHEN 0 THEN '22.2' WHEN 1 THEN '21.1' WHEN 2 THEN '23.10' ELSE '27.1' END)",
            "facts": "'事实'", "source": "'daily_inspection'", "opened_on": sql.day("i % 330"),
            "decided_on": sql.day("i % 330 + 9"),
            "measure": "(CASE i % 3 WHEN 0 THEN 'rectification' WHEN 1 THEN 'improvement' ELSE 'interview' END)",
            "status": "(CASE WHEN i % 2 = 0 THEN 'closed' ELSE 'rectifying' END)",
            "rectification_due": sql.day("i % 330 + 100"),
            "resumed_on": f"(CASE WHEN i % 2 = 0 THEN {sql.day('i % 330 + 9 + i % 120')} END)"})
        _insert(conn, sql, "inspection_case", SPECIALS, {
            "id": "100000 + i", "flow_run_id": "'special-' || i", "batch_number": "''", "agency_id": "'PROV'",
            "institution_id": f"1 + i * 3 % {INSTITUTIONS}", "opened_on": sql.day("i % 360"), "status": "'open'"})
        _insert(conn, sql, "special_inspection", SPECIALS, {
            "case_id": "100000 + i", "origin": "(CASE i % 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'complaint' ELSE 'initiative' END)",
            "planned_start": sql.day("i % 360"), "planned_end": sql.day("i % 360 + 20"), "team_size": "3",
            "stage": "(CASE WHEN i % 2 = 0 THEN 'closed' ELSE 'findings' END)"})
        _insert(conn, sql, "institution_history", HISTORY, {
            "key": "'h-' || i", "institution_id": f"1 + i % {INSTITUTIONS}",
            "kind": "(CASE i % 5 WHEN 0 THEN 'interview' WHEN 1 THEN 'written_notice' WHEN 2 THEN 'improvement' "
                    "WHEN 3 THEN 'resumption' ELSE 'decision' END)",
            "on": sql.day(f"i % {4 * 365}", "2023-01-01"),
            "article": "(CASE i % 4 WHEN 0 THEN '第二十一条（一）' WHEN 1 THEN '第二十二条（二）' WHEN 2 THEN '第二十三条（十）' "
                       "ELSE '第二十七条（一）' END)", "sanction_case_id": f"(CASE WHEN i % 100 = 0 THEN 1 + i % {SANCTIONS} END)",
            "number": "''", "text": "''"})
        if sql.pg:
            for name in ("evaluation_session", "inspection_case", "inspection_record", "draw", "dispatch",
                         "sanction_case", "special_inspection", "institution_history", "institution", "supervisor",
                         "appointment_term"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _best(fn, runs: int = 3):
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, min(times), result


def _line(kind: str, label: str, first: float, best: float, goal: float, extra: str = "") -> None:
    print(f"  {kind:<10} {label:<34} first {first:.3f} s, best {best:.3f} s — ratio to goal {best / goal:.2f} "
          f"({'OK' if max(first, best) < goal else 'MISSED'}){extra}")


def measure(kind: str, url: str) -> None:
    from adapters.db import session_scope
    from procedures.desk.statistics import compute
    from procedures.desk.statistics_page import render_stats_page
    from procedures.desk.year_report import year_report

    t0 = time.perf_counter()
    build(url)
    print(f"  {kind}: built in {time.perf_counter() - t0:.1f} s")

    def stats(viewer):
        with session_scope(url) as s:
            return compute(s, viewer, "2026", None, as_of=AS_OF)

    for viewer, label in (("PROV", "statistics, province-year"), ("CITY-A", "statistics, one city (CITY-A)")):
        first, best, st = _best(lambda v=viewer: stats(v))
        cov, fair = st.table("coverage"), st.table("fairness")
        _line(kind, label, first, best, STATS_GOAL,
              f"; {cov.value('合计', '登记场次'):,} sessions, {cov.value('合计', '已督导场次'):,} inspected, "
              f"{sum(r[3] for r in st.table('measures').rows):,} measures, p {fair.value('p值', '数值')}")

    def page():
        with session_scope(url) as s:
            return render_stats_page(s, "PROV", "2026", None, as_of=AS_OF)

    first, best, context = _best(page, 1)  # no goal of its own: the statistics' plus drawing the charts
    print(f"  {kind:<10} {'page with every chart (province)':<34} first {first:.3f} s (matplotlib's import and "
          f"font cache included), then {best:.3f} s; {sum(1 for p in context['panels'] if p.svg)} charts")

    def report():
        with session_scope(url) as s:
            return year_report(s, "PROV", 2026, None, as_of=AS_OF)

    first, best, r = _best(report, 1)
    _line(kind, "year's report .docx + .xlsx", first, best, REPORT_GOAL,
          f"; {len(r.docx) / 1024:.0f} KiB docx, {len(r.xlsx) / 1024:.0f} KiB xlsx")


def main(kinds=("sqlite", "postgres")) -> None:
    from tests.app_env import app_env
    from tests.postgres_server import PostgresServer, find_bin_dir

    print(f"Desk statistics and the year's report over a province-year ({SESSIONS:,} sessions, {HISTORY:,} history "
          f"rows); goals < {STATS_GOAL:.0f} s (statistics), < {REPORT_GOAL:.0f} s (report):")
    with tempfile.TemporaryDirectory() as tmp:
        with app_env({"SUPERVISION_VAR_DIR": tmp}):
            if "sqlite" in kinds:
                measure("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")
            if "postgres" in kinds:
                if find_bin_dir() is None:
                    print("  PostgreSQL: not installed here, skipped")
                    return
                pg = PostgresServer()
                try:
                    pg.start()
                    measure("PostgreSQL", pg.create_database("desk"))
                finally:
                    pg.stop()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("sqlite", "postgres"))
