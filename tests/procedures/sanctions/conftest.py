"""The sanction tests' databases: a migrated SQLite with the agencies (`db`), and one of each kind
(`any_db`: SQLite, then a real PostgreSQL through the root conftest's db_url)."""

import pytest

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from tests.app_env import app_env


def _migrated(url: str, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade(url)
        with session_scope() as s:
            add_agencies(s)
        yield url


@pytest.fixture
def db(tmp_path):
    yield from _migrated(f"sqlite:///{tmp_path / 'supervision.db'}", tmp_path)


@pytest.fixture
def any_db(db_url, tmp_path):
    yield from _migrated(db_url, tmp_path)
