"""Internal supervision (内督, 第四条, 第十二条, 第十六条): the institution's own supervisors at each of
its sessions, their 附件3 records, the institution's follow-up, and its internal special
inspections. The institution acts through one-time portal links; the agency reads."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel


def _json() -> Column:
    return Column(JSON, nullable=False)


class InternalSession(SQLModel, table=True):
    """One evaluation session under internal supervision (第十六条 全覆盖): asked, assigned, recorded
    — or reported to the agency by name when it was not."""

    __tablename__ = "internal_session"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="evaluation_session.id", unique=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    agency_id: str | None = Field(default=None, foreign_key="agency.id", index=True)  # 第十一条: who watches
    # asked | assigned | recorded
    status: str = Field(default="asked", max_length=16, index=True)
    opened_on: date
    asked_on: date | None = None  # the contact was asked to assign (portal link mailed)
    assign_reminded_on: date | None = None
    unassigned_reported_on: date | None = None  # the agency was told the session starts uncovered
    assigned_on: date | None = None
    assigned_by: str = ""  # the contact's name as it stood when they assigned (or 名册 for a roster)
    recorder_id: int | None = Field(default=None, foreign_key="supervisor.id")  # files the record
    supervisor_ids: list[int] = Field(default_factory=list, sa_column=_json())  # every internal supervisor
    record_due: date | None = None  # 第十七条 via 第十六条 参照: 2 working days after the scheduled end
    record_due_reason: str = ""  # why it is unknown (a year with no official calendar)
    record_reminded_on: date | None = None
    missing_reported_on: date | None = None  # the agency was told no record came by the due day


class InternalRecord(SQLModel, table=True):
    """An internal supervisor's 附件3 record of one session (the same form, veto items and 20% rule
    as the external one), and the institution's follow-up on a 不合格 one."""

    __tablename__ = "internal_record"
    id: int | None = Field(default=None, primary_key=True)
    internal_session_id: int = Field(foreign_key="internal_session.id", unique=True)
    session_id: int = Field(foreign_key="evaluation_session.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    form_kind: str = Field(max_length=16)
    form_version: str = Field(max_length=16)
    submitted_by: int = Field(foreign_key="supervisor.id")
    submitted_on: date
    inspection_ended_on: date
    stated_end_reason: str = ""
    due_on: date | None = None
    late: bool
    methods: list[str] = Field(default_factory=list, sa_column=_json())
    veto_answers: dict = Field(default_factory=dict, sa_column=_json())
    item_answers: dict = Field(default_factory=dict, sa_column=_json())
    remarks: dict = Field(default_factory=dict, sa_column=_json())
    overall_evaluation: str
    supervisor_verdict: str = Field(max_length=8)
    verdict: str = Field(max_length=8, index=True)
    negative_count: int
    item_count: int
    veto_hits: list[int] = Field(default_factory=list, sa_column=_json())
    failed_items: list[int] = Field(default_factory=list, sa_column=_json())
    submission_id: int | None = Field(default=None, foreign_key="portal_submission.id")
    # 不合格: what the institution did about it (a short account with evidence), by when
    followup_due: date | None = None
    followup_text: str = ""
    followup_on: date | None = None
    followup_submission_id: int | None = Field(default=None, foreign_key="portal_submission.id")
    followup_reminded_on: date | None = None
    followup_overdue_reported_on: date | None = None


class InternalSpecialReport(SQLModel, table=True):
    """An internal special inspection the institution ran on its own matters with its internal
    supervisors (第十六条 参照 第十五条（二）), as it reported the outcome to its agency."""

    __tablename__ = "internal_special_report"
    id: int | None = Field(default=None, primary_key=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    agency_id: str | None = Field(default=None, foreign_key="agency.id", index=True)
    started_on: date
    ended_on: date
    matters: list[int] = Field(default_factory=list, sa_column=_json())  # 第十四条 areas
    subject: str
    supervisor_ids: list[int] = Field(default_factory=list, sa_column=_json())
    findings: str
    measures: str
    outcome: str = Field(max_length=16)  # 未发现问题 | 发现问题已整改 | 发现问题整改中
    submission_id: int | None = Field(default=None, foreign_key="portal_submission.id")
    reported_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
