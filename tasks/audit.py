"""The audit log's daily seal as a sweep task (issue 22): the day's head hash stored once, mailed
to the provincial centre, shown on the public register. No rule logic here."""

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE


@task(name="seal-audit-log", cache_policy=NO_CACHE)
def seal_audit_log(as_of: date) -> str:
    """Seal the day's audit head (idempotent by the day; never replayed: the sweep never suspends)."""
    from procedures.casework.audit_seal import seal_for_sweep

    return seal_for_sweep(as_of)
