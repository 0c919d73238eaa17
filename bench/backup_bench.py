"""Backup and restore of a province-year on SQLite (issue 22), while the service writes.

The year: bench.internal_coverage_bench's database (2,000 institutions, 60,000 sessions, 57,000
internal sessions, 55,000 internal records, 3,000 external cases and records), plus 60,000 mails in
the outbox (one a session, ~3 KB of text and HTML each) and UPLOADS evidence files of 200 KB.
`take_backup` runs while a writer thread commits a small transaction every 20 ms (the service at
work: WAL lets both go on); then `restore_backup` into a fresh var/ (verify every SHA-256, copy,
upgrade to head).

Goals: backup < 60 s, restore < 60 s. Printed: database and upload sizes, the times, their ratio
to the goal, and the writes that went on during the backup. `python -m bench.backup_bench [UPLOADS]`.
"""

import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

GOAL_SECONDS = 60.0
UPLOADS = 1_000
MAILS = 60_000
BATCH = 5_000


def _mails(url: str) -> None:
    from adapters.clock import now
    from adapters.db import get_engine
    from models import OutboxMessage

    created, table = now(), OutboxMessage.__table__
    body = "督导记录已提交。" * 60
    with get_engine(url).begin() as conn:
        for k in range(0, MAILS, BATCH):
            conn.execute(table.insert(), [dict(
                idempotency_key=f"bench:{i}", recipient=f"s{i}@example.cn", recipient_kind="supervisor",
                subject=f"【督导派遣通知】B{i:06d}", text_body=body, html_body=f"<p>{body}</p>", document_ids=[],
                status="sent", attempts=1, last_error="", created_at=created) for i in range(k, min(k + BATCH, MAILS))])


def _uploads(count: int) -> None:
    from adapters import uploads

    for i in range(count):
        uploads.store(b"%PDF-1.4\n" + os.urandom(200_000) + str(i).encode())


def _writer(url: str, stop: threading.Event, done: list[int]) -> None:
    from sqlalchemy import text

    from adapters.db import get_engine

    engine = get_engine(url)
    while not stop.wait(0.02):
        with engine.begin() as conn:
            conn.execute(text("UPDATE outbox_message SET attempts = attempts + 1 WHERE id = :id"),
                         {"id": 1 + len(done) % MAILS})
        done.append(1)


def _size(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main(uploads: int = UPLOADS) -> None:
    from bench.internal_coverage_bench import SESSIONS, build
    from procedures.backups.restore import restore_backup
    from procedures.backups.take import take_backup
    from tests.app_env import app_env

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        old = {"SUPERVISION_VAR_DIR": str(root / "old"), "PREFECT_SERVER_DATABASE_CONNECTION_URL": "",
               "PREFECT_LOCAL_STORAGE_PATH": "", "SUPERVISION_DATABASE_URL": f"sqlite:///{root / 'old' / 'supervision.db'}"}
        with app_env(old):
            url = old["SUPERVISION_DATABASE_URL"]
            started = time.perf_counter()
            build(url)
            _mails(url)
            _uploads(uploads)
            print(f"Backup and restore of a province-year on SQLite ({SESSIONS:,} sessions, {MAILS:,} mails, "
                  f"{uploads:,} uploads of 200 KB; built in {time.perf_counter() - started:.0f} s): "
                  f"database {os.path.getsize(root / 'old' / 'supervision.db') / 1e6:.0f} MB, "
                  f"uploads {_size(root / 'old' / 'uploads'):.0f} MB; goals < {GOAL_SECONDS:.0f} s each")
            stop, writes = threading.Event(), []
            writer = threading.Thread(target=_writer, args=(url, stop, writes), daemon=True)
            writer.start()
            started = time.perf_counter()
            taken = take_backup(root / "backups", moment=datetime(2026, 12, 6, 2, 30))
            backup_s = time.perf_counter() - started
            stop.set()
            writer.join()
        print(f"  backup:  {backup_s:6.1f} s ({backup_s / GOAL_SECONDS:.2f} of the goal), {taken.bytes / 1e6:.0f} MB, "
              f"{len(taken.manifest['files']):,} files; {len(writes)} writes committed meanwhile")
        new = {k: v.replace(str(root / "old"), str(root / "new")) for k, v in old.items()}
        with app_env(new):
            started = time.perf_counter()
            restore_backup(taken.folder)
            restore_s = time.perf_counter() - started
        print(f"  restore: {restore_s:6.1f} s ({restore_s / GOAL_SECONDS:.2f} of the goal), verified and upgraded to head")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else UPLOADS)
