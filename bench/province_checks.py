"""A province-year (issue 20, part 5), step 3: what the peak left behind, read and checked.

- Each run's state history: its legs (one Running state each) and, after each submit through the
  portal and each decision, the run's next states (the resume taken; the run waiting again or done).
- Nothing lost or done twice: every daily inspection answered a single case, closed, with one
  record (第十七条) and its letter (第十五条(一)4), every other one still waiting at its record
  form with its case open; one Prefect run per session; every mail of the outbox
  sent, and none delivered twice (the catcher's X-Idempotency-Key headers).
- The databases' sizes (pg_database_size) on each PostgreSQL cluster.
"""

import contextvars
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import col, func, select

from adapters.db import session_scope
from adapters.prefect_client import sync_client
from models import InspectionCase, InspectionRecord, OutboxMessage


def histories(ids: list) -> dict:
    """run id → its states, oldest first."""
    def read(run_id):
        with sync_client() as client:
            return run_id, sorted(client.read_flow_run_states(run_id), key=lambda st: st.timestamp)

    with ThreadPoolExecutor(8) as pool:
        return dict(f.result() for f in [pool.submit(contextvars.copy_context().run, read, i) for i in ids])


def legs(states: list) -> int:
    return sum(st.type.value == "RUNNING" for st in states)


def after(states: list, moment, want) -> float | None:
    """Seconds from `moment` to the first state after it that `want` accepts (None: none)."""
    for st in states:
        if st.timestamp > moment and want(st):
            return (st.timestamp - moment).total_seconds()
    return None


def latencies(hist: dict, submitted: dict, decided: dict) -> dict[str, list[float]]:
    """Per submit: to the resume taken (the run leaves Paused) and to the run's next wait (the
    decision form, schema stored or not); per decision: to the run's end."""
    out = {"submit_resumed": [], "submit_next_wait": [], "decision_done": []}
    for run_id, (moment, _) in submitted.items():
        states = hist[run_id]
        resumed = after(states, moment, lambda st: st.type.value != "PAUSED")
        nxt = after(states, moment, lambda st: st.type.value == "PAUSED")
        if resumed is not None:
            out["submit_resumed"].append(resumed)
        if nxt is not None:
            out["submit_next_wait"].append(nxt)
    for run_id, moment in decided.items():
        done = after(hist[run_id], moment, lambda st: st.type.value == "COMPLETED")
        if done is not None:
            out["decision_done"].append(done)
    return out


def daily_runs_by_batch() -> Counter:
    """Daily-inspection runs on the server, by their batch parameter."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId

    from deployments.serve import DAILY_INSPECTION

    found: Counter = Counter()
    with sync_client() as client:
        dep = client.read_deployment_by_name(DAILY_INSPECTION)
        flt = FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[dep.id]))
        offset = 0
        while True:
            page = client.read_flow_runs(flow_run_filter=flt, limit=200, offset=offset)
            found.update(r.parameters.get("batch_number") for r in page)
            offset += len(page)
            if len(page) < 200:
                return found


def check(batches: list[str], answered: list[str], ids: dict, hist: dict, doubled_mail: int, mail_count: int,
          log: str) -> dict[str, int]:
    """Counts of what went wrong (each must be 0), and a few counts that were right. The runs
    whose records were posted must be done; the others still waiting at their record form."""
    runs = daily_runs_by_batch()
    done_ids = {str(ids[b]) for b in answered}
    with session_scope() as s:
        cases = s.exec(select(InspectionCase).where(col(InspectionCase.batch_number).in_(batches))).all()
        by_batch = Counter(c.batch_number for c in cases)
        case_ids = [c.id for c in cases]
        records = Counter(s.exec(select(InspectionRecord.case_id).where(col(InspectionRecord.case_id).in_(case_ids))))
        outbox = s.exec(select(OutboxMessage.case_id, OutboxMessage.status)
                        .where(col(OutboxMessage.case_id).in_(case_ids))).all()
        sent_all = s.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")).one()
    letters = Counter(case for case, _ in outbox)
    answered_batches = set(answered)
    done_cases = [c for c in cases if c.batch_number in answered_batches]
    waiting_cases = [c for c in cases if c.batch_number not in answered_batches]
    return {
        "answered runs not completed": sum(not (st and st[-1].type.value == "COMPLETED")
                                           for i, st in hist.items() if str(i) in done_ids),
        "other runs not waiting at the record form": sum(
            not (st and st[-1].type.value == "PAUSED" and (st[-1].state_details.pause_key or "").startswith("record-"))
            for i, st in hist.items() if str(i) not in done_ids),
        "runs crashed or failed on the way": sum(any(x.type.value in ("CRASHED", "FAILED") for x in st)
                                                 for st in hist.values()),
        "sessions with no run or more than one": sum(runs[b] != 1 for b in batches),
        "sessions with no case or more than one": sum(by_batch[b] != 1 for b in batches),
        "answered cases not closed": sum(c.status != "closed" for c in done_cases),
        "answered cases with no record or more than one": sum(records[c.id] != 1 for c in done_cases),
        "waiting cases closed or with a record": sum(c.status == "closed" or records[c.id] != 0 for c in waiting_cases),
        "cases' mails not sent": sum(status != "sent" for _, status in outbox),
        "answered cases with fewer than 3 mails": sum(letters[c.id] < 3 for c in done_cases),
        "mails delivered twice": doubled_mail,
        "sent mails not in the catcher, or extra": abs(sent_all - mail_count),
        '"database is locked" in the logs': log.count("database is locked"),
    }


def pg_port(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().splitlines()[3])


def database_bytes(port: int, name: str) -> int:
    engine = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{name}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()


def task_seconds(run_id) -> list[tuple[str, float]]:
    """The run's task runs by name, with the seconds each took (start → end), longest first:
    which part of the deadline sweep grows with the runs waiting."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with sync_client() as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200)
    took = [(r.name.rsplit("-", 1)[0], (r.end_time - r.start_time).total_seconds())
            for r in runs if r.start_time and r.end_time]
    return sorted(took, key=lambda t: -t[1])
