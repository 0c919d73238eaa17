"""Database engine, sessions and schema upgrades (Alembic)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from adapters.audit import install as _install_audit
from adapters.settings import get_settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "models" / "migrations"
_install_audit()  # every new or changed row of an audited table is appended to the audit log (issue 22)


def database_url() -> str:
    return get_settings().resolved_database_url()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, or for the database the settings name now (resolved before the
    cache, so a changed setting is never answered with the engine of the previous one)."""
    return _engine(url or database_url())


@cache
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # A pool as large as the portal's busiest moment (its threadpool runs up to 40 requests'
        # reads at once): a connection past pool_size is closed when returned, and the next one
        # pays the connect and the PRAGMAs again, in the middle of a burst.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the sweep read while a flow writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def reset_engines() -> None:
    """Forget every engine (a test that points the settings at a new database starts afresh)."""
    _engine.cache_clear()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error (no partial writes)."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision`."""
    from alembic import command

    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def schema_problem(url: str | None = None) -> str | None:
    """Why the database is not ready for use, creating nothing on the way: "missing" (never
    created: no file, or no schema in it), "outdated" (not at the migrations' head), or None.
    A SQLite file is opened read-only and only if it exists (an engine would create it empty);
    PostgreSQL is asked for its alembic_version table. A server that cannot be reached raises."""
    import sqlite3

    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text
    from sqlalchemy.pool import NullPool

    url = url or database_url()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            return "missing"
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            current = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.OperationalError:  # no such table: an empty file
            current = set()
        finally:
            conn.close()
    else:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                current = ({row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
                           if inspect(conn).has_table("alembic_version") else set())
        finally:
            engine.dispose()
    if not current:
        return "missing"
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    return None if current == heads else "outdated"
