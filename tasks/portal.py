"""Tasks of the portal's procedures (links and submissions)."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from procedures.portal import links as portal_links
from procedures.portal import resumes as portal_resumes
from procedures.portal import submissions as portal_submissions
from procedures.portal.links import CaseStep, Contact, Recipient


@task(name="invite-to-portal", persist_result=True, retries=2, retry_delay_seconds=2)
def invite_to_portal(case_kind: str, case_id: int, step_key: str, flow_run_id: str,
                     recipient: tuple[str, str, str], contact: tuple[str, str], title: str,
                     deadline: datetime, instructions: str = "") -> int:
    """Create the one-time link and its mail (once, by key). Returns the link's id only: the
    token never goes into a persisted result (a replay derives it again from the key)."""
    link = portal_links.invite(CaseStep(case_kind, case_id, step_key, flow_run_id), Recipient(*recipient),
                               Contact(*contact), title, deadline, instructions)
    return link.link_id


@task(name="read-portal-submission", persist_result=True)
def read_submission(submission_id: int, flow_run_id: str, step_key: str) -> portal_submissions.SubmissionView:
    return portal_submissions.read_for_step(submission_id, flow_run_id, step_key)


@task(name="resume-portal-submissions", cache_policy=NO_CACHE)
def resume_portal_submissions() -> str:
    """Backstop of the portal's retry loop: hand every stored submission to its waiting run."""
    return portal_resumes.resume_pending().markdown()
