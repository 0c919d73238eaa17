"""Resuming the waiting run (the portal's last step): a stored submission is handed to the run
that waits for it, by reference (`{"submission_id": …}`), exactly once. The resume is claimed
in the database before Prefect is called, and Prefect's stored answer for the pause key is read
first, so neither two processes nor a crash between the call and its record resume a run twice.
A refused or unanswered resume stays pending: the portal's retry loop (portal/resumer.py)
tries it again, and the daily sweep calls `resume_pending` as a backstop. An answer whose step
has passed is never resumed (obsolete).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from adapters import prefect_resume
from adapters.clock import now
from adapters.db import session_scope
from models import PortalLink, PortalSubmission
from procedures.portal.writers import one_writer

CLAIM_TIMEOUT = timedelta(minutes=2)
# Links whose step_key names a family of pauses (record-1, record-2 …): see resume_family.
FAMILY_KINDS = {"record_form", "record_confirmation"}


@dataclass
class ResumeReport:
    resumed: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        line = f"门户提交续办：{len(self.resumed)} 件已交给等待中的流程"
        if self.waiting:
            line += f"，{len(self.waiting)} 件待续办（Prefect 暂未接受，稍后重试）"
        return line + "。"


def _claim(submission_id: int) -> bool:
    with session_scope() as s:
        stale = now() - CLAIM_TIMEOUT
        result = s.exec(
            update(PortalSubmission)
            .where(col(PortalSubmission.id) == submission_id)
            .where(or_(col(PortalSubmission.resume_status) == "pending",
                       (col(PortalSubmission.resume_status) == "resuming")
                       & (col(PortalSubmission.resume_claimed_at) < stale)))
            .values(resume_status="resuming", resume_claimed_at=now())
        )
        return result.rowcount == 1


def release_claims() -> list[int]:
    """At the embedded service's start, before its portal: every resume a stopped portal had
    claimed is pending again (ids returned). Nothing else resumes then, so the claim's 2-minute
    timeout need not pass first: a supervisor's record reaches its run as soon as the service is
    back after a crash. Not for a portal of several processes (each would take the others')."""
    with one_writer, session_scope() as s:
        ids = list(s.exec(select(PortalSubmission.id).where(PortalSubmission.resume_status == "resuming")))
        if ids:
            s.exec(update(PortalSubmission).where(col(PortalSubmission.id).in_(ids))
                   .values(resume_status="pending", resume_claimed_at=None))
        return ids


def pending_ids() -> list[int]:
    with session_scope() as s:
        return list(s.exec(select(PortalSubmission.id)
                           .where(col(PortalSubmission.resume_status).in_(["pending", "resuming"]))
                           .order_by(PortalSubmission.id)))


def resume_one(submission_id: int) -> str:
    """Hand one stored submission to its run: resumed | waiting | busy (claimed elsewhere).
    Its writes take turns with the submits' (`one_writer`): a burst of submits and the retry
    loop would otherwise meet in SQLite's busy handler, which sleeps in 5 … 100 ms steps."""
    with one_writer:
        claimed = _claim(submission_id)
    if not claimed:
        return "busy"
    from procedures.portal.forms import forms

    with session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        link = s.get(PortalLink, sub.link_id)
        run_id, key, family = link.flow_run_id, link.step_key, link.kind in FAMILY_KINDS
    registered = forms()
    if link.kind in registered and not registered[link.kind].waiting(link):
        with one_writer, session_scope() as s:  # its step has passed: nothing to resume, ever
            sub = s.get(PortalSubmission, submission_id)
            sub.resume_status, sub.last_error = "obsolete", "step passed before this answer was taken"
            s.add(sub)
        return "obsolete"
    try:
        resume = prefect_resume.resume_family if family else prefect_resume.resume_at
        result = resume(run_id, key, {"submission_id": submission_id})
    except Exception as exc:  # noqa: BLE001 — release the claim; the next round tries again
        result = prefect_resume.ResumeResult("not_ready", f"{type(exc).__name__}")
    with one_writer, session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        sub.resume_attempts += 1
        if result.outcome in ("resumed", "already"):
            sub.resume_status, sub.resumed_at, sub.last_error = "resumed", now(), ""
        else:
            sub.resume_status, sub.resume_claimed_at, sub.last_error = "pending", None, result.detail
        s.add(sub)
    return "resumed" if result.outcome in ("resumed", "already") else "waiting"


def resume_pending() -> ResumeReport:
    """Every stored submission whose run has not been resumed yet (the portal's retry loop and
    the daily sweep both call this; the claim keeps them from doing one twice)."""
    report = ResumeReport()
    for sid in pending_ids():
        outcome = resume_one(sid)
        if outcome == "resumed":
            report.resumed.append(sid)
        elif outcome == "waiting":
            report.waiting.append(sid)
    return report
