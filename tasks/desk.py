"""The desk's morning mail as a task (issue 18): read the runs waiting for staff, queue each
agency's 待办 once per working day, send them. No rule logic here."""

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE


@task(name="desk-morning-mail", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def morning_mail(as_of: date) -> str:
    """Idempotent by agency and day (the outbox key): a second run the same day sends nothing new."""
    from adapters import mailer, orchestrator
    from procedures.desk.morning import send_morning_mail

    try:
        runs, down = orchestrator.waiting_runs(), False
    except Exception:  # noqa: BLE001 — Prefect unreachable: the deadlines still go out, marked incomplete
        runs, down = [], True
    summary, ids = send_morning_mail(as_of, runs, down)
    if ids:
        mailer.deliver_pending(only=ids)  # an SMTP outage leaves them pending for the sweep
    return summary
