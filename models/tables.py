"""The persistent record of supervision: who, where, which session, which draw."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def _json(**kw) -> Column:
    return Column(JSON, nullable=False, **kw)


class Agency(SQLModel, table=True):
    """A dispatching agency (委派机构, 第五条): the provincial center, a city bureau, a third party."""

    id: str = Field(primary_key=True, max_length=32)  # e.g. "PROV", "CITY-A", "TP-001"
    name: str
    level: str = Field(max_length=16)  # province | city | third_party
    city_letter: str | None = Field(default=None, max_length=1)  # 附件1 表3, for a city
    principal_id: str | None = Field(default=None, foreign_key="agency.id")  # third party acts for
    email: str
    letter_prefix: str = Field(max_length=32)  # 文号前缀, e.g. "鲁就督"


class Institution(SQLModel, table=True):
    """An evaluation institution (评价机构) and its filing (备案)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    filing_authority: str = Field(max_length=16)  # mohrss | province | city
    city_letter: str | None = Field(default=None, max_length=1)
    filing_number: str = Field(unique=True, max_length=64)
    category: str = Field(max_length=32)  # employer | social_org | industry | other
    filed_on: date
    scope_occupations: list[str] = Field(default_factory=list, sa_column=_json())
    scope_levels: list[str] = Field(default_factory=list, sa_column=_json())
    scope_regions: list[str] = Field(default_factory=list, sa_column=_json())
    exam_sites: list[str] = Field(default_factory=list, sa_column=_json())
    status: str = Field(default="active", max_length=16)  # active | suspended | revoked
    contact_email: str
    last_evaluation_on: date | None = None


class Supervisor(SQLModel, table=True):
    """A quality supervisor (质量督导员); the person is matched by person_key (ID number)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    person_key: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)  # external | internal
    card_code: str = Field(unique=True, max_length=13)
    issuer: str = Field(max_length=32)  # agency id (external) or H/Y/S + issuer code (internal)
    employer: str = ""
    status: str = Field(default="active", max_length=16)  # active | dispatch_suspended | dismissed
    card_status: str = Field(default="valid", max_length=16)  # valid | suspended | revoked
    email: str
    eligibility: dict = Field(default_factory=dict, sa_column=_json())  # 第六条 (一)-(五) attested
    eligibility_attested_on: date | None = None


class AppointmentTerm(SQLModel, table=True):
    """One 3-year appointment (第十条), by agreement or letter of appointment (聘书)."""

    __tablename__ = "appointment_term"

    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id", index=True)
    start: date
    end: date
    assessment_passed: bool
    instrument: str = Field(default="聘书", max_length=16)  # 聘书 | 协议


class ConflictDeclaration(SQLModel, table=True):
    """A declared conflict of interest (第十三条)."""

    __tablename__ = "conflict_declaration"

    __table_args__ = (UniqueConstraint("supervisor_id", "institution_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supervisor_id: int = Field(foreign_key="supervisor.id", index=True)
    institution_id: int = Field(foreign_key="institution.id", index=True)
    declared_on: date
    reason: str = ""


class EvaluationSession(SQLModel, table=True):
    """One evaluation session (批次) an institution runs."""

    __tablename__ = "evaluation_session"

    id: int | None = Field(default=None, primary_key=True)
    batch_number: str = Field(unique=True, max_length=64)  # 职业技能等级认定批次编号
    institution_id: int = Field(foreign_key="institution.id", index=True)
    occupation: str
    level: str = Field(max_length=16)
    form_kind: str = Field(max_length=16)  # theory | skill | review (附件3)
    region: str = ""
    site: str
    starts_at: datetime
    ends_at: datetime
    candidate_count: int = 0
    examiners: list[dict] = Field(default_factory=list, sa_column=_json())  # {name, person_key}
    internal_supervisors: list[dict] = Field(default_factory=list, sa_column=_json())  # {name, card_code, person_key}


class Draw(SQLModel, table=True):
    """A reproducible random draw (第十条): seed + sorted candidates → chosen."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="evaluation_session.id", index=True)
    agency_id: str = Field(foreign_key="agency.id")
    drawn_on: date
    seed: str = Field(max_length=64)
    k: int
    candidates: list[str] = Field(default_factory=list, sa_column=_json())
    candidates_hash: str = Field(max_length=64)
    chosen: list[str] = Field(default_factory=list, sa_column=_json())


class Dispatch(SQLModel, table=True):
    """A supervisor sent to a session (委派)."""

    __table_args__ = (UniqueConstraint("session_id", "supervisor_id"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="evaluation_session.id", index=True)
    supervisor_id: int = Field(foreign_key="supervisor.id", index=True)
    agency_id: str = Field(foreign_key="agency.id")
    institution_id: int = Field(foreign_key="institution.id", index=True)
    draw_id: int | None = Field(default=None, foreign_key="draw.id")
    dispatched_on: date
    status: str = Field(default="dispatched", max_length=16)  # dispatched | recorded | cancelled
    assignment_code_hash: str = Field(default="", max_length=64)
