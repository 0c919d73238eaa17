"""SQLModel tables; Alembic migrations live in models/migrations."""

from models.audit import AuditEntry, AuditSeal  # noqa: F401, E402
from models.calendar import CalendarDeclaration  # noqa: F401, E402
from models.desk import DeskAccess, DeskSession  # noqa: F401, E402
from models.internal import InternalRecord, InternalSession, InternalSpecialReport  # noqa: F401, E402
from models.lifecycle import (  # noqa: F401, E402
    AgencyStaff,
    AppointmentDraw,
    MisconductCase,
    SupervisionBan,
    SupervisorAssessment,
    SupervisorFileEntry,
    SupervisorRegistration,
)
from models.portal import PortalFile, PortalLink, PortalSubmission, PortalTokenMiss  # noqa: F401, E402
from models.sampling import PlanSession, SamplingPlan  # noqa: F401, E402
from models.sanctions import InstitutionHistory, RegisterEntry, SanctionCase  # noqa: F401, E402
from models.special_inspection import (  # noqa: F401, E402
    CaseCounter,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionFinding,
    SpecialInspectionMatter,
    SpecialInspectionMember,
    SpecialInspectionRebuttalPoint,
)
from models.tables import (  # noqa: F401
    Agency,
    AgencyDecision,
    AppointmentTerm,
    CaseEvent,
    ConflictDeclaration,
    Dispatch,
    Document,
    Draw,
    EvaluationSession,
    FormSubmission,
    InspectionCase,
    InspectionRecord,
    Institution,
    LetterCounter,
    OutboxMessage,
    PendingCase,
    RecordConfirmation,
    Supervisor,
)
