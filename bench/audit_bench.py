"""The audit log (issue 22): `verify` over 1,000,000 entries and the cost of one append.

Goals: verify over 1,000,000 entries (hash chain + every live row they describe) < 10 s; an
append adds < 1 ms to a step. SQLite. The log is built as the application builds it (the same
content and chain functions), written with plain sqlite3 for speed: 1,000,000 timeline rows of
1,000 cases and one entry each. The append is measured as a whole step (one transaction that
adds one timeline row through the ORM, committed) with the after-flush append and without it.
`python -m bench.audit_bench [ENTRIES]` runs one size.
"""

import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

DAY = date(2026, 11, 27)
CASES = 1000


def build(path: Path, n: int) -> None:
    from adapters import audit
    from adapters.db import session_scope, upgrade
    from cli.demo_data import add_agencies

    url = f"sqlite:///{path}"
    upgrade(url)
    with session_scope(url) as s:
        add_agencies(s)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with conn:
        conn.executemany("INSERT INTO inspection_case (id, flow_run_id, batch_number, agency_id, opened_on, "
                         "clock_offset_days, status, refusal_reason, record_due_reason, proposal, decision, "
                         "verifications, go_ahead_by) VALUES (?, ?, ?, 'CITY-A', ?, 0, 'closed', '', '', '{}', '', "
                         "'[]', '')", [(c, f"run-{c}", f"B{c}", DAY.isoformat()) for c in range(1, CASES + 1)])
        prev, events, entries = audit.GENESIS_HASH, [], []
        for i in range(1, n + 1):
            row = {"id": i, "case_id": 1 + i % CASES, "key": f"step-{i}", "on": DAY, "text": f"第 {i} 条时间线记录：已委派督导员"}
            content = audit.entry_content("insert", audit.row_json("case_event", row))
            digest = audit.chain_hash(prev, i, content)
            events.append((i, row["case_id"], row["key"], DAY.isoformat(), row["text"]))
            entries.append((i, at, f"case_event:{i}", f"inspection:{row['case_id']}", content, prev, digest))
            prev = digest
            if len(events) == 50_000 or i == n:
                conn.executemany('INSERT INTO case_event (id, case_id, "key", "on", text) VALUES (?, ?, ?, ?, ?)', events)
                conn.executemany("INSERT INTO audit_entry (seq, at, kind, ref, case_ref, content, prev_hash, hash) "
                                 "VALUES (?, ?, 'insert', ?, ?, ?, ?, ?)", entries)
                events, entries = [], []
    conn.close()


def time_verify(url: str, case_ref: str | None = None):
    from adapters.db import session_scope
    from procedures.casework.audit_verify import verify

    started = time.perf_counter()
    with session_scope(url) as s:
        report = verify(s, case_ref, files=False)
    return time.perf_counter() - started, report


def time_steps(url: str, steps: int, tag: str) -> list[float]:
    """Each step: one transaction adding one timeline row through the ORM, committed."""
    from adapters.db import session_scope
    from procedures.casework.cases import add_event

    out = []
    for k in range(steps):
        started = time.perf_counter()
        with session_scope(url) as s:
            add_event(s, 1 + k % CASES, f"{tag}-{k}", DAY, "已委派督导员")
        out.append(time.perf_counter() - started)
    return out


def append_cost(url: str, steps: int = 300) -> tuple[float, float]:
    """Median step time (ms) with the after-flush append and without it."""
    from sqlalchemy import event
    from sqlmodel import Session

    from adapters import audit

    time_steps(url, 20, "warm")
    with_log = time_steps(url, steps, "with")
    event.remove(Session, "after_flush", audit._after_flush)
    try:
        without = time_steps(url, steps, "without")
    finally:
        event.listen(Session, "after_flush", audit._after_flush)
    return statistics.median(with_log) * 1000, statistics.median(without) * 1000


def run(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "audit.db"
        started = time.perf_counter()
        build(path, n)
        url = f"sqlite:///{path}"
        print(f"audit log: {n:,} entries built in {time.perf_counter() - started:.1f} s")
        took, report = time_verify(url)
        print(f"  verify (chain + {report.rows:,} live rows): {took:.2f} s "
              f"({took / n * 1e6:.2f} µs/entry; goal < 10 s for 1,000,000: {took / 10 * 1_000_000 / n:.0%} "
              f"of it) → {'完整' if report.ok else report.text()}")
        took, report = time_verify(url, "inspection:7")
        print(f"  verify --case inspection:7 (whole chain + {report.rows:,} rows): {took:.2f} s")
        with_log, without = append_cost(url)
        print(f"  one step (a timeline row, committed): {with_log:.2f} ms with the append, {without:.2f} ms without "
              f"→ the append adds {with_log - without:.3f} ms (goal < 1 ms)")


def main(sizes: tuple[int, ...] = (10_000, 1_000_000)) -> None:
    for n in sizes:
        run(n)


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (10_000, 1_000_000))
