"""Where the service keeps what a backup must hold, and where a restore puts it back.

The data of the service: the application database (cases, records, decisions, letters in the
`document` table, the mail outbox, the audit log), the uploaded files (var/uploads), the
server secrets (var/portal-secret, var/assignment-secret: the keys of the one-time links and
assignment codes already mailed — without them every link in people's mailboxes stops working
after a restore), and Prefect's state: its database (where each procedure's run stands, the
answers given at its pauses) and its persisted task results (var/prefect/storage, which make a
replay repeat nothing). Not data: var/mail (the local SMTP catcher stands in for other people's
mailboxes), locks, the PostgreSQL cluster's files (dumped instead), screenshots, logs.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from adapters.settings import Settings

PREFECT_DB_ENV = "PREFECT_SERVER_DATABASE_CONNECTION_URL"
PREFECT_STORAGE_ENV = "PREFECT_LOCAL_STORAGE_PATH"
SECRETS = ("portal-secret", "assignment-secret")
# A Prefect database dump (PostgreSQL) a restore left for `make run`'s first start to load.
PREFECT_RESTORE = "prefect/restore.pgdump"


@dataclass(frozen=True)
class Places:
    var_dir: Path
    database_url: str
    prefect_url: str | None  # Prefect's database; None: none found (a backup then says so)
    prefect_storage: Path  # Prefect's persisted task results

    @property
    def uploads(self) -> Path:
        return self.var_dir / "uploads"

    @property
    def prefect_sqlite(self) -> Path:
        return self.var_dir / "prefect" / "prefect.db"

    @property
    def prefect_pg_root(self) -> Path:
        return self.var_dir / "prefect-pg"


def _running_cluster_port(root: Path) -> int | None:
    """The port of the PostgreSQL cluster `make run` keeps in var/prefect-pg, when it runs."""
    try:
        lines = (root / "data" / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def current(settings: Settings, prefect_url: str | None = None, prefect_storage: Path | None = None,
            discover: bool = True) -> Places:
    """The places of the service: Prefect's database is the one given, or the server's setting
    in the environment, or (`discover`) var/prefect-pg's running cluster, or var/prefect/prefect.db;
    its results folder the one given, or Prefect's setting, or var/prefect/storage (`make run`)."""
    var_dir = settings.var_dir
    storage = prefect_storage or Path(os.environ.get(PREFECT_STORAGE_ENV) or var_dir / "prefect" / "storage")
    places = Places(var_dir, settings.resolved_database_url(), None, storage)
    url = prefect_url or os.environ.get(PREFECT_DB_ENV)
    if not url and discover:
        port = _running_cluster_port(places.prefect_pg_root)
        if port:
            url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
        elif places.prefect_sqlite.is_file():
            url = f"sqlite+aiosqlite:///{places.prefect_sqlite}"
    return Places(var_dir, places.database_url, url, storage)
