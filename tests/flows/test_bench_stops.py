"""A benchmark interrupted by SIGTERM (`timeout 20 make bench`) stops what it started: the runner
(bench.serve) and its flow-run processes, the Prefect server and the PostgreSQL server. A real
benchmark process, signalled as `timeout` does (its whole process group) once its service is up."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from adapters import processes
from adapters.settings import PROJECT_ROOT
from deployments.postgres import LocalPostgres, find_bin_dir

pytestmark = pytest.mark.skipif(find_bin_dir() is None, reason="no PostgreSQL server binaries")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _postgres_in(folder: Path) -> list[int]:
    """PostgreSQL processes whose data directory is under `folder` (the postmaster names it)."""
    return [int(e.name) for e in Path("/proc").iterdir()
            if e.name.isdigit() and str(folder) in _cmdline(int(e.name)) and processes.alive(int(e.name))]


def test_a_benchmark_stopped_by_sigterm_leaves_no_server_runner_or_postgres_behind(tmp_path):
    from flows.asking import LEG_HOLD

    tmp = Path(tempfile.mkdtemp(prefix="bench-sigterm-"))
    tmp.chmod(0o755)  # PostgreSQL runs as the postgres user under root
    log = (tmp_path / "bench.log").open("w")
    held = tmp_path / "held-leg"  # the warm-up run's first leg, held by the test hook before it suspends
    bench = subprocess.Popen([sys.executable, "-m", "bench.flow_bench"], cwd=PROJECT_ROOT, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             env=os.environ | {"TMPDIR": str(tmp), LEG_HOLD: f"record-1 asked:{held}"})
    try:
        deadline = time.monotonic() + 240
        while not held.exists():  # the runner has registered its deployments, the warm-up run is in flight
            assert bench.poll() is None, (tmp_path / "bench.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the benchmark's warm-up run never started"
            time.sleep(0.1)
        started = processes.descendants(bench.pid) + _postgres_in(tmp)
        assert any("bench.serve" in _cmdline(p) for p in started), "no runner"
        assert int(held.read_text()) in started, "the run's process is not the benchmark's"
        assert _postgres_in(tmp) and len(started) >= 3  # server, runner, PostgreSQL at least
        os.killpg(bench.pid, signal.SIGTERM)  # what `timeout` does: the command, then its group
        assert bench.wait(timeout=90) == 128 + signal.SIGTERM
        assert "SIGTERM received" in (tmp_path / "bench.log").read_text()
        assert processes.wait_gone(started, 10) == [] and _postgres_in(tmp) == []
    finally:
        left = processes.descendants(bench.pid) if bench.poll() is None else []
        processes.signal_all([bench.pid, *left], signal.SIGKILL)
        bench.wait()
        for root in tmp.glob("pgtest-*"):  # a failed check must not leave a server running either
            LocalPostgres(root, durable=False).stop("immediate")
