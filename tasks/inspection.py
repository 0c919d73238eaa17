"""Tasks of the daily-inspection procedure and the deadline sweep."""

from datetime import date

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters import mailer
from procedures import daily_inspection as inspections
from procedures import deadline_sweep as sweep
from procedures.daily_inspection import CaseView, Outcome

# Side effects: persisted, so a flow replayed from the top gets the first leg's answer.
PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)


@task(name="open-case", **PERSISTED)
def open_case(flow_run_id: str, batch_number: str, as_of: date | None, agency_id: str | None) -> CaseView:
    return inspections.open_case(flow_run_id, batch_number, as_of, agency_id)


@task(name="dispatch-supervisors", **PERSISTED)
def dispatch_supervisors(case_id: int, cards: list[str] | None, k: int) -> CaseView:
    return inspections.dispatch(case_id, cards, k)


@task(name="submit-record", **PERSISTED)
def submit_record(case_id: int, pause_key: str, answers: dict) -> Outcome:
    return inspections.submit_record(case_id, pause_key, answers)


@task(name="record-agency-decision", **PERSISTED)
def record_decision(case_id: int, pause_key: str, answers: dict) -> Outcome:
    return inspections.decide(case_id, pause_key, answers)


@task(name="carry-out-decision", **PERSISTED)
def carry_out(case_id: int) -> str:
    return inspections.carry_out(case_id)


@task(name="publish-record-summary", persist_result=True)
def publish_record_summary(case_id: int) -> None:
    create_markdown_artifact(inspections.record_markdown(case_id), key=f"inspection-{case_id}-record",
                             description="督导记录评定（仅限委派机构内部，第八条）")


@task(name="publish-timeline", persist_result=True)
def publish_timeline(case_id: int) -> None:
    create_markdown_artifact(inspections.timeline_markdown(case_id), key=f"inspection-{case_id}-timeline",
                             description="日常督导案卷时间线")


@task(name="deliver-mail", cache_policy=NO_CACHE)
def deliver_mail(case_id: int | None = None) -> dict:
    """Send what is pending; an SMTP outage leaves it pending for the sweep, never fails the run."""
    report = mailer.deliver_pending(case_id=case_id)
    return {"sent": len(report.sent), "pending": len(report.pending)}


@task(name="sweep-deadlines", cache_policy=NO_CACHE)
def sweep_deadlines(as_of: date) -> str:
    return sweep.sweep_deadlines(as_of).markdown()


def decision_context(case_id: int) -> dict:
    """A read, not a side effect: what the agency's decision form shows."""
    return inspections.decision_context(case_id)
