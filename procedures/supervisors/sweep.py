"""The daily sweep's part for supervisors (第十条 terms, 第二十六条 cases): apart from terms,
misconduct and misconduct_hearing, which it uses (so none imports another back). Internal
coverage (第十六条) is procedures.internal.sweep's."""

from datetime import date

from adapters.db import session_scope
from adapters.mailer import deliver_pending
from procedures.supervisors.misconduct import open_overdue_cases
from procedures.supervisors.misconduct_hearing import compute_unknown_statement_dues
from procedures.supervisors.terms import sweep_terms


def daily_supervisor_sweep(as_of: date) -> str:
    """The daily sweep's part for supervisors: misconduct cases from overdue marks, term ends,
    expired suspensions; returns the summary (markdown)."""
    with session_scope() as s:
        opened = open_overdue_cases(s, as_of)
        dues = compute_unknown_statement_dues(s)
        terms = sweep_terms(s, as_of)
        lines = [terms.markdown(),
                 f"| 第二十六条（二）逾期立案 | {len(opened)} | {'、'.join(str(c.id) for c in opened) or '—'} |",
                 f"| 陈述申辩期限补算（工作日历载入） | {len(dues)} | {'、'.join(map(str, dues)) or '—'} |"]
    deliver_pending()
    return "\n".join(lines)
