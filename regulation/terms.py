"""Appointment terms of external supervisors (第十条).

聘期三年，聘期届满自动解聘；经考核合格的可以续聘，但连续聘任不得超过三届。
Interpretation (ours; the text is silent): a term runs from its start to the day
before the third anniversary; a term is *consecutive* to the previous one when it
starts no later than the day after that one ended (no gap).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from regulation.deadlines import add_calendar_months
from regulation.reasons import Reason, RuleViolation

ARTICLE = "第十条"
TERM_YEARS = 3
MAX_CONSECUTIVE_TERMS = 3


@dataclass(frozen=True)
class Term:
    start: date

    @property
    def end(self) -> date:
        """Last day in office: the term ends automatically after it (聘期届满自动解聘)."""
        return add_calendar_months(self.start, 12 * TERM_YEARS) - timedelta(days=1)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def term_end(start: date) -> date:
    return Term(start).end


def active_term(terms: Sequence[Term], as_of: date) -> Term | None:
    """The term in force on `as_of`, if any."""
    return next((t for t in terms if t.covers(as_of)), None)


def term_status(terms: Sequence[Term], as_of: date) -> Reason:
    """Why a supervisor is or is not in office on `as_of`."""
    term = active_term(terms, as_of)
    if term:
        return Reason(ARTICLE, f"聘期 {term.start} 至 {term.end}，在聘")
    past = [t for t in terms if t.end < as_of]
    if past:
        return Reason(ARTICLE, f"聘期已于 {max(t.end for t in past)} 届满，自动解聘")
    return Reason(ARTICLE, "未聘任或聘期尚未开始")


def consecutive_run(terms: Sequence[Term], new_start: date) -> int:
    """How many terms end in an unbroken chain right before `new_start`."""
    run, boundary = 0, new_start
    for term in sorted(terms, key=lambda t: t.start, reverse=True):
        if term.start >= new_start:
            continue
        if term.end + timedelta(days=1) < boundary:
            break
        run, boundary = run + 1, term.start
    return run


def check_appointment(terms: Sequence[Term], new_start: date, assessment_passed: bool) -> Term:
    """Appoint or renew from `new_start`; raises RuleViolation with the reason when refused."""
    overlapping = [t for t in terms if t.covers(new_start)]
    if overlapping:
        raise RuleViolation(f"{new_start} 仍在聘期（{overlapping[0].start} 至 {overlapping[0].end}）内", ARTICLE)
    run = consecutive_run(terms, new_start)
    if run and not assessment_passed:
        raise RuleViolation("续聘须经考核合格", ARTICLE)
    if not run and not assessment_passed:
        raise RuleViolation("须经培训并考核合格后方可聘任", "第九条")
    if run >= MAX_CONSECUTIVE_TERMS:
        raise RuleViolation(f"已连续聘任 {run} 届，连续聘任不得超过{MAX_CONSECUTIVE_TERMS}届", ARTICLE)
    return Term(new_start)
