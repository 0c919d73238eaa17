"""`supervise backup DIR`: a consistent copy of the running service, completed by one rename.

Written into DIR/.<stamp>.partial/ and renamed to DIR/<stamp>/ only once every file and the
manifest are written, so a half-written backup is never taken for one. The order makes the
copies agree with each other while the service runs: Prefect's database first, then its task
results, then the application database, then the uploads. So every task result in the backup
has its database writes in it (a task commits before its result is stored), every upload a
record names is there (a file is stored before its row), and a run the backup shows at an
earlier step than the database simply replays into the database's idempotency keys. The one
thing newer in the database than in Prefect, a portal answer handed to its run after Prefect
was copied, is handed over again at restore (restore.py; a resume is idempotent).
"""

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from adapters import backup as io
from adapters.clock import now
from adapters.settings import get_settings
from procedures.backups import sources

FORMAT = 1
APP_SQLITE, APP_PG = "database.sqlite3", "database.pgdump"
PREFECT_SQLITE, PREFECT_PG = "prefect.sqlite3", "prefect.pgdump"


@dataclass(frozen=True)
class Taken:
    folder: Path
    manifest: dict

    @property
    def bytes(self) -> int:
        return sum(f["size"] for f in self.manifest["files"].values())


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


def _kind(url: str) -> str:
    return "sqlite" if io.sqlite_path(url) else "postgresql"


def _copy_database(url: str, work: Path, sqlite_name: str, pg_name: str) -> str:
    path = io.sqlite_path(url)
    if path:
        io.sqlite_copy(path, work / sqlite_name)
        return sqlite_name
    io.pg_dump(url, work / pg_name)
    return pg_name


def _revision_and_audit(query) -> tuple[str | None, dict | None]:
    tables = {row[0] for row in query("SELECT name FROM sqlite_master WHERE type = 'table'")} \
        if query.kind == "sqlite" else set(query.tables())
    revision = None
    if "alembic_version" in tables:
        rows = query("SELECT version_num FROM alembic_version")
        revision = rows[0][0] if rows else None
    audit = None
    if "audit_entry" in tables:  # the audit log (migration 0020) when this database has it
        rows = query("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        audit = {"seq": rows[0][0], "hash": rows[0][1]} if rows else None
    return revision, audit


class _Query:
    def __init__(self, kind: str, target):
        self.kind, self.target = kind, target

    def __call__(self, sql: str) -> list[tuple]:
        return io.sqlite_query(self.target, sql) if self.kind == "sqlite" else io.pg_query(self.target, sql)

    def tables(self) -> list[str]:
        return io.pg_tables(self.target)


def take_backup(dest: Path, prefect_url: str | None = None, prefect_storage: Path | None = None,
                moment: datetime | None = None) -> Taken:
    """Back up the service the settings name into a new folder under `dest`; returns it.
    Prefect's database and results folder: the ones given, else found (sources.current)."""
    settings = get_settings()
    places = sources.current(settings, prefect_url, prefect_storage)
    started = moment or now()
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = dest / stamp(started)
    if final.exists():
        raise io.BackupError(f"备份文件夹已存在：{final}")
    work = dest / f".{final.name}.partial"
    shutil.rmtree(work, ignore_errors=True)  # what an interrupted backup of this second left
    work.mkdir(mode=0o700)
    try:
        manifest = _fill(work, places, started)
        manifest["files"] = io.inventory(work)
        io.write_json_atomically(work / io.MANIFEST, manifest)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Taken(final, manifest)


def _fill(work: Path, places: sources.Places, started: datetime) -> dict:
    prefect = None
    # The moment *before* Prefect's copy begins: an answer handed to its run while the copy runs
    # may be missing from it (pg_dump's snapshot is its start; SQLite's backup restarts on writes),
    # so it counts as after the copy and is handed over again at restore (a resume is idempotent).
    # Taken after the copy, it lost such an answer: the restored run waited at its form for ever.
    prefect_taken_at = now()
    if places.prefect_url:
        prefect_file = _copy_database(places.prefect_url, work, PREFECT_SQLITE, PREFECT_PG)
        prefect = {"kind": _kind(places.prefect_url), "file": prefect_file}
    io.copy_tree(places.prefect_storage, work / "prefect-storage")

    kind = _kind(places.database_url)
    if kind == "postgresql":  # read before the dump: the dump holds at least this much
        revision, audit = _revision_and_audit(_Query(kind, places.database_url))
    app_file = _copy_database(places.database_url, work, APP_SQLITE, APP_PG)
    if kind == "sqlite":
        revision, audit = _revision_and_audit(_Query(kind, work / app_file))
    uploads = io.copy_tree(places.uploads, work / "uploads")
    secrets = []
    for name in sources.SECRETS:
        if (places.var_dir / name).is_file():
            (work / "secrets").mkdir(exist_ok=True, mode=0o700)
            shutil.copy2(places.var_dir / name, work / "secrets" / name)
            secrets.append(name)
    return {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": now().isoformat(),
        "database": {"kind": kind, "file": app_file, "alembic_revision": revision},
        "prefect": prefect and prefect | {"taken_at": prefect_taken_at.isoformat()},
        "prefect_taken_at": prefect_taken_at.isoformat(),
        "audit_head": audit,
        "uploads": uploads,
        "secrets": secrets,
    }
