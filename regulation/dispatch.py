"""Random dispatch of external supervisors (第十条, 第十一条, 第十五条 "双随机").

Who may be drawn for a session:
- jurisdiction (第十一条 属地管理、分级负责): the province dispatches to provincial-level
  institutions, a city bureau to institutions filed in that city; a commissioned third
  party (第五条) acts within its principal's jurisdiction. Interpretation (ours):
  institutions filed with MOHRSS that operate in Shandong count as provincial-level;
  each agency draws from the external supervisors whose card it issued (card area "0"
  for the province, the city letter for a city) — the pool it trained (第十条);
- external supervisors only, card valid (a suspended or cancelled card excludes), not
  suspended from dispatch and not dismissed (第二十六条), in term (第十条; a term's stored
  end wins when it ended early, see regulation.terms), and that term not a 4th consecutive
  one (第十条 连续聘任不得超过三届 — a guard for terms recorded without the appointment check);
- dismissal follows the person (第二十六条 "予以解聘且不得再从事我省技能人才评价质量督导
  相关工作"): once any card row of a person (same identity number) is dismissed, none of
  that person's cards may be dispatched. Interpretation (ours): a cancelled card by itself
  excludes only that card — a card is also cancelled when it is re-issued (lost, damaged),
  and the re-issued card remains dispatchable;
- no recusal conflict (第十三条, regulation.recusal; declared conflicts and the 3-in-a-row
  rule follow the person, not the card).

The draw is seeded and reproducible: candidates are sorted by card code, and
`random.Random(seed).sample(candidates, k)` picks; the result carries the seed, the
sorted candidate list and its SHA-256, so anyone can replay it with `replay_draw`.
"""

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from regulation.cards import PROVINCIAL_AREA
from regulation.reasons import Reason, RuleViolation
from regulation.recusal import (
    RULE_LABELS,
    CandidateRef,
    Conflict,
    InstitutionHistory,
    SessionPeople,
    conflicts_for,
)
from regulation.terms import (
    CONSECUTIVE_GAP_MONTHS,
    Term,
    active_term,
    excess_consecutive,
    term_status,
)

AgencyLevel = Literal["province", "city"]
FilingAuthority = Literal["mohrss", "province", "city"]


@dataclass(frozen=True)
class AgencyFacts:
    agency_id: str
    level: AgencyLevel  # for a commissioned third party: its principal's level
    city_letter: str | None = None  # for a city bureau (or a third party acting for one)

    @property
    def card_area(self) -> str:
        return PROVINCIAL_AREA if self.level == "province" else self.city_letter


@dataclass(frozen=True)
class InstitutionFacts:
    institution_id: str
    filing_authority: FilingAuthority
    city_letter: str | None = None


@dataclass(frozen=True)
class SupervisorFacts:
    supervisor_id: str
    person_key: str
    card_code: str
    kind: Literal["external", "internal"]
    card_area: str | None  # "0" or city letter for external cards
    card_status: Literal["valid", "suspended", "revoked"] = "valid"
    dispatch_suspended: bool = False  # 第二十六条: 暂停质量督导任务委派
    terms: tuple[Term, ...] = ()
    dismissed: bool = False  # 第二十六条: 予以解聘 (this appointment ended by the agency)
    person_dismissed: bool = False  # the same person was dismissed under another card (不得再从事)
    term_gap_months: int = CONSECUTIVE_GAP_MONTHS  # 第十条: what still counts as consecutive (setting)
    employer: str = ""  # 工作单位: a special-inspection team takes no two from one employer
    person_terms: tuple[Term, ...] | None = None  # 第十条: the person's terms under every card (None: `terms`)

    def ref(self) -> CandidateRef:
        return CandidateRef(self.supervisor_id, self.person_key, self.card_code)


def jurisdiction(agency: AgencyFacts, institution: InstitutionFacts) -> Reason | None:
    """None when the agency may dispatch to the institution, else why not (第十一条)."""
    if agency.level == "province":
        if institution.filing_authority in ("mohrss", "province"):
            return None
        return Reason("第十一条", "该机构由设区市备案，应由所在市委派外督员")
    if institution.filing_authority == "city" and institution.city_letter == agency.city_letter:
        return None
    return Reason("第十一条", "该机构不在本市备案范围内，不属本机构委派管辖")


def pool_exclusions(s: SupervisorFacts, agency: AgencyFacts, on: date) -> list[Reason]:
    """Why a supervisor is not in the agency's pool on `on` (empty: in the pool)."""
    reasons = []
    if s.kind != "external":
        reasons.append(Reason("第四条", "内督员不得承担外督任务"))
    elif s.card_area != agency.card_area:
        reasons.append(Reason("第十一条", "证卡非本委派机构核发"))
    if s.card_status != "valid":
        status = {"suspended": "暂停", "revoked": "已取消"}[s.card_status]
        reasons.append(Reason("第二十六条", f"证卡状态：{status}"))
    if s.dismissed:
        reasons.append(Reason("第二十六条", "已被解聘，不得再从事质量督导工作"))
    elif s.person_dismissed:
        reasons.append(Reason("第二十六条", "本人曾被解聘（其他证卡），不得再从事质量督导工作"))
    if s.dispatch_suspended:
        reasons.append(Reason("第二十六条", "已被暂停质量督导任务委派"))
    if active_term(s.terms, on) is None:
        reasons.append(term_status(s.terms, on))
    elif excess := excess_consecutive(s.terms, on, s.term_gap_months, s.person_terms):
        reasons.append(excess)
    return reasons


