"""A PostgreSQL server from the machine's binaries, on 127.0.0.1, in a folder of ours.

`make run` keeps the Prefect server's database here (var/prefect-pg): SQLite answered
"database is locked" at 20 concurrent cases. Tests use a throwaway one. As root (sessions
and CI), PostgreSQL runs as the `postgres` user (runuser), since it refuses root.
"""

import fcntl
import glob
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path


def find_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPostgres:
    def __init__(self, root: Path, durable: bool = True):
        self.bin_dir = find_bin_dir()
        if self.bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql "
                               "(apt-get install postgresql)")
        self.root = Path(root)
        self.data = self.root / "data"
        self.durable = durable  # fsync on: the service's cases must survive a power loss
        self.as_root = os.geteuid() == 0
        self.port = 0

    def _run(self, *args: str, check=True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # Not marked as a process of the service (adapters/processes.py): after a crash the
        # server is stopped or reused through its data directory, never killed by the mark
        # (its backends rewrite their environment for the process title and would survive).
        env = {k: v for k, v in os.environ.items() if k != "SUPERVISION_SERVICE_MARK"}
        done = subprocess.run(cmd, check=False, capture_output=True, text=True, start_new_session=True, env=env)
        if check and done.returncode:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                               + (f" — can the postgres user reach {self.root}?" if self.as_root else ""))
        return done

    def _running_port(self) -> int | None:
        """The port of a server already running on this data directory (left by a crash of
        the service): it is reused."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists() or self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode:
            return None
        lines = pid_file.read_text().splitlines()
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    @contextmanager
    def lock(self, seconds: float = 60):
        """The folder's lock: a start waits while a watchdog (deployments/watchdog.py) stops
        the server a killed service left running, and the watchdog never stops a server a new
        instance has just taken over."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "service.lock", "a+") as f:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"PostgreSQL folder {self.root} stays locked") from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def owner(self) -> int | None:
        """The pid of the service that runs this server (None: none, or stopped in order)."""
        try:
            return int((self.root / "service.owner").read_text().strip())
        except (OSError, ValueError):
            return None

    def set_owner(self, pid: int | None) -> None:
        path = self.root / "service.owner"
        if pid is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(f"{pid}\n")

    def start(self, owner: int | None = None) -> "LocalPostgres":
        """Start (or reuse) the server; `owner`: the service pid a watchdog looks after."""
        with self.lock():
            self._start()
            if owner is not None:
                self.set_owner(owner)
        return self

    def _start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        running = self._running_port()
        if running:
            self.port = running
        else:
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
            if not self.durable:
                options += " -c fsync=off"
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o", options, "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not become ready")

    def url(self, name: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        done = self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name, check=False)
        if done.returncode and not (exist_ok and "already exists" in done.stderr):
            raise RuntimeError(f"createdb {name}: {done.stderr.strip()}")
        return self.url(name)

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)
