"""The portal's records: one-time links, what came in through them, and the files."""

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def _when(**kw) -> Column:
    return Column(DateTime(timezone=True), **kw)


class PortalLink(SQLModel, table=True):
    """A one-time link for one person at one human step of one case (ARCHITECTURE: who may do
    what). Only the token's SHA-256 is stored; the token itself is derived again from the key."""

    __tablename__ = "portal_link"
    id: int | None = Field(default=None, primary_key=True)
    link_key: str = Field(unique=True, max_length=160)  # idempotency: a replayed flow finds its link
    token_hash: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=24)  # statement_files
    case_kind: str = Field(max_length=32)  # e.g. special_inspection, sanction, test
    case_id: int
    step_key: str = Field(max_length=40)  # the pause key the run waits at
    flow_run_id: str = Field(index=True, max_length=40)
    recipient_kind: str = Field(max_length=16)  # institution | supervisor | staff
    recipient_name: str
    recipient_email: str
    agency_name: str  # whom to contact, shown on every page of the link
    agency_email: str
    title: str  # what is asked, e.g. 陈述和申辩（第二十五条）
    instructions: str = ""
    deadline: datetime = Field(sa_column=_when(nullable=False))  # the step's legal deadline
    expires_at: datetime = Field(sa_column=_when(nullable=False))  # deadline + grace
    created_at: datetime = Field(sa_column=_when(nullable=False))
    accepted_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class PortalSubmission(SQLModel, table=True):
    """What one link brought in (one per link: a second submit gets the first receipt), and
    whether the waiting run has been resumed with it."""

    __tablename__ = "portal_submission"
    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="portal_link.id", unique=True)
    receipt_number: str = Field(unique=True, max_length=32)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(sa_column=_when(nullable=False))
    resume_status: str = Field(default="pending", max_length=16, index=True)  # pending | resuming | resumed | obsolete | none (no run waits)
    resume_claimed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    resume_attempts: int = 0
    resumed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    last_error: str = ""  # what Prefect answered last time (never the payload)


class PortalFile(SQLModel, table=True):
    """A file of a submission, stored under var/uploads by its SHA-256 (never by its name).
    Evidence is confidential (第八条): never served publicly, never logged."""

    __tablename__ = "portal_file"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="portal_submission.id", index=True)
    position: int
    sha256: str = Field(index=True, max_length=64)
    size: int
    content_type: str = Field(max_length=80)  # from the content, not the name
    display_name: str  # the sender's file name: display text only, never a path


class PortalTokenMiss(SQLModel, table=True):
    """A request with a wrong link token, by client address: the rate limit on wrong tokens is
    counted here so that every worker process of the portal sees the same count (portal/guard.py).
    Rows older than the window are deleted as new misses come in."""

    __tablename__ = "portal_token_miss"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(index=True, max_length=64)
    at: float = Field(index=True)  # Unix time (seconds): one clock for every process
