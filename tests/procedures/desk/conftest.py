import pytest

from adapters.db import upgrade
from tests.app_env import app_env


@pytest.fixture
def db(sqlite_url, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": sqlite_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        yield sqlite_url
