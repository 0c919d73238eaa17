"""The daily sweep's part for supervisors (第十条 terms, 第十六条 internal coverage, 第二十六条
cases): apart from terms, coverage, misconduct and misconduct_hearing, which it uses (so none imports another back)."""

from datetime import date

from adapters.db import session_scope
from adapters.mailer import deliver_pending
from procedures.supervisors.coverage import flag_internal_coverage
from procedures.supervisors.misconduct import open_overdue_cases
from procedures.supervisors.misconduct_hearing import compute_unknown_statement_dues
from procedures.supervisors.terms import sweep_terms


def daily_supervisor_sweep(as_of: date) -> str:
    """The daily sweep's part for supervisors: misconduct cases from overdue marks, term ends,
    expired suspensions, internal coverage; returns the summary (markdown)."""
    with session_scope() as s:
        opened = open_overdue_cases(s, as_of)
        dues = compute_unknown_statement_dues(s)
        terms = sweep_terms(s, as_of)
        flagged = flag_internal_coverage(s, as_of)
        lines = [terms.markdown(),
                 f"| 第二十六条（二）逾期立案 | {len(opened)} | {'、'.join(str(c.id) for c in opened) or '—'} |",
                 f"| 陈述申辩期限补算（工作日历载入） | {len(dues)} | {'、'.join(map(str, dues)) or '—'} |",
                 f"| 内督未全覆盖提醒（第十六条） | {len(flagged)} | {'、'.join(flagged) or '—'} |"]
    deliver_pending()
    return "\n".join(lines)
