"""Internal coverage (内督, 第十六条 全覆盖) over a province-year: what `internal-supervision-report`
and `supervise internal coverage` compute.

The year: 2,000 institutions (1,900 city-filed across the 16 cities, 100 province-filed), 60,000
sessions, 57,000 internal sessions (1,000 naming their agency), 55,000 internal records (1 in 20
不合格 with its follow-up done, pending or overdue; 1 in 7 late), 3,000 external records on
recorded sessions (1 in 4 不合格), confirmed. `procedures.internal.coverage.coverage` for the
provincial centre (every institution) and for one city (济南, CITY-A), on SQLite and, when the
PostgreSQL binaries are installed, on PostgreSQL.

Goal: < 2 s per report. Printed: the time (first call, then the best of three) and its ratio to
the goal. `python -m bench.internal_coverage_bench [sqlite|postgres]` runs one database.
"""

import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

YEAR_START, YEAR_END, AS_OF = date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 20)
INSTITUTIONS, SESSIONS, INTERNAL, RECORDS, EXTERNAL = 2_000, 60_000, 57_000, 55_000, 3_000
PROVINCE_FILED = 100
LETTERS = "ABCDEFGHJKLQNPMR"
GOAL_SECONDS = 2.0
BATCH = 5_000


def _rows(tz):
    """Every table's rows, as dicts for an executemany insert (the same rows on both databases)."""
    insts = [dict(id=i, name=f"评价机构{i}", filing_authority="province" if i <= PROVINCE_FILED else "city",
                  city_letter=None if i <= PROVINCE_FILED else LETTERS[i % 16], filing_number=f"F{i:06d}",
                  category="social_org", filed_on=date(2020, 1, 10), scope_occupations=[], scope_levels=[],
                  scope_regions=[], exam_sites=[], status="active", contact_email=f"i{i}@example.cn",
                  industry_code="", credit_code="", internal_contact_name="", internal_contact_email="")
             for i in range(1, INSTITUTIONS + 1)]
    sessions, internal, records = [], [], []
    for i in range(1, SESSIONS + 1):
        day = YEAR_START + timedelta(days=i % 365)
        start = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
        inst = 1 + i % INSTITUTIONS
        sessions.append(dict(id=i, batch_number=f"B{i:06d}", institution_id=inst, occupation="电工", level="四级",
                             form_kind="theory", region="", site="考点", starts_at=start,
                             ends_at=start + timedelta(hours=3), candidate_count=30, examiners=[],
                             internal_supervisors=[]))
        if i <= INTERNAL:
            internal.append(dict(id=i, session_id=i, institution_id=inst, agency_id="CITY-B" if i % 57 == 0 else None,
                                 status="recorded" if i <= RECORDS else "assigned", opened_on=day,
                                 record_due=day + timedelta(days=2), supervisor_ids=[], assigned_by="",
                                 record_due_reason="", missing_reported_on=day + timedelta(days=3)
                                 if RECORDS < i and i % 2 else None))
        if i <= RECORDS:
            failed = i % 20 == 0
            records.append(dict(
                id=i, internal_session_id=i, session_id=i, institution_id=inst, form_kind="theory", form_version="2022",
                submitted_by=1, submitted_on=day + timedelta(days=1), inspection_ended_on=day, stated_end_reason="",
                due_on=day + timedelta(days=2), late=i % 7 == 0, methods=["现场督导"], veto_answers={},
                item_answers={}, remarks={}, overall_evaluation="", supervisor_verdict="不合格" if failed else "合格",
                verdict="不合格" if failed else "合格", negative_count=0, item_count=23, veto_hits=[], failed_items=[],
                followup_due=day + timedelta(days=30) if failed else None,
                followup_on=day + timedelta(days=10) if failed and i % 3 == 0 else None, followup_text=""))
    cases = [dict(id=k, flow_run_id=f"run-{k}", session_id=k * 18, batch_number=f"B{k * 18:06d}", agency_id="PROV",
                  institution_id=1 + (k * 18) % INSTITUTIONS, opened_on=YEAR_START, status="closed", proposal={},
                  verifications=[], refusal_reason="", record_due_reason="", decision="", go_ahead_by="",
                  clock_offset_days=0) for k in range(1, EXTERNAL + 1)]
    external = [dict(id=k, case_id=k, form_kind="theory", form_version="2022", submitted_by=1,
                     submitted_on=YEAR_START, inspection_ended_on=YEAR_START, stated_end_reason="", late=False,
                     methods=[], veto_answers={}, item_answers={}, remarks={}, overall_evaluation="",
                     supervisor_verdict="", verdict="不合格" if k % 4 == 0 else "合格", confirmed_on=YEAR_START,
                     negative_count=0, item_count=23, veto_hits=[], failed_items=[], entered_by="")
                for k in range(1, EXTERNAL + 1)]
    return [("institution", insts), ("evaluation_session", sessions), ("internal_session", internal),
            ("internal_record", records), ("inspection_case", cases), ("inspection_record", external)]


