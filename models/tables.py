"""The persistent record of supervision: who, where, which session, which draw."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
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
    # 0012: the name its letters go out under (发文机关标志 and signature), as the agency states it:
    # a 人社局/人社厅, or an entity acting on its delegation, e.g. 「省就业人才中心（受省人力资源
    # 社会保障厅委托）」. Data, never composed; blank: the agency's name (procedures.casework.letters).
    letterhead: str = Field(default="", max_length=128)

    @property
    def letterhead_name(self) -> str:
        """发文机关: what every letter's header and signature say (the stored letterhead, else the name)."""
        return self.letterhead.strip() or self.name


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
    industry_code: str = Field(default="", max_length=6)  # 附件1 二: H-card issuer code of its industry (0004)
    # 统一社会信用代码 (GB 32100): the organisation behind the filing; a revoked one files no more (第二十三条)
    credit_code: str = Field(default="", max_length=18, index=True)
    # 0019: who answers for its internal supervision (内督, 第十二条, 第十六条): assigns internal
    # supervisors to its sessions, follows up its records; blank email: contact_email
    internal_contact_name: str = Field(default="", max_length=64)
    internal_contact_email: str = Field(default="", max_length=254)

    @property
    def internal_contact(self) -> tuple[str, str]:
        """(name, email) of the internal-supervision contact: the named one, else the filing's
        address (for mail about a record already filed or a link the contact asked for)."""
        return (self.internal_contact_name.strip() or f"{self.name}内督联系人",
                self.internal_contact_email.strip() or self.contact_email)

    @property
    def has_internal_contact(self) -> bool:
        """Whether the institution named its internal-supervision contact (supervise internal contact)."""
        return bool(self.internal_contact_email.strip())


class Supervisor(SQLModel, table=True):
    """A quality supervisor (质量督导员); the person is matched by person_key (ID number)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    person_key: str = Field(index=True, max_length=32)
    kind: str = Field(max_length=16)  # external | internal
    card_code: str = Field(unique=True, max_length=13)
    issuer: str = Field(max_length=32)  # agency id (external) or H/Y/S + issuer code (internal)
    employer: str = ""
    status: str = Field(default="active", max_length=24)  # active | dispatch_suspended | dismissed
    card_status: str = Field(default="valid", max_length=16)  # valid | suspended | revoked
    email: str
    eligibility: dict = Field(default_factory=dict, sa_column=_json())  # 第六条 (一)-(五) attested
    eligibility_attested_on: date | None = None
    phone: str = Field(default="", max_length=32)  # 0004: rosters
    city_letter: str = Field(default="", max_length=1)  # 0004: where the supervisor lives/works (附件1 表3, 0 省直)
    card_issued_on: date | None = None  # 0004: 第十条 card issue
    issuer_institution_id: int | None = None  # 0014: the institution that issued an internal card (第十二条)


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
    cancelled_on: date | None = None  # 0020: the institution cancelled the session (a random plan records it)


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
    case_id: int | None = Field(default=None, foreign_key="inspection_case.id", index=True)
    reminded_on: date | None = None  # record reminder sent (due day)
    overdue_on: date | None = None  # 第二十六条(二) candidate: record not filed in time


class InspectionCase(SQLModel, table=True):
    """One daily inspection (第十五条(一)), owned by one flow run from dispatch to follow-up."""

    __tablename__ = "inspection_case"
    id: int | None = Field(default=None, primary_key=True)
    flow_run_id: str = Field(unique=True, max_length=40)
    session_id: int | None = Field(default=None, foreign_key="evaluation_session.id", index=True)
    batch_number: str = Field(max_length=64)
    agency_id: str | None = Field(default=None, foreign_key="agency.id")
    institution_id: int | None = Field(default=None, foreign_key="institution.id", index=True)
    opened_on: date  # the case's "today" when it opened (as_of)
    clock_offset_days: int = 0  # as_of − real date at opening: lets tests travel in time
    # open | dispatching | awaiting_go_ahead | awaiting_record | awaiting_confirmation | awaiting_decision
    # | refused (terminal) | closed (terminal)
    status: str = Field(default="open", max_length=24)
    refusal_reason: str = ""
    # The session this case inspects, while it is not refused: one daily inspection per session
    # (第二十三条(十) counts sessions); the unique index refuses a second one even in a race.
    active_session_id: int | None = Field(default=None, unique=True, index=True)
    record_due: date | None = None  # 第十七条, from the session's scheduled end
    record_due_reason: str = ""  # why record_due is unknown (a year with no official calendar)
    overdue_reported_on: date | None = None
    proposal: dict = Field(default_factory=dict, sa_column=_json())
    decision: str = ""
    verifications: list[dict] = Field(default_factory=list, sa_column=_json())  # 调查核实 {on, by, staff_id, text}
    # Who decided whether supervisors still go to a session that should not take place (their staff account).
    go_ahead_by: str = ""
    go_ahead_by_staff_id: int | None = Field(default=None, foreign_key="agency_staff.id")


class FormSubmission(SQLModel, table=True):
    """Every answer to a suspended form, with the outcome: replays read it, never re-judge it."""

    __tablename__ = "form_submission"
    __table_args__ = (UniqueConstraint("case_id", "pause_key"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", index=True)
    pause_key: str = Field(max_length=40)
    accepted: bool
    errors: list[str] = Field(default_factory=list, sa_column=_json())
    field_errors: dict = Field(default_factory=dict, sa_column=_json())  # field name → message
    final: bool = True  # False: accepted, and the same question is asked again (调查核实)
    received_on: date


class InspectionRecord(SQLModel, table=True):
    """The filed 附件3 record form and its verdict. Confidential (第八条)."""

    __tablename__ = "inspection_record"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", unique=True)
    form_kind: str = Field(max_length=16)
    form_version: str = Field(max_length=16)
    submitted_by: int = Field(foreign_key="supervisor.id")
    submitted_on: date  # the case's business date (as_of): deadlines and lateness count from it
    received_on: date | None = None  # the true date it was received (Beijing time), shown as 提交
    inspection_ended_on: date
    stated_end_reason: str = ""  # why the inspection ended after the session's scheduled end
    due_on: date | None = None  # None: the year's official calendar is not known yet
    late: bool
    methods: list[str] = Field(default_factory=list, sa_column=_json())
    veto_answers: dict = Field(default_factory=dict, sa_column=_json())
    item_answers: dict = Field(default_factory=dict, sa_column=_json())
    remarks: dict = Field(default_factory=dict, sa_column=_json())
    overall_evaluation: str
    supervisor_verdict: str = Field(default="", max_length=8)  # 评定 stated by the supervisor (附件3)
    verdict: str = Field(max_length=8)
    confirmed_on: date | None = None  # every dispatched supervisor confirmed or disagreed: it counts
    negative_count: int
    item_count: int
    veto_hits: list[int] = Field(default_factory=list, sa_column=_json())
    failed_items: list[int] = Field(default_factory=list, sa_column=_json())
    entered_by: str = ""  # 代录: the staff member who entered a paper record (name, agency, number)


class AgencyDecision(SQLModel, table=True):
    """The agency's follow-up choice on a record (第十五条(一)3)."""

    __tablename__ = "agency_decision"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", unique=True)
    option: str = Field(max_length=16)
    proposed_option: str = Field(max_length=16)
    opinion: str = ""
    problems: list[str] = Field(default_factory=list, sa_column=_json())  # written by staff
    report_due: date | None = None  # the written report a letter asks for
    report_days: int = 0  # its calendar days, to compute report_due once an unknown year is declared (0012)
    handled_by: str  # the decider's name, for the letters and existing readers
    decided_by_staff_id: int | None = Field(default=None, foreign_key="agency_staff.id")  # who decided
    decided_on: date


