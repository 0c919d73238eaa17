"""Session-wide real service for the flow tests."""

import pytest

from tests.flows.harness import running_service

pytestmark = pytest.mark.flow


@pytest.fixture(scope="session")
def service(tmp_path_factory, postgres_server):
    with running_service(tmp_path_factory.mktemp("service"), postgres_server) as svc:
        yield svc
