"""The whole service started as an operator starts it — `make run` in a session of its own,
like a terminal's foreground job — on a temporary var dir and free ports."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from adapters import processes

ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, root: Path, env: dict, target: str = "run"):
        self.root, self.env, self.target = root, env, target
        self.mark = processes.mark_value(root / "var")
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.env['SUPERVISION_PREFECT_PORT']}/api"

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.root.glob("make-run-*.log")))

    def start(self) -> float:
        """Start and wait until the deployments are served; returns the seconds it took."""
        from deployments.serve import SERVED
        from tests.flows.harness import wait_deployments

        began = time.monotonic()
        self.starts += 1
        log = self.root / f"make-run-{self.starts}.log"
        self.proc = subprocess.Popen(["make", "-s", self.target], cwd=ROOT, env=os.environ | self.env,
                                     stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while "[prefect] UI:" not in log.read_text(errors="replace"):
            assert self.proc.poll() is None, f"make run exited: {self.log()[-3000:]}"
            assert time.monotonic() < deadline, f"make run did not start: {self.log()[-3000:]}"
            time.sleep(0.2)
        wait_deployments(SERVED, self.proc, log)
        return time.monotonic() - began

    def stop(self, sig: int = signal.SIGTERM) -> float:
        """Send `sig` to the whole process group (a service manager's SIGTERM, a terminal's
        Ctrl-C = SIGINT, a SIGKILL); returns the seconds until make has exited."""
        began = time.monotonic()
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # say where the stop hung: the service logs each stage
            raise AssertionError(f"make run did not stop within 60 s: {self.log()[-3000:]}") from None
        return time.monotonic() - began

    def open_ports(self) -> list[int]:
        """The service's ports that still accept a connection."""
        import socket

        out = []
        for key in ("SUPERVISION_PREFECT_PORT", "SUPERVISION_SMTP_PORT"):
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", int(self.env[key]))) == 0:
                    out.append(int(self.env[key]))
        return out

    def leftovers(self, wait: float = 0.0) -> list[int]:
        return processes.wait_gone(processes.marked_processes(self.mark), wait)


@contextmanager
def service_process(target: str = "run", **extra_env: str):
    """App settings for this test process too, so it reads and writes the same database. The
    folder is world-readable: PostgreSQL runs as the postgres user, which pytest's own
    temporary folders (0700) keep out."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.app_env import app_env
    from tests.postgres_server import free_port

    root = Path(tempfile.mkdtemp(prefix="service-"))
    root.chmod(0o755)
    env = {"SUPERVISION_VAR_DIR": str(root / "var"), "SUPERVISION_SMTP_PORT": str(free_port()),
           "SUPERVISION_PREFECT_PORT": str(free_port()), "SUPERVISION_PORTAL_PORT": str(free_port()),
           "SUPERVISION_DATABASE_URL": f"sqlite:///{root / 'var' / 'supervision.db'}",
           "SUPERVISION_MAIL_DIR": str(root / "mail"), "SUPERVISION_RUN_WATCH_SECONDS": "2",
           "PREFECT_SERVER_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING",
           "SUPERVISION_SCHEDULES_PAUSED": "true"} | extra_env  # no real 08:00 sweep of the test's world
    with app_env(env):
        svc = ServiceProcess(root, env, target)
        try:
            with temporary_settings(updates={PREFECT_API_URL: svc.api_url}):
                yield svc
        finally:
            if svc.proc is not None and svc.proc.poll() is None:
                svc.stop(signal.SIGTERM)
            processes.kill_marked(svc.mark)
            pg = root / "var" / "prefect-pg"
            if (pg / "data" / "postmaster.pid").exists():
                from deployments.postgres import LocalPostgres

                LocalPostgres(pg).stop("immediate")
            shutil.rmtree(root, ignore_errors=True)
