"""Tables of a supervisor's life (第六条–第十三条, 第二十六条) and of agency staff (revision 0004)."""

from datetime import date

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def _json() -> Column:
    return Column(JSON, nullable=False)


class SupervisorRegistration(SQLModel, table=True):
    """A person registered for training (第六条, 第九条), before and after the card is issued."""

    __tablename__ = "supervisor_registration"
    id: int | None = Field(default=None, primary_key=True)
    person_key: str = Field(unique=True, max_length=32)  # identity number (GB 11643)
    name: str
    employer: str = ""
    city_letter: str = Field(default="", max_length=1)
    phone: str = Field(default="", max_length=32)
    email: str
    kind: str = Field(default="external", max_length=16)  # external | internal
    attestations: dict = Field(default_factory=dict, sa_column=_json())  # 第六条 (一)-(五) → bool
    registered_on: date
    supervisor_id: int | None = Field(default=None, foreign_key="supervisor.id")  # once carded


class SupervisorAssessment(SQLModel, table=True):
    """Training and assessment results (第九条); renewal assessments (第十条)."""

    __tablename__ = "supervisor_assessment"
    __table_args__ = (UniqueConstraint("person_key", "kind", "on"),)
    id: int | None = Field(default=None, primary_key=True)
    person_key: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)  # training | assessment | renewal
    on: date
    passed: bool
    note: str = ""


class AppointmentDraw(SQLModel, table=True):
    """The random draw of card holders for appointment (第十条 随机抽取), replayable."""

    __tablename__ = "appointment_draw"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    agency_id: str = Field(foreign_key="agency.id")
    drawn_on: date
    term_start: date
    seed: str = Field(max_length=64)
    k: int
    candidates: list[str] = Field(default_factory=list, sa_column=_json())
    candidates_hash: str = Field(max_length=64)
    chosen: list[str] = Field(default_factory=list, sa_column=_json())


class MisconductCase(SQLModel, table=True):
    """A 第二十六条 procedure against a supervisor: opened, heard, decided."""

    __tablename__ = "misconduct_case"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)  # overdue:<dispatch id> | registered:<uuid>
    supervisor_id: int = Field(foreign_key="supervisor.id", index=True)
    item: int  # 第二十六条 (一)-(八)
    facts: str
    source: str = Field(max_length=16)  # overdue | registered
    dispatch_id: int | None = Field(default=None, foreign_key="dispatch.id")
    opened_on: date
    opened_by: str = ""
    opened_by_staff_id: int | None = Field(default=None, foreign_key="agency_staff.id")
    status: str = Field(default="open", max_length=16)  # open | hearing | decided | proposed | reported
    # 0012: the measure the 告知书 names (the hearing covers it and nothing heavier)
    proposed_measure: str = Field(default="", max_length=16)
    # 0012: an internal supervisor's 委派机构 (第十二条), which decides; the agency only proposes
    appointing_body: str = ""
    proposal_sent_on: date | None = None
    hearing_notified_on: date | None = None
    statement_due: date | None = None
    statement: str = ""
    statement_received_on: date | None = None  # only the supervisor's own portal submission
    statement_receipt: str = Field(default="", max_length=32)  # 0012: its portal receipt number
    proposed_months: int | None = None  # 0014: a proposed suspension's months, stated in the 告知书
    body_measure: str = Field(default="", max_length=16)  # 0014: the appointing body's reported decision
    body_decided_on: date | None = None  # 0014: the day the appointing body decided (as it reported)
    measure: str = Field(default="", max_length=16)  # criticism | suspension | dismissal | referral
    referral_authority: str = ""  # 0012: the judicial authority a referral goes to (移送司法机关)
    suspended_until: date | None = None
    decided_on: date | None = None
    decided_by: str = ""
    decided_by_staff_id: int | None = Field(default=None, foreign_key="agency_staff.id")
    decision_text: str = ""


class SupervisorFileEntry(SQLModel, table=True):
    """The supervisor's file (档案): every measure and lifecycle step, once per key."""

    __tablename__ = "supervisor_file_entry"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=96)
    person_key: str = Field(index=True, max_length=32)
    supervisor_id: int | None = Field(default=None, foreign_key="supervisor.id")
    on: date
    kind: str = Field(max_length=24)
    text: str
    document_id: int | None = Field(default=None, foreign_key="document.id")


class SupervisionBan(SQLModel, table=True):
    """不得再从事我省技能人才评价质量督导相关工作 (第二十六条), by identity number."""

    __tablename__ = "supervision_ban"
    person_key: str = Field(primary_key=True, max_length=32)
    since: date
    misconduct_case_id: int = Field(foreign_key="misconduct_case.id")


class AgencyStaff(SQLModel, table=True):
    """An agency staff account: 经办 or 审核; the personal code is kept only as a hash."""

    __tablename__ = "agency_staff"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: str = Field(foreign_key="agency.id", index=True)
    name: str
    role: str = Field(max_length=8)  # 经办 | 审核
    code_hash: str = Field(default="", max_length=128)  # set by `supervise staff add`, never by a roster
    active: bool = True
    # 0022_desk: the desk's sign-in password (`supervise staff password`), a salted scrypt hash
    # with its parameters (procedures.desk.auth); empty: no password set, the desk refuses.
    password_hash: str = Field(default="", max_length=200)
