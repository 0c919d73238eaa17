"""The agency staff's desk (issue 18): server-side sign-in sessions and the access log.

A session's cookie value is random and stored only as its SHA-256; it lasts 8 hours, and a
sign-out or `supervise staff disable` revokes it. The access log keeps who did what and when
(sign-in ok or refused, a document downloaded); the wrong-password limits count its rows.
Records stay confidential (第八条): the log names documents by id and number, never content.
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel


def _when(**kw) -> Column:
    return Column(DateTime(timezone=True), **kw)


class DeskSession(SQLModel, table=True):
    __tablename__ = "desk_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)  # sha256 of the cookie value
    staff_id: int = Field(foreign_key="agency_staff.id", index=True)
    created_at: datetime = Field(sa_column=_when(nullable=False))
    expires_at: datetime = Field(sa_column=_when(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    address: str = Field(default="", max_length=64)


class DeskAccess(SQLModel, table=True):
    """One line of the desk's access log: who (the account, and the staff row when known), when,
    from where, what (signin_ok | signin_failed | signin_limited | signout | download)."""

    __tablename__ = "desk_access"
    __table_args__ = (Index("ix_desk_access_what_at", "what", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(nullable=False))
    staff_id: int | None = Field(default=None, foreign_key="agency_staff.id", index=True)
    account: str = Field(default="", max_length=16, index=True)  # the account number as typed (0007)
    address: str = Field(default="", max_length=64, index=True)
    what: str = Field(max_length=16)
    detail: str = Field(default="", max_length=200)  # why refused; which document
