"""The watchdog of `make run` (deployments/watchdog.py): a killed service's PostgreSQL and marked
processes are stopped at once, and a server a new instance took over is left alone."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from adapters import processes
from deployments.postgres import LocalPostgres, find_bin_dir

pytestmark = pytest.mark.skipif(find_bin_dir() is None, reason="no PostgreSQL server binaries")


def _folder() -> Path:
    root = Path(tempfile.mkdtemp(prefix="watchdog-"))
    root.chmod(0o755)  # PostgreSQL runs as the postgres user
    return root


def _watchdog(service: subprocess.Popen, mark: str, pg: LocalPostgres) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "deployments.watchdog", str(service.pid), mark, str(pg.root)],
                            start_new_session=True)


def _running(pg: LocalPostgres) -> bool:
    return (pg.data / "postmaster.pid").exists()


def test_a_killed_service_leaves_no_postgres_and_no_marked_process_behind():
    root = _folder()
    mark = str(root)
    service = subprocess.Popen(["sleep", "600"])
    leg = subprocess.Popen(["sleep", "600"], env=os.environ | {processes.MARK: mark}, start_new_session=True)
    pg = LocalPostgres(root / "pg", durable=False).start(owner=service.pid)
    dog = _watchdog(service, mark, pg)
    try:
        time.sleep(1)
        assert _running(pg) and dog.poll() is None  # nothing happens while the service lives
        service.send_signal(signal.SIGKILL)
        service.wait()
        dog.wait(timeout=30)
        assert not _running(pg) and leg.wait(timeout=5) == -signal.SIGKILL and pg.owner() is None
    finally:
        for p in (service, leg, dog):
            p.kill()
        pg.stop("immediate")


def test_a_server_a_new_instance_took_over_is_left_running():
    root = _folder()
    old = subprocess.Popen(["sleep", "600"])
    pg = LocalPostgres(root / "pg", durable=False).start(owner=old.pid)
    dog = _watchdog(old, str(root), pg)
    try:
        new = LocalPostgres(root / "pg", durable=False).start(owner=os.getpid())  # reuses the running server
        assert new.port == pg.port
        old.kill()
        old.wait()
        dog.wait(timeout=30)
        assert _running(pg) and pg.owner() == os.getpid()
    finally:
        old.kill()
        dog.kill()
        pg.stop("immediate")
