"""Tasks of internal supervision (内督, 第十六条): thin wrappers around procedures.internal."""

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE


@task(name="sweep-internal-supervision", cache_policy=NO_CACHE)
def sweep_internal(as_of: date) -> str:
    """第十六条 全覆盖: ask, remind, report (idempotent by the rows it marks; never replayed)."""
    from procedures.internal.sweep import sweep_internal as run

    return run(as_of)


@task(name="open-internal-sessions", cache_policy=NO_CACHE)
def open_internal_sessions(as_of: date) -> int:
    """After a roster import: ask at once for the sessions it registered in the look-ahead window
    (the daily sweep asks for the later ones in time)."""
    from adapters.db import session_scope
    from procedures.internal.sweep import open_due_sessions

    with session_scope() as s:
        return len(open_due_sessions(s, as_of))
