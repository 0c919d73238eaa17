"""SQLModel tables; Alembic migrations live in models/migrations."""

from models.tables import (  # noqa: F401
    Agency,
    AppointmentTerm,
    ConflictDeclaration,
    Dispatch,
    Draw,
    EvaluationSession,
    Institution,
    Supervisor,
)
