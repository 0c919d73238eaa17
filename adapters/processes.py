"""The processes of one service instance: marked, found and stopped as a whole.

Every process `make run` starts gets SUPERVISION_SERVICE_MARK=<its var dir> in its
environment, and the Prefect runner passes its environment on to the flow-run processes
it spawns (in sessions of their own, so a group signal never reaches them). So whatever
the last stop left behind — a runner that outlived a SIGKILL, a run process reparented to
init — is found by that mark and stopped before a new instance starts (Linux /proc).
"""

import ctypes
import os
import signal
import time
from pathlib import Path

MARK = "SUPERVISION_SERVICE_MARK"
_PR_SET_PDEATHSIG = 1


def mark_value(var_dir: Path) -> str:
    return str(Path(var_dir).resolve())


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or not ours to read
        return b""


def marked_processes(mark: str) -> list[int]:
    """Live processes (other than this one) carrying the service mark."""
    needle = f"{MARK}={mark}".encode()
    own = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != own and needle in _environ(int(entry.name)).split(b"\0"):
            if not _is_zombie(int(entry.name)):
                found.append(int(entry.name))
    return found


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def live_flow_run_ids(mark: str) -> set[str]:
    """Flow runs whose process is alive on this machine: the runner starts each with
    PREFECT__FLOW_RUN_ID in its environment (and passes the service mark on)."""
    ids = set()
    for pid in marked_processes(mark):
        for var in _environ(pid).split(b"\0"):
            if var.startswith(b"PREFECT__FLOW_RUN_ID="):
                ids.add(var.split(b"=", 1)[1].decode())
    return ids


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _is_zombie(pid)


def children(pid: int) -> list[int]:
    """Direct children, from /proc (the runner's flow-run processes)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    """Children, their children and so on (a runner's flow-run processes live in sessions of
    their own: a signal to the runner's group misses them)."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    """Wait until the processes are gone; returns those still alive after `seconds`."""
    deadline = time.monotonic() + seconds
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if alive(p)]
    return left


def kill_marked(mark: str, grace: float = 2.0) -> list[int]:
    """SIGKILL every process of an earlier instance; returns their pids. Never SIGTERM: a
    Prefect runner that gets one cancels the runs it tracks ("Runner is shutting down")."""
    pids = marked_processes(mark)
    signal_all(pids, signal.SIGKILL)
    wait_gone(pids, grace)
    return pids


def child_setup() -> None:
    """preexec_fn for the service's children: a session of their own (a terminal's Ctrl-C or
    a group SIGTERM reaches only the supervisor, which stops them in order), the default
    SIGINT back (a background start inherits it ignored), and SIGKILL when the supervisor
    dies, so a SIGKILL to the supervisor's group leaves none of them behind."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the supervisor died before prctl took effect
        os._exit(1)