class InsufficientSupervisors(RuleViolation):
    def __init__(self, needed: int, eligible: int, why_not: Counter):
        detail = "；".join(f"{text} {n}人" for text, n in why_not.most_common())
        super().__init__(
            f"需抽取 {needed} 名外督员，符合条件的仅 {eligible} 名"
            + (f"。其余不符合的原因：{detail}" if detail else ""),
            "第十条、第十三条",
        )
        self.needed, self.eligible, self.why_not = needed, eligible, why_not


@dataclass(frozen=True)
class DrawResult:
    seed: str
    k: int
    candidates: tuple[str, ...]  # sorted card codes of the eligible
    candidates_hash: str
    chosen: tuple[str, ...]  # card codes, in draw order
    chosen_ids: tuple[str, ...]
    recused: dict[str, tuple[Conflict, ...]] = field(default_factory=dict)  # card code → conflicts
    chosen_person_keys: tuple[str, ...] = ()  # identity numbers, in draw order (for the 第十三条 history)


def candidates_digest(candidates: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(candidates).encode()).hexdigest()


def replay_draw(seed: str, candidates: Sequence[str], k: int) -> tuple[str, ...]:
    """Anyone can re-run a published draw: same seed and sorted candidates → same choice."""
    return tuple(random.Random(seed).sample(sorted(candidates), k))


class DispatchPool:
    """One agency's drawable supervisors on one day; build once, draw for many sessions."""

    def __init__(self, agency: AgencyFacts, supervisors: Iterable[SupervisorFacts], on: date):
        self.agency, self.on = agency, on
        self.members: dict[str, SupervisorFacts] = {}
        self.excluded_counts: Counter = Counter()
        for s in supervisors:
            reasons = pool_exclusions(s, agency, on)
            if reasons:
                self.excluded_counts[reasons[0].text] += 1
            else:
                self.members[s.supervisor_id] = s
        self._refs = [s.ref() for s in sorted(self.members.values(), key=lambda s: s.card_code)]

    def draw(
        self,
        institution: InstitutionFacts,
        session: SessionPeople,
        k: int,
        seed: str,
        declared_conflicts: frozenset[str],
        history: InstitutionHistory,
    ) -> DrawResult:
        """Draw k supervisors for a session; raises RuleViolation / InsufficientSupervisors."""
        if k < 1:
            raise RuleViolation("抽取人数至少为1", "第十五条")
        eligible, conflicts = self.eligible(institution, session, declared_conflicts, history)
        if len(eligible) < k:
            raise InsufficientSupervisors(k, len(eligible), self.why_not(conflicts))
        codes = tuple(r.card_code for r in eligible)  # already sorted by card code
        return self.result(seed, k, codes, tuple(random.Random(seed).sample(codes, k)), conflicts)

    def eligible(self, institution: InstitutionFacts, session: SessionPeople, declared_conflicts: frozenset[str],
                 history: InstitutionHistory) -> tuple[list[CandidateRef], dict]:
        """The members who may go to this session (sorted by card code), and the recused."""
        refused = jurisdiction(self.agency, institution)
        if refused:
            raise RuleViolation(refused.text, refused.article)
        conflicts = conflicts_for(self._refs, session, declared_conflicts, history)
        return [r for r in self._refs if r.supervisor_id not in conflicts], conflicts

    def why_not(self, conflicts: dict) -> Counter:
        why_not = self.excluded_counts.copy()
        for found in conflicts.values():
            why_not[RULE_LABELS[found[0].rule]] += 1
        return why_not

    def result(self, seed: str, k: int, codes: tuple[str, ...], chosen: tuple[str, ...], conflicts: dict) -> DrawResult:
        by_code = {m.card_code: m for m in self.members.values()}
        return DrawResult(
            seed=seed,
            k=k,
            candidates=codes,
            candidates_hash=candidates_digest(codes),
            chosen=chosen,
            chosen_ids=tuple(by_code[c].supervisor_id for c in chosen),
            chosen_person_keys=tuple(by_code[c].person_key for c in chosen),
            recused={self.members[sid].card_code: tuple(c) for sid, c in conflicts.items()},
        )


def check_named(
    agency: AgencyFacts,
    institution: InstitutionFacts,
    supervisor: SupervisorFacts,
    session: SessionPeople,
    declared_conflicts: frozenset[str],
    history: InstitutionHistory,
) -> list[Reason]:
    """Why a supervisor named by the agency may not go (empty: may be dispatched)."""
    reasons = []
    refused = jurisdiction(agency, institution)
    if refused:
        reasons.append(refused)
    reasons += pool_exclusions(supervisor, agency, session.on)
    found = conflicts_for([supervisor.ref()], session, declared_conflicts, history)
    reasons += [c.reason for c in found.get(supervisor.supervisor_id, [])]
    return reasons
