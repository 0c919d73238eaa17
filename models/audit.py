"""The tamper-evident case file (issue 22): an append-only, hash-chained audit log and the daily
seals of its head.

Each entry records what was written to an audited table (a timeline row, a decision, a stored
submission with its files' SHA-256, a letter with its .docx's SHA-256, a register line) as
canonical JSON; its hash covers the previous entry's hash, its sequence number and that content
(adapters.audit). Entries are never updated or deleted: a later change is a new entry that names
the entry it corrects. A seal keeps the head hash of a day, mailed to the provincial centre and
shown on the public register, so a rewrite of the whole chain is detectable too.
"""

from datetime import date, datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)  # 1, 2, 3 … without gaps: the chain's order
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    kind: str = Field(max_length=16)  # insert | update | delete | genesis
    ref: str = Field(index=True, max_length=64)  # table:id of the row it describes
    case_ref: str = Field(default="", index=True, max_length=48)  # inspection:12, sanction:5, … or ""
    content: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON of what was recorded
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)  # sha256(prev_hash + str(seq) + content)


class AuditSeal(SQLModel, table=True):
    __tablename__ = "audit_seal"
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    head_seq: int
    head_hash: str = Field(max_length=64)
    sealed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    mailed: bool = False  # its mail to the provincial centre is in the outbox
