"""`make run-pool`: the same service as `make run` on Prefect's own scale-out parts — a province.

What `make run` starts (deployments/run_all.py: the database upgrade, the SMTP catcher, the
Prefect server, the portal, the run watch, the ordered stop), with these differences:
- one local PostgreSQL cluster (var/prefect-pg) holds both the Prefect server's database and
  the app database (`supervision`; a SUPERVISION_DATABASE_URL naming PostgreSQL is kept);
- instead of one process serving every deployment: a `supervision` process work pool, the
  deployments registered from prefect.yaml (`prefect deploy --all`), and WORKERS workers
  (`prefect worker start --pool supervision`), each in a process group of its own, as two
  hosts would run them. A worker's run processes send flow-run heartbeats
  (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, default 30 s here): the run watch judges a pool run by
  them, not by a process it cannot see on another host (procedures/casework/run_health.py).
Stops lose nothing, as with `make run`: the workers are frozen, their legs in flight get the
grace period, what is left is cut and continued at the next start (by whichever worker).
"""

import os
import subprocess
import sys

from adapters import processes
from adapters.settings import PROJECT_ROOT, get_settings
from deployments import run_all
from deployments.postgres import LocalPostgres
from deployments.run_all import Service, say

POOL = "supervision"
WORKERS = 2
HEARTBEAT_SECONDS = "30"  # Prefect's minimum; its default is 180


def prefect_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "prefect", *args]


class PoolService(Service):
    def start(self) -> None:
        s = self.settings
        os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", HEARTBEAT_SECONDS)  # workers, and the run watch
        self.postgres = LocalPostgres(s.var_dir / "prefect-pg").start(owner=os.getpid())
        self._start_watchdog(self.postgres.root)
        if not s.resolved_database_url().startswith("postgresql"):
            self.postgres.create_database("supervision", exist_ok=True)
            os.environ["SUPERVISION_DATABASE_URL"] = self.postgres.url("supervision")
            get_settings.cache_clear()
            self.settings = get_settings()
        super().start()

    def _prefect_database(self, home) -> str:
        self.postgres.create_database("prefect", exist_ok=True)
        self._load_restored_prefect(self.postgres.url("prefect"))
        say("prefect", f"database: PostgreSQL on 127.0.0.1:{self.postgres.port} ({self.postgres.data}); "
                       f"app database: {self.settings.resolved_database_url().split('@')[-1]}")
        return self.postgres.url("prefect", driver="asyncpg")

    def _start_runners(self, env: dict) -> None:
        env = env | {"PREFECT_WORKER_QUERY_SECONDS": os.environ.get("PREFECT_WORKER_QUERY_SECONDS", "2"),  # a resume
                     # starts within 2 s, as with the runner (Prefect's default: 10 s)
                     "SUPERVISION_DATABASE_URL": self.settings.resolved_database_url(),
                     "PWD": str(PROJECT_ROOT)}  # prefect.yaml's pull step: the run processes' folder
        self._prefect(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
        self._prefect(env, "--no-prompt", "deploy", "--all")
        # As serve.py registers them paused (a test's fixed-date world); pausing also deletes the
        # runs Prefect's scheduler may have queued for them since the deploy.
        if self.settings.schedules_paused:
            self._prefect(env, "--no-prompt", "deployment", "schedule", "pause", "--all")
        say("prefect", f"work pool {POOL}: deployments registered from prefect.yaml")
        limit = str(self.settings.runner_process_limit)
        self.runners = [subprocess.Popen(prefect_cli("worker", "start", "--pool", POOL, "--name", f"worker-{n}",
                                                     "--limit", limit),
                                         env=env, cwd=PROJECT_ROOT, preexec_fn=processes.child_setup)
                        for n in range(1, WORKERS + 1)]
        say("prefect", f"{WORKERS} workers on pool {POOL} (each in a process group of its own)")

    def _children_running(self) -> bool:
        """As `make run`, except that a worker lost is a host lost, not the service's end: its
        runs are continued by the others (the run watch); the service stops when none is left."""
        if not self._all_running((("server", self.server), ("portal", self.portal))):
            return False
        for worker in [w for w in self.runners if w.poll() is not None]:
            self.runners.remove(worker)
            say("prefect", f"a worker exited ({worker.returncode}); {len(self.runners)} left: "
                           f"its runs are continued by the others")
        if not self.runners:
            say("stop", "no worker is left; stopping the service")
            return False
        return True

    def _prefect(self, env: dict, *args: str) -> None:
        done = subprocess.run(prefect_cli(*args), env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=300)
        if done.returncode:
            raise RuntimeError(f"prefect {' '.join(args)} failed: {(done.stderr or done.stdout)[-2000:]}")


def main() -> None:
    run_all.main(PoolService)


if __name__ == "__main__":
    main()
