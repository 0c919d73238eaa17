"""After a SIGKILL of `make run`, stop what it leaves running: its flow-run processes and its
PostgreSQL server (the runner, server and portal die with it through PR_SET_PDEATHSIG; the run
legs and PostgreSQL live in sessions of their own and would run on until the next start).

`python -m deployments.watchdog <service pid> <service mark> <postgres root>` is started by the
service in a session of its own (a group SIGKILL does not reach it) and without the service
mark (a new instance's start does not kill it half-way). It waits for the service to die, then,
holding the PostgreSQL folder's lock and only if that service still owns the server (a new
instance may already have taken it over), kills the marked processes and stops PostgreSQL.
After an ordinary stop it finds nothing left to do.
"""

import sys
import time
from pathlib import Path

from adapters import processes
from deployments.postgres import LocalPostgres


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def watch(pid: int, mark: str, pg_root: Path, poll: float = 0.5) -> bool:
    """Wait for `pid` to die; clean up after it. True when there was something to clean up."""
    born = _start_time(pid)
    while born is not None and _start_time(pid) == born and processes.alive(pid):
        time.sleep(poll)
    pg = LocalPostgres(pg_root)
    with pg.lock():
        if pg.owner() != pid:
            return False  # stopped in order (owner cleared), or a new instance owns it now
        processes.kill_marked(mark)
        pg.stop("fast")
        pg.set_owner(None)
        return True


if __name__ == "__main__":
    watch(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
