"""The random inspection plan (双随机、一公开, 第十五条): the plan with its published frame, seed and
draw, and each chosen session with its strike, its automatic start and what changed after the draw."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def _json() -> Column:
    return Column(JSON, nullable=False)


class SamplingPlan(SQLModel, table=True):
    """One agency's plan for a period: the frame (published as a hash), the seed, the draw, the approval."""

    __tablename__ = "sampling_plan"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True, max_length=64)  # public, e.g. CITY-A-20260401-20260630-1
    flow_run_id: str = Field(unique=True, max_length=40)  # the sampling-plan run that owns it
    agency_id: str = Field(foreign_key="agency.id", index=True)
    period_start: date
    period_end: date
    rate_percent: float = 0
    requested_count: int = 0
    minimum_per_year: int = 0
    lead_working_days: int  # each chosen session's inspection starts this many working days before it
    weights: dict = Field(default_factory=dict, sa_column=_json())  # factor → {weight, title, article, reason}
    candidates: list = Field(default_factory=list, sa_column=_json())  # [batch, filing number, start day, weight]
    needs: dict = Field(default_factory=dict, sa_column=_json())  # filing number → minimum drawn first
    excluded: list = Field(default_factory=list, sa_column=_json())  # {batch, institution, reason}
    uncovered: dict = Field(default_factory=dict, sa_column=_json())  # filing number → still short this year
    frame_size: int
    sample_size: int
    frame_hash: str = Field(max_length=64)
    seed: str = Field(max_length=64)
    published_on: date  # the summary (period, frame size, rate, seed, hash) is public from this day
    chosen: list = Field(default_factory=list, sa_column=_json())  # batch numbers, sorted
    status: str = Field(default="drawn", max_length=16)  # drawn | approved
    approved_by: str = ""  # the approver's label (name, agency, staff number)
    approved_by_staff_id: int | None = Field(default=None, foreign_key="agency_staff.id")
    approved_on: date | None = None
    approval_key: str = Field(default="", max_length=40)  # the pause key whose answer approved it
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PlanSession(SQLModel, table=True):
    """A session the plan chose: struck (with its reason) or inspected, started once by its key."""

    __tablename__ = "plan_session"
    __table_args__ = (UniqueConstraint("plan_id", "session_id"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="sampling_plan.id", index=True)
    session_id: int = Field(foreign_key="evaluation_session.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    batch_number: str = Field(max_length=64)
    planned_start: datetime  # the session's scheduled start as drawn (the same column type as its starts_at)
    # chosen → started | struck | cancelled | missed (the session began before it could be started)
    status: str = Field(default="chosen", max_length=16, index=True)
    start_key: str = Field(unique=True, max_length=64)  # plan-P-session-S: Prefect's idempotency key too
    start_on: date | None = None  # N working days before the session (None: not yet known)
    start_on_reason: str = ""  # why start_on is unknown (a year with no official calendar)
    flow_run_id: str = Field(default="", max_length=40)
    started_on: date | None = None
    struck_reason: str = ""
    struck_by: str = ""
    struck_on: date | None = None
    moved_to: datetime | None = None  # the session's new scheduled start, once it moved after the draw
    change_text: str = ""  # what changed after the draw (moved, cancelled, missed), as recorded
    change_noted_on: date | None = None
    change_reported_on: date | None = None  # the agency was told by the sweep
