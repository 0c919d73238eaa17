"""The application logic of each procedure (ARCHITECTURE.md), one package per procedure, plus
what they share. Each operation is one transaction, idempotent by a database key; rules come
from regulation/, reads and writes go through models/ and adapters/ (I/O only).

- casework/    what every procedure uses: the case and its timeline, answer-once, numbered
               letters, pending cases, staff codes, the calendar, dispatch facts, run health.
- portal/      one-time links, stored submissions and their evidence files, and the registry of
               portal forms (each procedure registers its own).
- daily/       日常督导 (第十五条（一）, 第十七条, 附件3).
- special/     专项督导 (第十四条, 第十五条（二）).
- sanctions/   处理 (第十八条–第二十五条, 第二十七条, 附件4).
- supervisors/ 督导员: registration, cards, terms, misconduct (第六条–第十三条, 第二十六条).
- rosters/     rosters an agency imports and exports (附件1).
- internal/    内督: the institutions' own supervision of every session (第十二条, 第十六条).
- backups/     backups and restores of the whole service (issue 22: records that can be restored).
- desk/        the agency's desk: staff sign-in, 待办 across the procedures, statistics, the year's report.
- sampling/    双随机、一公开: the random inspection plan, its automatic starts and publication (第十五条).

The procedure packages import casework, portal and the layers below, never each other; a
procedure that starts another goes through a pending case (casework.pending). Checked by
import-linter (pyproject.toml, `make lint`).
"""

import importlib

# The procedures that register something with the shared layers (portal forms, run-health case
# readers), each in its `registration` module: loaded by name, never imported by casework or
# portal, which must not depend on any procedure.
PACKAGES = ("daily", "special", "sanctions", "supervisors", "internal", "sampling")


def load() -> None:
    """Every procedure's registrations (idempotent: Python imports a module once)."""
    for package in PACKAGES:
        importlib.import_module(f"procedures.{package}.registration")
