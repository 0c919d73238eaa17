"""The desk's 待办 page over a province-year (issue 18 goal: desk page p95 < 300 ms).

The year is bench.desk_stats's (60,000 sessions, 1,000,000 history rows, generated inside the
database), plus what makes a 待办: one inspection case in 49 still awaiting its record (第十七条),
due from 10 days before to 10 days after TODAY (306 cases: overdue ones and ones in the 5
working days); the 1,500 sanction cases in rectification (附件4) handled by the agency of their
institution (as the inspections are, 第十一条); one supervisor's term in 10 ending within 60 days
(第十条); and 300 runs waiting at a staff decision (the list adapters.orchestrator.waiting_runs
gives the page), spread over the agencies.

Measured: `procedures.desk.todo.todo` — the function portal/desk.py's /desk/todo calls — for a
city agency (CITY-A, its own cases and its third parties', 第五条) and for the provincial centre
(every city): p50 and p95 of 50 calls, each in its own database session as the portal does, and
the ratio of p95 to the goal. `python -m bench.desk_page [sqlite|postgres]` runs one database.
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.desk_stats import Sql, build

TODAY = date(2026, 12, 1)
CALLS, GOAL, OPEN_EVERY, WAITING = 50, 0.300, 49, 300  # 49: every city gets some


def open_the_year(url: str) -> None:
    """One inspection case in OPEN_EVERY awaiting its record, due around TODAY (±10 days); each
    sanction case with its institution's agency; one term in 10 ending in the next 60 days."""
    from sqlalchemy import text

    from adapters.db import get_engine

    engine = get_engine(url)
    sql = Sql(engine.dialect.name)
    day, ten_before = TODAY.isoformat(), (TODAY - timedelta(days=10)).isoformat()  # SQLite: '+-3 days' is NULL
    agency_of = ("(SELECT CASE WHEN inst.filing_authority = 'province' THEN 'PROV' ELSE 'CITY-' || inst.city_letter "
                 "END FROM institution inst WHERE inst.id = sanction_case.institution_id)")
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE inspection_case SET status = 'awaiting_record', record_due = "
                          f"{sql.day('id % 21', ten_before)} WHERE id < 100000 AND id % {OPEN_EVERY} = 0"))
        conn.execute(text(f"UPDATE sanction_case SET agency_id = {agency_of}"))
        conn.execute(text(f'UPDATE appointment_term SET "end" = {sql.day("id % 60", day)} WHERE id % 10 = 0'))
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def waiting_runs() -> list:
    """WAITING runs paused at a staff decision, each the run of one daily inspection case."""
    from adapters.orchestrator import WaitingRun

    since = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    return [WaitingRun(f"run-{4 * case_id}", f"daily-{case_id}", "daily-inspection", "decision-1", since, {})
            for case_id in range(24, 24 + OPEN_EVERY * WAITING, OPEN_EVERY)]


def measure(kind: str, url: str) -> None:
    from adapters.db import session_scope
    from models import Agency
    from procedures.desk.auth import visible_agencies
    from procedures.desk.todo import todo

    t0 = time.perf_counter()
    build(url)
    open_the_year(url)
    print(f"  {kind}: built in {time.perf_counter() - t0:.1f} s")
    runs = waiting_runs()
    for viewer, label in (("CITY-A", "待办, a city agency (CITY-A)"), ("PROV", "待办, the provincial centre")):
        with session_scope(url) as s:
            agencies = visible_agencies(s, s.get(Agency, viewer))
        times, found = [], None
        for _ in range(CALLS):
            t0 = time.perf_counter()
            with session_scope(url) as s:
                found = todo(s, TODAY, agencies, runs)
            times.append(time.perf_counter() - t0)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
        print(f"  {kind:<10} {label:<30} p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, max {max(times) * 1000:.1f} ms"
              f" — ratio to goal {p95 / GOAL:.2f} ({'OK' if p95 < GOAL else 'MISSED'}); {len(found.items)} items "
              f"({found.count('overdue')} overdue, {found.count('deadline')} deadlines, {found.count('step')} steps)")


def main(kinds=("sqlite", "postgres")) -> None:
    from tests.app_env import app_env
    from tests.postgres_server import PostgresServer, find_bin_dir

    print(f"Desk 待办 page over a province-year (60,000 sessions), {CALLS} calls each; goal p95 < {GOAL * 1000:.0f} ms:")
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
                    measure("PostgreSQL", pg.create_database("desk_page"))
                finally:
                    pg.stop()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("sqlite", "postgres"))
