"""What several sanction tests do the same way: an institution's statement stored through its
portal link, as the portal stores it."""

from datetime import date, datetime, time

from adapters.clock import tz
from adapters.db import session_scope
from procedures.portal import links as portal_links
from procedures.portal import submissions as portal_submissions


def submit_statement(case_id: int, run: str, step: str, statement: str) -> int:
    """The institution answers the link of `step` with `statement`; the stored submission's id."""
    due = datetime.combine(date(2099, 1, 1), time(23, 59), tzinfo=tz())
    with session_scope() as s:
        link = portal_links.create_link(s, portal_links.CaseStep("sanction", case_id, step, run),
                                        portal_links.Recipient("institution", "机构", "i@example.cn"),
                                        portal_links.Contact("济南", "a@example.cn"), "标题", due)
    result = portal_submissions.submit(link.token, statement, [])
    assert result.status == "stored", result.errors
    return result.receipt.submission_id
