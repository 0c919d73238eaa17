"""Recusal (第十三条), the four hard checks made at dispatch time.

1. a declared conflict of interest with the institution excludes the supervisor;
2. not examiner (考评) at the same session;
3. within one year, not dispatched to the same institution 3 times in a row.
   Interpretation (RULES.md): take that institution's external dispatches in the 365
   days before the new one, newest first, and refuse when the two newest are both this
   supervisor. With several supervisors on one session we compare *occasions*
   (sessions): refused when this supervisor was on each of the two newest occasions —
   identical to RULES.md when each occasion has one supervisor. Every external supervision
   at the institution is an occasion, whichever procedure sent the supervisor: a daily
   dispatch's session and a special-inspection team alike (the history the caller builds);
4. an external supervisor may not be internal supervisor at the same session.
People are matched by `person_key` (the ID-card number), since one person holds
different card codes as external and internal supervisor. Checks 1 and 3 follow the
person too (RULES.md): a declared conflict and the earlier dispatches stay with the
identity number, so a re-issued card (a new card row) resets neither.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from regulation.reasons import Reason

ARTICLE = "第十三条"
REPEAT_WINDOW = timedelta(days=365)
MAX_IN_A_ROW = 3  # 不得连续3次委派同一外督员

CONFLICT = "conflict_of_interest"
EXAMINER = "examiner_same_session"
REPEAT = "third_in_a_row"
INTERNAL = "internal_same_session"
RULE_LABELS = {
    CONFLICT: "申报利害关系应回避",
    EXAMINER: "兼任同场次考评人员",
    REPEAT: "一年内已连续2次委派至该机构",
    INTERNAL: "兼任同场次内督员",
}


@dataclass(frozen=True)
class Conflict:
    rule: str
    reason: Reason


@dataclass(frozen=True)
class PastDispatch:
    """One earlier external-supervision occasion at an institution, with who went (person keys)."""

    session_ref: str
    on: date
    person_keys: frozenset[str]


@dataclass(frozen=True)
class SessionPeople:
    """Who works at a session, for the same-session checks."""

    session_ref: str
    institution_id: str
    on: date
    examiner_keys: frozenset[str] = frozenset()
    internal_supervisor_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CandidateRef:
    supervisor_id: str
    person_key: str
    card_code: str = ""


@dataclass
class InstitutionHistory:
    """An institution's external occasions, newest first; updated as the day's draws land."""

    occasions: list[PastDispatch] = field(default_factory=list)

    def add(self, occasion: PastDispatch) -> None:
        self.occasions.append(occasion)
        self.occasions.sort(key=lambda o: (o.on, o.session_ref), reverse=True)

    def newest(self, session: SessionPeople) -> list[PastDispatch]:
        """The (MAX_IN_A_ROW - 1) newest other occasions within the 365-day window."""
        recent = [o for o in self.occasions
                  if o.session_ref != session.session_ref and session.on - REPEAT_WINDOW <= o.on <= session.on]
        return recent[: MAX_IN_A_ROW - 1]

    def repeat_blocked(self, session: SessionPeople) -> frozenset[str]:
        """Person keys on each of the newest occasions: a next dispatch would be the 3rd in a row."""
        newest = self.newest(session)
        if len(newest) < MAX_IN_A_ROW - 1:
            return frozenset()
        return frozenset.intersection(*(o.person_keys for o in newest))


def conflicts_for(
    candidates: Iterable[CandidateRef],
    session: SessionPeople,
    declared_conflicts: frozenset[str],
    history: InstitutionHistory,
) -> dict[str, list[Conflict]]:
    """Every recusal conflict of each candidate at `session`; candidates without one are absent.

    `declared_conflicts` holds the person keys (identity numbers) of the people who
    declared an interest in this institution, under any of their cards. The result is
    keyed by supervisor id (the card row). Set operations first, so a pool of thousands
    costs little.
    """
    candidates = list(candidates)
    repeat = history.repeat_blocked(session)
    hit_keys = {c.person_key for c in candidates} & (
        declared_conflicts | repeat | session.examiner_keys | session.internal_supervisor_keys
    )
    result: dict[str, list[Conflict]] = {}
    for c in candidates:
        if c.person_key not in hit_keys:
            continue
        found = []
        if c.person_key in declared_conflicts:
            found.append(Conflict(CONFLICT, Reason(ARTICLE, "已申报与该评价机构存在利害关系，应当回避")))
        if c.person_key in session.examiner_keys:
            found.append(Conflict(EXAMINER, Reason(ARTICLE, "担任同场次考评人员，不得兼任督导")))
        if c.person_key in repeat:
            dates = "、".join(str(o.on) for o in history.newest(session))
            found.append(Conflict(REPEAT, Reason(
                ARTICLE, f"一年内已连续2次（{dates}）委派至该评价机构，不得连续3次委派同一外督员")))
        if c.person_key in session.internal_supervisor_keys:
            found.append(Conflict(INTERNAL, Reason(ARTICLE, "担任同场次内督员，外督员不得兼任")))
        result[c.supervisor_id] = found
    return result


def check_recusal(
    candidate: CandidateRef,
    session: SessionPeople,
    declared_conflicts: frozenset[str],
    history: InstitutionHistory,
) -> list[Conflict]:
    """All conflicts of one named supervisor (empty list: may be dispatched)."""
    return conflicts_for([candidate], session, declared_conflicts, history).get(candidate.supervisor_id, [])


def history_from(occasions: Sequence[PastDispatch]) -> InstitutionHistory:
    return InstitutionHistory(sorted(occasions, key=lambda o: (o.on, o.session_ref), reverse=True))
