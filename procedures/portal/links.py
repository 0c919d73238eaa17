"""One-time portal links: one person, one step of one case, until accepted or expired.

A flow creates the link (and its invitation mail) in a persisted task, before it suspends;
a replay finds the same row by its key and derives the same token again, so the mail it
may write again carries the same link. Only the token's SHA-256 is stored.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from adapters import mailer, portal_tokens
from adapters.clock import now, tz
from adapters.db import session_scope
from adapters.settings import get_settings
from adapters.templates import render_email
from models import PortalLink

KINDS = {"statement_files", "record_form", "record_confirmation", "member_findings", "lead_consolidation",
         "decision_receipt", "misconduct_statement",
         # 内督 (procedures/internal): the contact assigns, the internal supervisor records, the
         # contact follows up; the contact's own requests (supervisors, cards, special inspections)
         "internal_assign", "internal_record", "internal_followup", "internal_people", "internal_special"}  # procedures/portal/forms.py
RECIPIENT_KINDS = {"institution", "supervisor", "staff"}


@dataclass(frozen=True)
class CaseStep:
    """A generic reference to the step that waits: which case, which pause, which run."""

    case_kind: str
    case_id: int
    step_key: str
    flow_run_id: str


@dataclass(frozen=True)
class Recipient:
    kind: str  # institution | supervisor | staff
    name: str
    email: str


@dataclass(frozen=True)
class Contact:
    """Whom the person asks when the link does not work: the agency that sent it."""

    name: str
    email: str


@dataclass(frozen=True)
class CreatedLink:
    link_id: int
    token: str  # for the mail only; never stored, never logged
    url: str
    expires_at: datetime


def link_key(step: CaseStep, recipient: Recipient) -> str:
    return f"{step.case_kind}:{step.case_id}:{step.step_key}:{recipient.kind}:{recipient.email.lower()}"


def url_for(token: str) -> str:
    return f"{get_settings().resolved_portal_url()}/l/{token}"


def url_of(link: PortalLink) -> str:
    """The link's address again (the token is derived from its key, never stored)."""
    return url_for(portal_tokens.token_for(link.link_key))


def aware(moment: datetime) -> datetime:
    """SQLite gives back the stored wall time without its zone (always the agency's)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=tz())


def create_link(s: Session, step: CaseStep, recipient: Recipient, contact: Contact, title: str,
                deadline: datetime, instructions: str = "", kind: str = "statement_files",
                key: str | None = None) -> CreatedLink:
    """The link for this person at this step, created once; the same key returns the same link
    (and the same token). Valid until accepted or until `deadline` plus the grace period."""
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    if recipient.kind not in RECIPIENT_KINDS:
        raise ValueError(f"unknown recipient kind {recipient.kind!r}")
    if deadline.tzinfo is None:
        raise ValueError("deadline must carry its timezone")
    key = key or link_key(step, recipient)
    token = portal_tokens.token_for(key)
    link = s.exec(select(PortalLink).where(PortalLink.link_key == key)).first()
    if link is None:
        link = PortalLink(
            link_key=key, token_hash=portal_tokens.token_hash(token), kind=kind, case_kind=step.case_kind,
            case_id=step.case_id, step_key=step.step_key, flow_run_id=step.flow_run_id,
            recipient_kind=recipient.kind, recipient_name=recipient.name, recipient_email=recipient.email,
            agency_name=contact.name, agency_email=contact.email, title=title, instructions=instructions,
            deadline=deadline, expires_at=deadline + timedelta(days=get_settings().portal_link_grace_days),
            created_at=now())
        s.add(link)
        s.flush()
    return CreatedLink(link.id, token, url_for(token), aware(link.expires_at))


def invite(step: CaseStep, recipient: Recipient, contact: Contact, title: str, deadline: datetime,
           instructions: str = "", kind: str = "statement_files", key: str | None = None) -> CreatedLink:
    """Create the link and write its invitation mail to the outbox, in one transaction, once.
    The mail carries the portal link only (never a Prefect link)."""
    with session_scope() as s:
        return invite_in(s, step, recipient, contact, title, deadline, instructions, kind, key)


def invite_in(s: Session, step: CaseStep, recipient: Recipient, contact: Contact, title: str, deadline: datetime,
              instructions: str = "", kind: str = "statement_files", key: str | None = None) -> CreatedLink:
    """`invite` inside the caller's transaction (a step that stores its own rows with it)."""
    link = create_link(s, step, recipient, contact, title, deadline, instructions, kind, key)
    subject, text, html = render_email("portal_link", title=title, recipient=recipient, contact=contact,
                                       url=link.url, deadline=aware(deadline), expires_at=link.expires_at,
                                       instructions=instructions, kind=kind)
    mailer.enqueue(s, f"portal-link:{link.link_id}", recipient.email, recipient.kind, subject, text, html)
    return link


@dataclass(frozen=True)
class LinkLookup:
    """What a token opens: the link, or why it does not (unknown | expired | used)."""

    problem: str  # "" when the link can be used
    link: PortalLink | None = None


def lookup(s: Session, token: str, at: datetime | None = None) -> LinkLookup:
    if not portal_tokens.well_formed(token):
        return LinkLookup("unknown")
    link = s.exec(select(PortalLink).where(PortalLink.token_hash == portal_tokens.token_hash(token))).first()
    if link is None:
        return LinkLookup("unknown")
    if link.accepted_at is not None:
        return LinkLookup("used", link)
    if (at or now()) > aware(link.expires_at):
        return LinkLookup("expired", link)
    return LinkLookup("", link)
