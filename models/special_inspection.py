"""Tables of the special inspection (专项督导, 第十五条(二), 第十四条), revision 0008.

A special inspection hangs on an `inspection_case` row (its case file: flow run, agency,
institution, "today", the timeline, documents, outbox, answers and pending cases are keyed by
that row, as for the daily inspection); the rows here hold what only this procedure has.
Complaint content and the complainant are confidential (第八条): never in a letter, a log or a
mail to the institution.
"""

from datetime import date

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def _json() -> Column:
    return Column(JSON, nullable=False)


class SpecialInspection(SQLModel, table=True):
    __tablename__ = "special_inspection"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", unique=True)
    origin: str = Field(max_length=16)  # pending | complaint | initiative
    pending_case_id: int | None = Field(default=None, foreign_key="pending_case.id")
    complaint_source: str = ""  # 群众举报 / 媒体报道 … (第十四条(八))
    complaint_received_on: date | None = None
    complaint_content: str = ""  # confidential (第八条)
    complainant: str = ""  # confidential: never reaches the institution
    reason: str = ""  # why the agency opens it (较大风险隐患 / 重点督导 …), shown to the team
    planned_start: date
    planned_end: date
    # the team draw (第十条 双随机, 第十三条 recusal, no two from one employer), replayable
    team_size: int
    fewer_reason: str = ""
    draw_seed: str = Field(default="", max_length=64)
    draw_candidates: list[str] = Field(default_factory=list, sa_column=_json())
    draw_candidates_hash: str = Field(default="", max_length=64)
    stage: str = Field(default="opened", max_length=24)  # see procedures.special.casefile.STAGE_NAMES
    hearing_notes: str = ""  # 听取意见
    decided_by: dict = Field(default_factory=dict, sa_column=_json())  # step → staff label
    outcome: str = ""  # closing words of the case


class SpecialInspectionMember(SQLModel, table=True):
    __tablename__ = "special_inspection_member"
    __table_args__ = (UniqueConstraint("special_id", "supervisor_id"),)
    id: int | None = Field(default=None, primary_key=True)
    special_id: int = Field(foreign_key="special_inspection.id", index=True)
    supervisor_id: int = Field(foreign_key="supervisor.id", index=True)
    card_code: str = Field(max_length=13)
    position: int  # draw order
    is_lead: bool = False
    appointed_on: date
    findings_on: date | None = None
    # withdrawn after the draw (第十三条 a conflict declared late): no longer awaited, replaced by a
    # member drawn from the same pool (replaces_id on the new row); the who and why stay on the case
    withdrawn_on: date | None = None
    withdrawn_reason: str = ""
    withdrawn_by: str = ""  # the staff member's label (staff code checked)
    replaces_id: int | None = Field(default=None, foreign_key="special_inspection_member.id")


class SpecialInspectionMatter(SQLModel, table=True):
    """One 督导事项 (第十四条 (一)–(九)) and where the opinion on it stands."""

    __tablename__ = "special_inspection_matter"
    __table_args__ = (UniqueConstraint("special_id", "matter_no"),)
    id: int | None = Field(default=None, primary_key=True)
    special_id: int = Field(foreign_key="special_inspection.id", index=True)
    matter_no: int
    draft_rating: str = Field(default="", max_length=8)  # 初步督导意见
    draft_change_reason: str = ""  # the lead changed the worst rating, and why
    final_rating: str = Field(default="", max_length=8)  # 质量督导意见书


class SpecialInspectionFinding(SQLModel, table=True):
    """A member's finding on one matter (facts, evidence seen, rating)."""

    __tablename__ = "special_inspection_finding"
    __table_args__ = (UniqueConstraint("special_id", "supervisor_id", "matter_no"),)
    id: int | None = Field(default=None, primary_key=True)
    special_id: int = Field(foreign_key="special_inspection.id", index=True)
    supervisor_id: int = Field(foreign_key="supervisor.id")
    matter_no: int
    facts: str
    evidence: str
    rating: str = Field(max_length=8)
    submission_id: int | None = Field(default=None, foreign_key="portal_submission.id")


class SpecialInspectionRebuttalPoint(SQLModel, table=True):
    __tablename__ = "special_inspection_rebuttal_point"
    __table_args__ = (UniqueConstraint("special_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    special_id: int = Field(foreign_key="special_inspection.id", index=True)
    position: int
    text: str
    accepted: bool | None = None
    reason: str = ""


class SpecialInspectionDeadline(SQLModel, table=True):
    """Every window the procedure opens (self-report, rebuttal, rectification report, each
    round); the daily sweep acts on it when it passes. The run never waits on a timeout."""

    __tablename__ = "special_inspection_deadline"
    __table_args__ = (UniqueConstraint("special_id", "step_key"),)
    id: int | None = Field(default=None, primary_key=True)
    special_id: int = Field(foreign_key="special_inspection.id", index=True)
    kind: str = Field(max_length=16)  # self_report | rebuttal | report
    step_key: str = Field(max_length=40)  # the pause key the run waits at
    opened_on: date
    due: date | None = None  # None: the year has no official calendar yet (due_reason says so); the sweep fixes it (0012)
    status: str = Field(default="open", max_length=16, index=True)  # open | received | closing | closed
    received_on: date | None = None
    submission_id: int | None = Field(default=None, foreign_key="portal_submission.id")
    closed_on: date | None = None  # the sweep closed it: nothing came in time
    resumed: bool = False  # the sweep's resume reached the run
    working_days: int = 0  # the window's length, to compute `due` once the year is known (0012)
    due_reason: str = ""  # why `due` is unknown, for staff (0012)


class CaseCounter(SQLModel, table=True):
    """Case numbers of one kind, one series per agency and year (专项督导-CITY-B-2026-1), so the
    first special inspection of a year is 1 whatever other cases the database holds."""

    __tablename__ = "case_counter"
    agency_id: str = Field(foreign_key="agency.id", primary_key=True, max_length=32)
    kind: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last_serial: int = 0
