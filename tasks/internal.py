"""Tasks of internal supervision (内督, 第十六条): thin wrappers around procedures.internal — the
sweep's part, and the agency's report (第八条; all reads: nothing is cached, a replay reads again)."""

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


@task(name="check-internal-report-request", cache_policy=NO_CACHE)
def check_report_request(agency_id: str, start: str, end: str, today: date) -> str | None:
    from procedures.internal.coverage_report import check_request

    return check_request(agency_id, start, end, today)


def report_signer(code: str, agency_id: str):
    """A read, not a side effect (called inside the signing loop, like tasks.supervisors'): the staff
    member of the agency a code belongs to, or why not."""
    from procedures.internal.coverage_report import signer

    return signer(code, agency_id)


@task(name="internal-supervision-report", cache_policy=NO_CACHE)
def internal_report(decider, agency_id: str, start: str, end: str, batch_number: str, today: date):
    from procedures.internal.coverage_report import signed_report

    return signed_report(decider, agency_id, start, end, batch_number, today)
