"""Sanction cases (第十八条–第二十五条, 第二十七条): the case, the institution's history the ladder
escalates on, and the public register (一公开). Confidential parts (defence, minutes) never
leave the agency; the register rows carry only what 第二十二条/第二十三条 publish."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, Index, text
from sqlmodel import Field, SQLModel


def _json() -> Column:
    return Column(JSON, nullable=False)


_RECEIPT_OPEN = "decision_served_on IS NOT NULL AND receipt_signed_at IS NULL"


class SanctionCase(SQLModel, table=True):
    """One sanction procedure for one institution and one finding, owned by one flow run.

    status: pending | hearing | awaiting_decision | awaiting_report (20) | awaiting_minutes (21)
    | rectifying (22) | improving (27) | closed | dropped | reported (to the filing authority)."""

    __tablename__ = "sanction_case"
    __table_args__ = (Index("ix_sanction_case_status_rect_due", "status", "rectification_due"),
                      Index("ix_sanction_case_status_hearing_due", "status", "hearing_due"),
                      Index("ix_sanction_case_receipt_due", "receipt_due"),
                      Index("ix_sanction_case_number", "number", unique=True),  # 0018_leftovers
                      # 0012_cal: served, unsigned decisions only (a receipt period left 期限待定)
                      Index("ix_sanction_case_receipt_open", "receipt_due", sqlite_where=text(_RECEIPT_OPEN),
                            postgresql_where=text(_RECEIPT_OPEN)))
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=128)  # where it came from: pending:N, overdue:N, inactive-1y:…
    # 0018_leftovers: the case number staff and letters cite, 处理-<agency>-<year>-<n> (n from 1 per
    # agency and year, models.CaseCounter kind "sanction"), given when a run starts the procedure;
    # NULL before (a case the sweep opened and no run took up yet). The id stays the internal key.
    number: str | None = Field(default=None, max_length=64)
    pending_case_id: int | None = Field(default=None, foreign_key="pending_case.id", unique=True)
    source_sanction_id: int | None = Field(default=None, foreign_key="sanction_case.id")  # an escalation's origin
    institution_id: int = Field(foreign_key="institution.id", index=True)
    agency_id: str = Field(foreign_key="agency.id", max_length=32)  # the acting agency
    finding_case: str = Field(max_length=8)  # "22.2", "fail", …
    facts: str
    serious: bool = False
    source: str = Field(max_length=32)  # daily_inspection | special_inspection | sweep | registered
    opened_on: date
    clock_offset_days: int = 0
    flow_run_id: str | None = Field(default=None, unique=True, max_length=40)
    status: str = Field(default="pending", max_length=24)
    proposal: dict = Field(default_factory=dict, sa_column=_json())
    report_only: bool = False  # the acting agency did not file the institution: report, no measure
    hearing_due: date | None = None  # 第二十五条: last day to state and defend
    hearing_closed_on: date | None = None  # the sweep closed the window (no defence came)
    defence: dict = Field(default_factory=dict, sa_column=_json())  # {received_on, receipt, points}
    decision: str = Field(default="", max_length=16)  # adopt | change | drop
    decided_case: str = Field(default="", max_length=8)
    measure: str = Field(default="", max_length=16)
    decision_reason: str = ""
    point_replies: list[dict] = Field(default_factory=list, sa_column=_json())
    details: dict = Field(default_factory=dict, sa_column=_json())  # interview time/place, authority, …
    decided_on: date | None = None
    decided_by: str = ""
    rectification_due: date | None = None  # 附件4: 3 calendar months
    rectification_round: int = 0
    report_received_on: date | None = None
    resumed_on: date | None = None
    escalated_on: date | None = None  # the sweep opened the escalation (once)
    # 送达回执 of the 处理决定书: served by mail on decision_served_on (that counts as served); the
    # receipt (签收: who, the server's time) is the proof, asked through a portal link by
    # receipt_due; the sweep reminds the institution and tells the agency once (receipt_reminded_on).
    decision_served_on: date | None = None
    receipt_due: date | None = None
    receipt_signed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    receipt_signer: str = ""
    receipt_reminded_on: date | None = None


class InstitutionHistory(SQLModel, table=True):
    """The 监管档案 of an institution: every measure, with its date, number and article. The
    ladder reads interviews, written notices and improvement requests from here."""

    __tablename__ = "institution_history"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=128)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    kind: str = Field(max_length=24)  # interview | written_notice | improvement | void_results | revocation
    #                                   | referral | resumption | suspension | report | decision
    #                                   | not_suspended (a 第二十二条 decision met a revoked filing)
    on: date
    number: str = Field(default="", max_length=64)
    article: str = Field(default="", max_length=32)
    sanction_case_id: int | None = Field(default=None, foreign_key="sanction_case.id", index=True)
    text: str = ""


class RegisterEntry(SQLModel, table=True):
    """One public register line (第二十二条, 第二十三条, a resumption): no personal data (第八条)."""

    __tablename__ = "register_entry"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=128)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    institution_name: str
    filing_number: str = Field(max_length=64)
    measure: str  # 暂停评价活动并限期整改 | 撤销备案回执 | 恢复评价活动
    article: str = Field(max_length=32)
    document_number: str = Field(max_length=64)
    decided_on: date
    until: date | None = None  # the rectification deadline, for a suspension
    agency_name: str


# The daily sweep reads only what is due around its day (bench: flat in history): indexes on
# shared tables, declared here so models and migrations stay in step.
def _sweep_indexes() -> None:
    from models.tables import InspectionRecord, Institution

    Index("ix_institution_last_evaluation_on", Institution.last_evaluation_on)
    Index("ix_institution_filed_on", Institution.filed_on)
    Index("ix_inspection_record_confirmed_on", InspectionRecord.confirmed_on)


_sweep_indexes()
