"""Session-wide real service for the flow tests."""

import pytest

from tests.flows.harness import running_service

pytestmark = pytest.mark.flow


@pytest.fixture(scope="session")
def service(tmp_path_factory, postgres_server):
    from tests.portal_client import running_portal

    with running_service(tmp_path_factory.mktemp("service"), postgres_server) as svc:
        env = svc.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"}
        with running_portal(env, svc.home / "portal.log", bad_token_limit="1000") as portal:
            svc.portal = portal
            yield svc


def pytest_terminal_summary(terminalreporter):
    """The times the flow tests measure and report rather than assert under load (a stop's
    seconds, recorded with record_property as `*_seconds`), one line each after the run."""
    lines = [f"{report.nodeid}: {name} = {value}"
             for outcome in ("passed", "failed")
             for report in terminalreporter.stats.get(outcome, [])
             if report.when == "call"
             for name, value in report.user_properties if name.endswith("_seconds")]
    if lines:
        terminalreporter.section("measured times")
        for line in lines:
            terminalreporter.write_line(line)
