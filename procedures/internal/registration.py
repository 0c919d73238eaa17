"""What internal supervision registers with the shared layers: its portal forms. Loaded by name
(procedures.load)."""

from procedures.internal import (
    portal_forms,  # noqa: F401  (registers assignment, record, follow-up)
    special_forms,  # noqa: F401  (registers internal_special)
)
