"""Tasks of the agency's internal-supervision report (第十六条, 第八条): thin wrappers around
procedures.internal.coverage_report. All reads: nothing is cached, a replay reads again."""

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE


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
