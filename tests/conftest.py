import itertools
import os

import pytest

from tests.postgres_server import PostgresServer

_db_counter = itertools.count()

# Every service the tests start (the harness's and `make run`'s) inherits this: its runner looks
# for runs to start every second instead of the service's 2 s, and the flow tests wait on a start
# or a resume at each of their steps. The benchmarks keep the service's own setting.
os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "1")
# Many tests send to a port nobody listens on (mail must stay in the outbox): the retry pauses
# (0.5 s + 1 s a message in the service) would add minutes of sleep to the run and prove nothing.
os.environ.setdefault("SUPERVISION_SMTP_RETRY_SECONDS", "0.01")


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


def pytest_configure(config):
    # flows/parameters.py BLANK_DATE: pydantic leaves its '' out of the schema on purpose (the module
    # silences this warning at import; pytest resets warning filters for each test)
    config.addinivalue_line("filterwarnings",
                            r"ignore:Default value .* is not JSON serializable:pydantic.json_schema.PydanticJsonSchemaWarning")
