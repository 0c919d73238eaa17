"""The internal-supervision contact's way in (内督联系人, 第十二条, 第十六条): a one-time link by asking.

Design: people outside the agency act through one-time portal links, one per step — no
passwords for 2,000 institutions (nothing to reset, leak or share; the same care as every other
link: token hashed, bound to one step and one person, expiring). The contact is the person the
agency recorded on the institution (cli/internal_contacts.py; Institution.internal_contact). On
the portal's public page /internal they give the filing number, their e-mail and what they want
to do; when the e-mail is the contact's (case-insensitive) and the filing is not revoked, a link
of the matching kind goes to the address on record — never to the typed one — valid 7 days.
The page answers the same whatever matched (no enumeration of institutions or e-mails); the
portal rate-limits the page per client address like wrong tokens (portal/guard.py), and here at
most OPEN_PER_DAY links of a kind are mailed to one institution a day, so the page cannot be
used to flood the contact's mailbox.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

from sqlmodel import col, func, select

from adapters.clock import now
from adapters.db import session_scope
from adapters.settings import get_settings
from models import Institution, PortalLink
from procedures.casework.dispatching import responsible_agency
from procedures.portal import links as portal_links

LINK_DAYS = 7
OPEN_PER_DAY = 5


@dataclass(frozen=True)
class Purpose:
    kind: str  # the link kind (procedures/portal/links.py KINDS)
    label: str  # as the request page offers it
    title: str  # the link's title (mail, page, receipt)
    instructions: str


PURPOSES: dict[str, Purpose] = {
    "register": Purpose("internal_people", "登记内督员并核发证卡", "登记内督员并核发内督证卡（第十二条）",
                        "登记一名经本机构培训并考核合格的内督员，核发仅限本机构内部使用的内督证卡。每个链接办理一次。"),
    "cards": Purpose("internal_people", "暂停或恢复内督证卡", "暂停或恢复内督证卡（第十二条）",
                     "暂停或恢复本机构核发的一张内督证卡。每个链接办理一次。"),
    "special": Purpose("internal_special", "报告内部专项督导", "报告内部专项督导（第十六条）",
                       "报告本机构已完成的一次内部专项督导：督导事项、督导小组、发现的问题和整改情况。每个链接报告一次。"),
}


def purpose_of(step_key: str) -> str:
    """What a link was asked for: the first part of its step key (register-…, cards-…, special-…)."""
    return step_key.split("-", 1)[0]


def request_link(filing_number: str, email: str, what: str) -> bool:
    """Mail a one-time link when the e-mail is the institution's internal contact's; True when one
    was mailed (for tests and the log: the page must not show it)."""
    purpose = PURPOSES.get(what)
    filing_number, email = filing_number.strip(), email.strip().lower()
    if purpose is None or not filing_number or not email:
        return False
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == filing_number)).first()
        if inst is None or inst.status == "revoked":
            return False
        name, contact_email = inst.internal_contact
        if contact_email.strip().lower() != email:
            return False
        agency = responsible_agency(s, inst)
        if agency is None:
            return False
        since = now() - timedelta(days=1)
        recent = s.exec(select(func.count()).select_from(PortalLink).where(
            PortalLink.case_kind == purpose.kind, PortalLink.case_id == inst.id,
            col(PortalLink.step_key).startswith(f"{what}-"), PortalLink.created_at > since)).one()
        if recent >= OPEN_PER_DAY:
            return False
        step = portal_links.CaseStep(purpose.kind, inst.id, f"{what}-{uuid4().hex[:20]}", "")  # ≤ 40 (step_key)
        recipient = portal_links.Recipient("institution", name, contact_email.strip())
        contact = portal_links.Contact(agency.letterhead_name, agency.email)
    # valid LINK_DAYS days in all: the step's own deadline plus the links' grace period
    grace = get_settings().portal_link_grace_days
    deadline = now() + timedelta(days=max(LINK_DAYS - grace, 1))
    key = f"{step.case_kind}:{step.case_id}:{step.step_key}"  # unique per request; an e-mail would not fit 160
    portal_links.invite(step, recipient, contact, purpose.title, deadline, purpose.instructions, kind=purpose.kind,
                        key=key)
    return True
