"""Step 1 of a random inspection plan — the frame (第十一条 属地管理、分级负责; 第十五条 双随机).

The sessions scheduled in the period (start day within it, not cancelled) of the institutions the
agency is responsible for (procedures.casework.dispatching.responsible_for: the one mapping; a third
party acts within its principal's jurisdiction, 第五条), each kept or excluded with its reason
(regulation.sampling.frame_exclusion), and each kept session weighted by the risk factors of its
institution (regulation.sampling.RISK_FACTORS; the facts read here, a year back from the period's
start). Bulk queries only: a city's quarter (3,000 sessions) is a handful of statements.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from adapters.clock import tz
from models import (
    Agency,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    Institution,
    PendingCase,
    PlanSession,
    SamplingPlan,
    SanctionCase,
    SpecialInspection,
)
from procedures.casework.cases import local_date
from procedures.casework.dispatching import responsible_for
from regulation.sampling import Candidate, frame_exclusion, session_weight

LOOKBACK_DAYS = 365  # "近一年": the risk facts and "long since last inspected" (ours)
CLOSED_SANCTIONS = ("closed", "dropped")


@dataclass
class Frame:
    candidates: list[Candidate] = field(default_factory=list)
    session_ids: dict[str, int] = field(default_factory=dict)  # batch → session id
    institution_ids: dict[str, int] = field(default_factory=dict)  # filing number → institution id
    starts: dict[str, datetime] = field(default_factory=dict)  # batch → scheduled start
    excluded: list[dict] = field(default_factory=list)  # {batch, institution, reason}
    factors: dict[str, list[str]] = field(default_factory=dict)  # filing number → factors applied
    inspected_this_year: dict[str, int] = field(default_factory=dict)  # filing number → daily inspections
    institutions: list[str] = field(default_factory=list)  # every filing number in the jurisdiction (active)

    def in_frame(self) -> dict[str, int]:
        return dict(Counter(c.institution for c in self.candidates))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz())


def acting(s: Session, agency: Agency) -> Agency:
    """Whose jurisdiction the agency draws in: its own, or a third party's principal's (第五条)."""
    if agency.level == "third_party" and agency.principal_id:
        return s.get(Agency, agency.principal_id) or agency
    return agency


def _risk_facts(s: Session, inst_ids: list[int], since: date, start: date) -> dict[int, set[str]]:
    facts: dict[int, set[str]] = defaultdict(set)
    ids = col(InspectionCase.institution_id).in_(inst_ids)
    for i in s.exec(select(InspectionCase.institution_id).join(InspectionRecord, InspectionRecord.case_id == InspectionCase.id)
                       .where(ids, InspectionRecord.verdict == "不合格", InspectionCase.opened_on >= since).distinct()):
        facts[i].add("failed_before")
    for i in s.exec(select(PendingCase.institution_id).where(col(PendingCase.institution_id).in_(inst_ids),
                                                                PendingCase.status == "open").distinct()):
        facts[i].add("open_findings")
    for i in s.exec(select(SanctionCase.institution_id).where(col(SanctionCase.institution_id).in_(inst_ids),
                                                                 col(SanctionCase.status).not_in(CLOSED_SANCTIONS)).distinct()):
        facts[i].add("open_findings")
    for i in s.exec(select(InspectionCase.institution_id).join(SpecialInspection, SpecialInspection.case_id == InspectionCase.id)
                       .where(ids, SpecialInspection.origin == "complaint",
                              SpecialInspection.complaint_received_on >= since).distinct()):
        facts[i].add("complaints")
    seen = {i for i in s.exec(select(InspectionCase.institution_id).where(
        ids, InspectionCase.status != "refused", InspectionCase.opened_on >= since, InspectionCase.opened_on < start).distinct())}
    for i in inst_ids:
        if i not in seen:
            facts[i].add("long_uninspected")
    return facts


def build_frame(s: Session, agency: Agency, start: date, end: date, weights: dict[str, float], as_of: date) -> Frame:
    """The frame of `agency` for [start, end], weighted; read as it stands on `as_of`."""
    since = start - timedelta(days=LOOKBACK_DAYS)
    frame = Frame()
    insts = {i.id: i for i in s.exec(select(Institution).where(responsible_for(acting(s, agency)))
                                     .order_by(Institution.filing_number))}
    if not insts:
        return frame
    facts = _risk_facts(s, list(insts), since, start)
    for i in insts.values():
        if i.filed_on and i.filed_on >= since:
            facts[i.id].add("new_filing")
        if i.status == "active":
            frame.institutions.append(i.filing_number)
    frame.factors = {insts[i].filing_number: sorted(f) for i, f in facts.items() if f}
    rows = s.exec(select(EvaluationSession.id, EvaluationSession.batch_number, EvaluationSession.institution_id,
                         EvaluationSession.starts_at)
                  .where(col(EvaluationSession.institution_id).in_(list(insts)),
                         col(EvaluationSession.cancelled_on).is_(None),
                         EvaluationSession.starts_at >= _midnight(start),
                         EvaluationSession.starts_at < _midnight(end + timedelta(days=1)))
                  .order_by(EvaluationSession.batch_number)).all()
    session_ids = [r[0] for r in rows]
    inspected = {sid for sid in s.exec(select(InspectionCase.active_session_id).where(
        col(InspectionCase.active_session_id).in_(session_ids)))} if session_ids else set()
    planned = {sid for sid in s.exec(select(PlanSession.session_id).join(SamplingPlan, SamplingPlan.id == PlanSession.plan_id)
                                        .where(SamplingPlan.status == "approved", PlanSession.status != "struck",
                                               col(PlanSession.session_id).in_(session_ids)))} if session_ids else set()
    for sid, batch, inst_id, starts_at in rows:
        inst = insts[inst_id]
        reason = frame_exclusion(inst.status, sid in inspected, sid in planned)
        if reason:
            frame.excluded.append({"batch": batch, "institution": inst.filing_number, "reason": str(reason)})
            continue
        day = local_date(starts_at)
        frame.candidates.append(Candidate(batch, inst.filing_number, day,
                                          session_weight(facts.get(inst_id, ()), weights)))
        frame.session_ids[batch], frame.starts[batch] = sid, starts_at
        frame.institution_ids[inst.filing_number] = inst_id
    year_start = date(start.year, 1, 1)
    counts = s.exec(select(InspectionCase.institution_id, InspectionCase.id).where(
        col(InspectionCase.institution_id).in_(list(insts)), InspectionCase.status != "refused",
        InspectionCase.opened_on >= year_start, InspectionCase.opened_on <= as_of)).all()
    per = Counter(i for i, _ in counts)
    frame.inspected_this_year = {insts[i].filing_number: n for i, n in per.items()}
    return frame
