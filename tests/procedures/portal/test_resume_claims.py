"""A resume a stopped portal had claimed is taken back when the embedded service starts again,
not 2 minutes later (procedures/portal/resumes.release_claims, called by deployments/run_all)."""

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from adapters.clock import now, tz
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import PortalSubmission
from procedures.portal import links as portal_links
from procedures.portal import resumes
from procedures.portal import submissions as portal_submissions
from tests.app_env import app_env
from tests.postgres_server import free_port


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'supervision.db'}"
    with app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
                  "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}):  # Prefect is down
        upgrade(url)
        with session_scope() as s:
            add_agencies(s)
        yield url


def _stored(step: str) -> int:
    due = datetime.combine(date(2099, 1, 1), time(23, 59), tzinfo=tz())
    with session_scope() as s:
        link = portal_links.create_link(s, portal_links.CaseStep("sanction", 1, step, "run-1"),
                                        portal_links.Recipient("institution", "机构", "i@example.cn"),
                                        portal_links.Contact("济南", "a@example.cn"), "标题", due)
    result = portal_submissions.submit(link.token, "陈述", [])
    assert result.status == "stored", result.errors
    return result.receipt.submission_id


def _set(submission_id: int, status: str) -> None:
    with session_scope() as s:
        sub = s.get(PortalSubmission, submission_id)
        sub.resume_status, sub.resume_claimed_at = status, now()
        s.add(sub)


def test_a_resume_claimed_by_a_stopped_portal_is_taken_back_at_start_not_after_the_claim_timeout(db):
    claimed, done = _stored("defence-1"), _stored("rectification-1")
    _set(claimed, "resuming")  # the portal was killed between its claim and Prefect's answer
    _set(done, "resumed")
    assert resumes.resume_one(claimed) == "busy"  # within CLAIM_TIMEOUT nobody else may take it
    assert resumes.release_claims() == [claimed]
    with session_scope() as s:
        rows = {r.id: (r.resume_status, r.resume_claimed_at) for r in s.exec(select(PortalSubmission))}
    assert rows[claimed] == ("pending", None) and rows[done][0] == "resumed"
    assert resumes.release_claims() == []  # nothing left to take back
