"""A province-year (issue 20, part 5): memory and CPU of the pool stack's parts, from /proc.

Each part is a process tree: the Prefect server (its uvicorn), each worker with the run
processes it starts, the portal, and each PostgreSQL cluster (the postmaster and its backends).
CPU counts the children that have exited too (a worker's cutime/cstime holds its finished run
processes, a postmaster's its ended backends), so a phase's CPU is the difference of two reads.
RSS is summed over each tree (PostgreSQL's shared buffers are counted once per backend there).
"""

import os
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def table() -> dict[int, tuple[int, int, int, int]]:
    """pid → (parent pid, RSS in KiB, CPU ticks of the process and its waited-for children, CPU
    ticks of the process alone)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            f = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            out[int(entry.name)] = (int(f[1]), int(f[21]) * PAGE_KB, sum(int(x) for x in f[11:15]),
                                    int(f[11]) + int(f[12]))
        except (OSError, ValueError, IndexError):
            continue
    return out


def tree(root: int, procs: dict) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, frontier = [], [root] if root in procs else []
    while frontier:
        found += frontier
        frontier = [c for p in frontier for c in children.get(p, [])]
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def postmaster(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def find_parts(service_pid: int, pg_data_dirs: list[Path]) -> dict[str, list[int]]:
    """The roots of each part of the stack `make run-pool` (pid `service_pid`) started."""
    procs = table()
    below = tree(service_pid, procs)
    parts: dict[str, list[int]] = {"server": [], "workers": [], "portal": [], "postgres": []}
    for pid in below:
        line = cmdline(pid)
        if b"server\0start" in line:
            parts["server"].append(pid)
        elif b"worker\0start" in line:
            parts["workers"].append(pid)
        elif b"-m\0portal" in line:
            parts["portal"].append(pid)
    parts["postgres"] = [p for p in (postmaster(d) for d in pg_data_dirs) if p]
    return parts


class Sampler(threading.Thread):
    """RSS of each part every second (its peak kept), and CPU seconds of each part on demand."""

    def __init__(self, parts: dict[str, list[int]]):
        super().__init__(daemon=True, name="rss-sampler")
        self.parts, self.peak_kb, self.running = parts, {k: 0 for k in parts}, True

    def read(self, procs: dict | None = None) -> dict[str, tuple[int, float]]:
        """part → (RSS KiB now, CPU seconds so far)."""
        procs = table() if procs is None else procs
        out = {}
        for name, roots in self.parts.items():
            pids = [p for r in roots for p in tree(r, procs)]
            out[name] = (sum(procs[p][1] for p in pids), sum(procs[p][2] for p in pids) / TICK)
        return out

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each part, and "workers_own": the worker processes alone (their
        polls, submits and watching of run processes), without the run processes they started —
        from one read of /proc, so both are of the same instant."""
        procs = table()
        out = {k: v[1] for k, v in self.read(procs).items()}
        out["workers_own"] = sum(procs[p][3] for p in self.parts.get("workers", []) if p in procs) / TICK
        return out

    def run(self) -> None:
        while self.running:
            for name, (rss, _) in self.read().items():
                self.peak_kb[name] = max(self.peak_kb[name], rss)
            time.sleep(1)
