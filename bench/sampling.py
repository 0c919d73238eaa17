"""A city's quarter drawn and approved (双随机, 第十五条): what the `sampling-plan` run does before and
at its approval form.

The quarter: 200 city-A institutions (10 suspended), 3,000 sessions from 2026-04-01 to 06-30, 600
earlier daily inspections of the last year (1 in 4 不合格), 20 open pending cases.
`procedures.sampling.plan.create_plan` (frame, weights, hash, seed, draw, 300 rows with their start
days) and `approve` (staff code, 5 strikes with reasons) for CITY-A at 10 % with a minimum of one
inspection per institution per year, on SQLite and, when the PostgreSQL binaries are installed, on
PostgreSQL.

Goal: drawn + approved < 2 s. Printed: each time, the total and its ratio to the goal.
`python -m bench.sampling [sqlite|postgres]` runs one database.
"""

import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

INSTITUTIONS, SESSIONS, EARLIER = 200, 3_000, 600
START, END, AS_OF = date(2026, 4, 1), date(2026, 6, 30), date(2026, 3, 20)
GOAL_SECONDS = 2.0


def _rows(tz):
    insts = [dict(id=i, name=f"评价机构{i}", filing_authority="city", city_letter="A", filing_number=f"F{i:06d}",
                  category="social_org", filed_on=date(2025, 9, 1) if i % 20 == 0 else date(2020, 1, 10),
                  scope_occupations=[], scope_levels=[], scope_regions=[], exam_sites=[],
                  status="suspended" if i % 20 == 1 else "active", contact_email=f"i{i}@example.cn",
                  industry_code="", credit_code="", internal_contact_name="", internal_contact_email="")
             for i in range(1, INSTITUTIONS + 1)]
    sessions = []
    for i in range(1, SESSIONS + EARLIER + 1):
        day = START + timedelta(days=i % 91) if i <= SESSIONS else START - timedelta(days=1 + i % 300)
        start = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
        sessions.append(dict(id=i, batch_number=f"B{i:06d}", institution_id=1 + i % INSTITUTIONS, occupation="电工",
                             level="四级", form_kind="theory", region="", site="考点", starts_at=start,
                             ends_at=start + timedelta(hours=3), candidate_count=30, examiners=[],
                             internal_supervisors=[]))
    cases = [dict(id=k, flow_run_id=f"run-{k}", session_id=SESSIONS + k, batch_number=f"B{SESSIONS + k:06d}",
                  agency_id="CITY-A", institution_id=1 + (SESSIONS + k) % INSTITUTIONS,
                  opened_on=START - timedelta(days=1 + (SESSIONS + k) % 300), status="closed", proposal={},
                  verifications=[], refusal_reason="", record_due_reason="", decision="", go_ahead_by="",
                  clock_offset_days=0) for k in range(1, EARLIER + 1)]
    records = [dict(id=k, case_id=k, form_kind="theory", form_version="2022", submitted_by=1, submitted_on=AS_OF,
                    inspection_ended_on=AS_OF, stated_end_reason="", late=False, methods=[], veto_answers={},
                    item_answers={}, remarks={}, overall_evaluation="", supervisor_verdict="",
                    verdict="不合格" if k % 4 == 0 else "合格", confirmed_on=AS_OF, negative_count=0, item_count=23,
                    veto_hits=[], failed_items=[], entered_by="") for k in range(1, EARLIER + 1)]
    pending = [dict(id=k, kind="sanction", institution_id=k * 7, source_case_id=k, article="第二十二条", facts="线索",
                    status="open", opened_on=AS_OF) for k in range(1, 21)]
    return [("institution", insts), ("evaluation_session", sessions), ("inspection_case", cases),
            ("inspection_record", records), ("pending_case", pending)]


def build(url: str) -> str:
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from adapters.clock import tz
    from adapters.db import get_engine, session_scope, upgrade
    from cli.demo_data import add_agencies
    from models import Supervisor
    from procedures.casework import staff

    upgrade(url)
    with session_scope(url) as s:
        add_agencies(s)
        s.add(Supervisor(id=1, name="督导", person_key="P1", kind="external", card_code="R3701A0001",
                         issuer="CITY-A", email="s@example.cn"))
        code = staff.add(s, "CITY-A", "王科长", "经办")[1]
    tables = SQLModel.metadata.tables
    with get_engine(url).begin() as conn:
        for name, rows in _rows(tz()):
            known = set(tables[name].c.keys())
            conn.execute(tables[name].insert(), [{c: v for c, v in r.items() if c in known} for r in rows])
        if url.startswith("postgresql"):
            for name in ("institution", "evaluation_session", "inspection_case", "inspection_record", "pending_case"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"))
    return code


def measure(kind: str, url: str) -> None:
    from adapters.db import session_scope
    from models import SamplingPlan
    from procedures.sampling.plan import approve, create_plan
    from tests.app_env import app_env

    code = build(url)
    with app_env({"SUPERVISION_DATABASE_URL": url}):
        t0 = time.perf_counter()
        plan = create_plan("bench-run", "CITY-A", str(START), str(END), 10, 0, 1, {}, AS_OF)
        drawn = time.perf_counter() - t0
        with session_scope() as s:
            chosen = s.get(SamplingPlan, plan.plan_id).chosen
        strikes = "\n".join(f"{b}：评价机构已取消该场次" for b in chosen[:5])
        t1 = time.perf_counter()
        outcome = approve(plan.plan_id, "approve-1", {"staff_code": code, "strikes": strikes})
        approved = time.perf_counter() - t1
        with session_scope() as s:
            p = s.get(SamplingPlan, plan.plan_id)
            size, frame, excluded = p.sample_size, p.frame_size, len(p.excluded)
    total = drawn + approved
    print(f"  {kind:<10} drawn {drawn:.3f} s + approved {approved:.3f} s = {total:.3f} s — ratio to goal "
          f"{total / GOAL_SECONDS:.2f} ({'OK' if total < GOAL_SECONDS and outcome.accepted else 'MISSED'}); "
          f"frame {frame:,}, excluded {excluded}, drawn {size}")


def main(kinds=("sqlite", "postgres")) -> None:
    from tests.app_env import app_env
    from tests.postgres_server import PostgresServer, find_bin_dir

    print(f"A city's quarter drawn and approved ({SESSIONS:,} sessions, {INSTITUTIONS} institutions, 10 %, "
          f"minimum 1 a year); goal < {GOAL_SECONDS:.0f} s:")
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
                    measure("PostgreSQL", pg.create_database("sampling"))
                finally:
                    pg.stop()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("sqlite", "postgres"))
