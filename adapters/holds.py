"""Test hooks: hold a process at a named point until a test kills it there, so the kill is no
race (tests/adapters/test_mail_kill.py, tests/flows/test_service_stops.py,
tests/flows/test_bench_stops.py). Unset in production, where a hook is one environment lookup.
"""

import os
import time
from pathlib import Path


def hold(variable: str, point: str, once: bool = False) -> None:
    """When $variable is "POINT:FILE" and POINT is `point`: write this process's pid to FILE and
    stop here until killed. `once`: only the first process to reach the point is held (FILE is
    created only if it does not exist yet, with the pid already in it); a later one — the run
    continued after the kill — passes."""
    wanted, _, file = os.environ.get(variable, "").partition(":")
    if wanted != point or not file:
        return
    path, pid = Path(file), str(os.getpid())
    if once:
        mine = path.with_name(f"{path.name}.{pid}")
        mine.write_text(pid)
        try:
            os.link(mine, path)  # atomic: FILE appears with the pid in it, or was there already
        except FileExistsError:
            return
        finally:
            mine.unlink()
    else:
        path.write_text(pid)
    while True:
        time.sleep(3600)
