"""Appointment terms of external supervisors (第十条).

聘期三年，聘期届满自动解聘；经考核合格的可以续聘，但连续聘任不得超过三届。
Interpretations (RULES.md and ours):
- a term runs from its start to the day before its third anniversary (a start on 02-29
  ends on 02-27: the anniversary is clamped to 02-28);
- a term's stored end wins over the computed one when it is earlier (the term ended
  early: 解聘, resignation); a stored end later than the computed one cannot lengthen a
  term past three years (聘期三年), so the computed end then applies;
- consecutive terms: a new term counts as consecutive to the previous one when it starts
  *less than a gap* after the previous one ended (RULES.md; default 1 year, a parameter:
  `SUPERVISION_TERM_GAP_MONTHS`). Precisely: the time out of office — from the day after
  the previous term's last day up to the day before the new start — is shorter than
  `gap_months` calendar months. A renewal the day after the last day (no day out of
  office) is always consecutive, even with a gap of 0. So with the default, a term
  ending 2025-12-31 followed by one starting 2026-12-31 is consecutive (364 days out),
  one starting 2027-01-01 is not (a full year out). A one-day gap never resets the count.
- the terms counted are the person's (identity number), whatever card they were made under
  and whichever agency appointed: a re-issued card or an appointment by another agency
  continues the chain. A 届 is a span of office, not a record: terms that overlap (two
  agencies at once) are one 届, and a term that carries on an early-ended one from its next
  day to no later than that one's planned end (the remainder moved to a re-issued card) is
  the same 届. Whether a given card is in office is still read from that card's terms.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from regulation.deadlines import add_calendar_months
from regulation.reasons import Reason, RuleViolation

ARTICLE = "第十条"
TERM_YEARS = 3
MAX_CONSECUTIVE_TERMS = 3
CONSECUTIVE_GAP_MONTHS = 12  # RULES.md: "less than a set gap (default 1 year)"


@dataclass(frozen=True)
class Term:
    start: date
    stored_end: date | None = None  # the agency's record of the last day, when it has one

    @cached_property
    def computed_end(self) -> date:
        """Last day of a full term: the day before the third anniversary (聘期三年)."""
        return add_calendar_months(self.start, 12 * TERM_YEARS) - timedelta(days=1)

    @cached_property
    def end(self) -> date:
        """Last day in office: the term ends automatically after it (聘期届满自动解聘)."""
        if self.stored_end is None:
            return self.computed_end
        return min(self.stored_end, self.computed_end)

    @property
    def ended_early(self) -> bool:
        return self.end < self.computed_end

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
        last = max(past, key=lambda t: t.end)
        if last.ended_early:
            return Reason(ARTICLE, f"聘期已于 {last.end} 提前终止（原定至 {last.computed_end}），不在聘")
        return Reason(ARTICLE, f"聘期已于 {last.end} 届满，自动解聘")
    return Reason(ARTICLE, "未聘任或聘期尚未开始")


def _is_consecutive(previous_end: date, next_start: date, gap_months: int) -> bool:
    """Out of office from previous_end + 1 to next_start - 1: consecutive when shorter than the gap."""
    back_in_office = previous_end + timedelta(days=1)
    return next_start <= back_in_office or next_start < add_calendar_months(back_in_office, gap_months)


@dataclass(frozen=True)
class Appointment:
    """One 届: a span of office made of one or more term records (see the module docstring)."""

    start: date
    end: date
    planned_end: date  # the last day the 届 was appointed for (its first record's full term)


def appointments(terms: Sequence[Term]) -> list[Appointment]:
    """The person's terms merged into 届, by start: overlapping terms, and a continuation of an
    early-ended term (next day on, ending no later than its planned end), are one 届."""
    merged: list[Appointment] = []
    for term in sorted(terms, key=lambda x: (x.start, x.end)):
        last = merged[-1] if merged else None
        overlaps = last is not None and term.start <= last.end
        continues = (last is not None and term.start == last.end + timedelta(days=1)
                     and last.end < last.planned_end and term.end <= last.planned_end)
        if overlaps or continues:
            merged[-1] = Appointment(last.start, max(last.end, term.end),
                                     last.planned_end if continues else max(last.planned_end, term.computed_end))
        else:
            merged.append(Appointment(term.start, term.end, term.computed_end))
    return merged


def consecutive_run(terms: Sequence[Term], new_start: date, gap_months: int = CONSECUTIVE_GAP_MONTHS) -> int:
    """How many 届 form an unbroken chain (each gap shorter than `gap_months`) before `new_start`."""
    if gap_months < 0:
        raise ValueError(f"连续聘任间隔月数不能为负数，实际为 {gap_months}（第十条）")
    run, boundary = 0, new_start
    for term in sorted(appointments(terms), key=lambda t: t.start, reverse=True):
        if term.start >= new_start:
            continue
        if not _is_consecutive(term.end, boundary, gap_months):
            break
        run, boundary = run + 1, term.start
    return run


def excess_consecutive(terms: Sequence[Term], as_of: date, gap_months: int = CONSECUTIVE_GAP_MONTHS,
                       person_terms: Sequence[Term] | None = None) -> Reason | None:
    """Why the term in force on `as_of` may not be used (it is a 4th consecutive term), or None.

    A guard for terms recorded without `check_appointment` (imported rosters): 连续聘任不得
    超过三届, so a supervisor serving such a term is not dispatched. `terms` are the card's
    (which term is in force); `person_terms` all of the person's, under every card and issuer
    (what is counted; the card's own when not given).
    """
    counted = terms if person_terms is None else person_terms
    if len(counted) <= MAX_CONSECUTIVE_TERMS:  # no 3 earlier terms: nothing to count (the common case)
        return None
    term = active_term(terms, as_of)
    if term is None:
        return None
    start = next((a.start for a in appointments(counted) if a.start <= term.start <= a.end), term.start)  # its 届
    run = consecutive_run(counted, start, gap_months)
    if run < MAX_CONSECUTIVE_TERMS:
        return None
    return Reason(ARTICLE, f"本届（{start} 起）为连续第{run + 1}届聘任，连续聘任不得超过{MAX_CONSECUTIVE_TERMS}届")


def check_appointment(
    terms: Sequence[Term],
    new_start: date,
    assessment_passed: bool,
    gap_months: int = CONSECUTIVE_GAP_MONTHS,
) -> Term:
    """Appoint or renew from `new_start`; raises RuleViolation with the reason when refused."""
    overlapping = [t for t in terms if t.covers(new_start)]
    if overlapping:
        raise RuleViolation(f"{new_start} 仍在聘期（{overlapping[0].start} 至 {overlapping[0].end}）内", ARTICLE)
    run = consecutive_run(terms, new_start, gap_months)
    if run and not assessment_passed:
        raise RuleViolation("续聘须经考核合格", ARTICLE)
    if not run and not assessment_passed:
        raise RuleViolation("须经培训并考核合格后方可聘任", "第九条")
    if run >= MAX_CONSECUTIVE_TERMS:
        raise RuleViolation(
            f"已连续聘任 {run} 届（两届之间不在聘不足 {gap_months} 个月的视为连续），"
            f"连续聘任不得超过{MAX_CONSECUTIVE_TERMS}届", ARTICLE)
    return Term(new_start)
