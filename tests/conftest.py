import itertools

import pytest

from tests.postgres_server import PostgresServer

_db_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'supervision.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A fresh, migrated-to-nothing database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'supervision.db'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{next(_db_counter)}")