class RecordConfirmation(SQLModel, table=True):
    """第十七条 binds every dispatched supervisor: with several on one session, each of the
    others confirms the one record with their own assignment code, or files a disagreement;
    or the agency closes a missing confirmation as overdue."""

    __tablename__ = "record_confirmation"
    __table_args__ = (UniqueConstraint("dispatch_id"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", index=True)
    dispatch_id: int = Field(foreign_key="dispatch.id")
    position: str = Field(max_length=16)  # confirmed | disagreed | overdue
    text: str = ""  # the disagreement, or who closed it as overdue
    on: date


class LetterCounter(SQLModel, table=True):
    """Official document numbers, one series per agency per year (e.g. 济人社督〔2026〕3号)."""

    __tablename__ = "letter_counter"
    agency_id: str = Field(foreign_key="agency.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_serial: int = 0


class Document(SQLModel, table=True):
    """A rendered official document (.docx) with its number and HTML twin."""

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=128)
    case_id: int | None = Field(default=None, foreign_key="inspection_case.id", index=True)
    agency_id: str = Field(foreign_key="agency.id")
    kind: str = Field(max_length=32)
    number: str = Field(max_length=64)
    title: str
    filename: str
    issued_on: date
    html: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """Every email, written before any SMTP call; sent once, never lost."""

    __tablename__ = "outbox_message"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=128)
    case_id: int | None = Field(default=None, foreign_key="inspection_case.id", index=True)
    recipient: str
    recipient_kind: str = Field(max_length=16)  # supervisor | agency | institution
    subject: str
    text_body: str
    html_body: str
    document_ids: list[int] = Field(default_factory=list, sa_column=_json())
    status: str = Field(default="pending", max_length=16, index=True)  # pending | sending | sent
    claimed_at: datetime | None = None  # set while one process sends it
    claimed_pid: int | None = None  # who holds the claim: a claim of a dead process is taken back
    claimed_host: str | None = Field(default=None, max_length=255)
    attempts: int = 0
    last_error: str = ""
    created_at: datetime
    sent_at: datetime | None = None


class CaseEvent(SQLModel, table=True):
    """The case timeline agency staff read in the UI."""

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="inspection_case.id", index=True)
    key: str = Field(max_length=64)  # idempotency: one event per step
    on: date
    text: str


class PendingCase(SQLModel, table=True):
    """A special inspection or sanction procedure opened by a follow-up, for later procedures."""

    __tablename__ = "pending_case"
    __table_args__ = (UniqueConstraint("source_case_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # special_inspection | sanction
    institution_id: int = Field(foreign_key="institution.id", index=True)
    source_case_id: int = Field(foreign_key="inspection_case.id")
    article: str = ""
    facts: str
    status: str = Field(default="open", max_length=16)
    opened_on: date