def build(url: str) -> None:
    from sqlalchemy import text

    from adapters.clock import tz
    from adapters.db import get_engine, session_scope, upgrade
    from cli.demo_data import add_agencies
    from models import Supervisor

    upgrade(url)
    with session_scope(url) as s:
        add_agencies(s)
        s.add(Supervisor(id=1, name="督导", person_key="P1", kind="internal", card_code="S123456260001",
                         issuer="S123456", email="s@example.cn"))
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.tables
    with get_engine(url).begin() as conn:
        for name, rows in _rows(tz()):
            table = tables[name]
            known = set(table.c.keys())
            for k in range(0, len(rows), BATCH):
                conn.execute(table.insert(), [{c: v for c, v in r.items() if c in known} for r in rows[k:k + BATCH]])
        if url.startswith("postgresql"):
            for name in ("institution", "evaluation_session", "internal_session", "internal_record",
                         "inspection_case", "inspection_record"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    with get_engine(url).connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def _timed(url: str, agency_id: str):
    from adapters.db import session_scope
    from procedures.internal.coverage import coverage

    times, report = [], None
    for _ in range(4):
        with session_scope(url) as s:
            t0 = time.perf_counter()
            report = coverage(s, YEAR_START, YEAR_END, agency_id=agency_id, as_of=AS_OF)
            times.append(time.perf_counter() - t0)
    return times[0], min(times[1:]), report


def measure(kind: str, url: str) -> None:
    t0 = time.perf_counter()
    build(url)
    print(f"  {kind}: built in {time.perf_counter() - t0:.1f} s")
    for agency_id, label in (("PROV", "province (all institutions)"), ("CITY-A", "one city (CITY-A)")):
        first, best, report = _timed(url, agency_id)
        c = report.total.coverage
        print(f"  {kind:<10} {label:<28} first {first:.3f} s, best {best:.3f} s — ratio to goal "
              f"{best / GOAL_SECONDS:.2f} ({'OK' if max(first, best) < GOAL_SECONDS else 'MISSED'}); "
              f"{len(report.rows)} institutions, {c.sessions:,} sessions, {c.recorded:,} recorded, "
              f"{c.missing:,} missing, {len(report.flagged)} flagged")


def main(kinds=("sqlite", "postgres")) -> None:
    from tests.app_env import app_env
    from tests.postgres_server import PostgresServer, find_bin_dir

    print(f"Internal coverage over a province-year ({SESSIONS:,} sessions, {INSTITUTIONS:,} institutions, "
          f"{RECORDS:,} internal records, {EXTERNAL:,} external records); goal < {GOAL_SECONDS:.0f} s:")
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
                    measure("PostgreSQL", pg.create_database("coverage"))
                finally:
                    pg.stop()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("sqlite", "postgres"))
