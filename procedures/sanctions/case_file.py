"""The sanction case file (处理程序案卷) as the Prefect UI shows it: the artifact `sanction-case-N`
on the case's run. A new version is written whenever the case reads differently — by the run at
each step, by the portal when the institution signs the 送达回执 (no run waits for that), and by
the daily sweep for every case it may have changed (a reminder, a period closed) — and never
when nothing changed (a replay republishes nothing)."""

from datetime import date, timedelta

from sqlmodel import col, select

from adapters.db import session_scope
from adapters.markdown_text import log_text
from models import SanctionCase
from procedures.sanctions.common import OPEN_STATUSES

KEY = "sanction-case-{case_id}"
DESCRIPTION = "处理程序案卷"


def publish(case_id: int) -> bool:
    """Write the case file when it changed since it was last written; True when a version was written."""
    from adapters.orchestrator import publish_markdown
    from procedures.sanctions import proposal as sanctions

    changed = sanctions.case_file_if_changed(case_id)
    if changed is None:
        return False
    text, digest = changed
    with session_scope() as s:
        run_id = s.get(SanctionCase, case_id).flow_run_id
    publish_markdown(KEY.format(case_id=case_id), text, DESCRIPTION, run_id)
    sanctions.mark_published(case_id, digest)  # after the write: a crash between only writes it again
    return True


def publish_after_portal(case_id: int, logger) -> None:
    """After a portal answer is stored (its own transaction has committed): the case file says so
    at once. Best effort — the answer is kept either way, and the next sweep writes the file."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():  # no server to write to (a portal without Prefect): the sweep writes it
        return
    try:
        publish(case_id)
    except Exception as exc:  # the Prefect API is down: the sweep catches up
        logger.warning("处理程序案卷 %s 未能更新（%s），将由期限巡检补写", case_id, log_text(type(exc).__name__))


def publish_changed(day: date) -> int:
    """The sweep's catch-up: every open case, and every case decided in the last year (a receipt
    signed while the Prefect API was away), whose file reads differently from its last version.
    How many versions were written."""
    with session_scope() as s:
        ids = list(s.exec(select(SanctionCase.id).where(
            col(SanctionCase.status).in_(OPEN_STATUSES) | (col(SanctionCase.decided_on) >= day - timedelta(days=366)))
            .order_by(SanctionCase.id)))
    return sum(publish(case_id) for case_id in ids)
