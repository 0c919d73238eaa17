"""Session-wide real service for the flow tests."""

import os

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from adapters import db, settings
from adapters.db import session_scope, upgrade
from adapters.smtp_catcher import SmtpCatcher
from cli.demo_data import add_agencies
from tests.flows.harness import Service
from tests.postgres_server import free_port

pytestmark = pytest.mark.flow


@pytest.fixture(scope="session")
def service(tmp_path_factory, postgres_server):
    root = tmp_path_factory.mktemp("service")
    smtp_port = free_port()
    app_env = {
        "SUPERVISION_VAR_DIR": str(root / "var"),
        "SUPERVISION_DATABASE_URL": f"sqlite:///{root / 'var' / 'supervision.db'}",
        "SUPERVISION_SMTP_PORT": str(smtp_port),
        "SUPERVISION_MAIL_DIR": str(root / "mail"),
    }
    saved = {k: os.environ.get(k) for k in app_env}
    os.environ.update(app_env)
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    upgrade()
    with session_scope() as s:
        add_agencies(s)
    catcher = SmtpCatcher(root / "mail", port=smtp_port, echo=False).start()
    port = free_port()
    svc = Service(f"http://127.0.0.1:{port}/api", root / "prefect", app_env)
    svc.home.mkdir()
    svc.catcher = catcher
    svc.mail_dir = root / "mail"
    try:
        svc.start_server(port, postgres_server.create_database("prefect").replace("+psycopg", "+asyncpg"))
        with temporary_settings(updates={PREFECT_API_URL: svc.api_url}):
            svc.start_runner()
            yield svc
    finally:
        svc.stop()
        catcher.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        settings.get_settings.cache_clear()
        db.get_engine.cache_clear()


