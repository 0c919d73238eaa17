"""From database rows to the facts the dispatch rules take, and back to Draw/Dispatch rows.

What follows the person, not the card row (第十三条, 第二十六条; RULES.md): declared
conflicts and the earlier dispatches are read by identity number (`Supervisor.person_key`),
a dismissal under any card of a person bars all of that person's cards, and 第十条's
consecutive terms are counted over the person's terms under every card and issuer. A term's
stored end is passed on (regulation.terms: it wins when the term ended early).
"""

from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters.settings import get_settings
from models import (
    Agency,
    AppointmentTerm,
    ConflictDeclaration,
    Dispatch,
    EvaluationSession,
    InspectionCase,
    Institution,
    SpecialInspection,
    SpecialInspectionMember,
    Supervisor,
)
from regulation.dispatch import AgencyFacts, InstitutionFacts, SupervisorFacts
from regulation.recusal import (
    REPEAT_WINDOW,
    InstitutionHistory,
    PastDispatch,
    SessionPeople,
    history_from,
)
from regulation.terms import Term

PROVINCE_FILED = ("province", "mohrss")  # 第十一条: the province dispatches to these, a city to its own


def responsible_agency(s: Session, institution: Institution, agency_id: str | None = None) -> Agency | None:
    """The agency that dispatches to this institution (第十一条), or the one named."""
    if agency_id:
        return s.get(Agency, agency_id)
    if institution.filing_authority in PROVINCE_FILED:
        query = select(Agency).where(Agency.level == "province")
    else:
        query = select(Agency).where(Agency.level == "city", Agency.city_letter == institution.city_letter)
    return s.exec(query).first()


def responsible_for(agency: Agency):
    """The same rule as `responsible_agency`, the other way round: a SQL condition on Institution
    that holds for the institutions `agency` is responsible for (第十一条), for queries over many."""
    from sqlalchemy import false

    if agency.level == "province":
        return col(Institution.filing_authority).in_(PROVINCE_FILED)
    if agency.level == "city" and agency.city_letter:
        return (col(Institution.filing_authority).not_in(PROVINCE_FILED)) & (Institution.city_letter == agency.city_letter)
    return false()  # a third party is responsible for nothing by itself: it acts where it is named


def agency_facts(s: Session, agency: Agency) -> AgencyFacts:
    acting = s.get(Agency, agency.principal_id) if agency.level == "third_party" else agency
    return AgencyFacts(agency.id, acting.level, acting.city_letter)


def institution_facts(inst: Institution) -> InstitutionFacts:
    return InstitutionFacts(str(inst.id), inst.filing_authority, inst.city_letter)


def supervisor_facts(s: Session, supervisors: list[Supervisor]) -> list[SupervisorFacts]:
    terms, person_terms = defaultdict(list), defaultdict(list)
    people = {sup.person_key for sup in supervisors}
    # 第十条 counts the person's terms under every card and issuer; in office is per card
    for t, card_id, person in s.exec(
            select(AppointmentTerm, Supervisor.id, Supervisor.person_key)
            .join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
            .where(col(Supervisor.person_key).in_(people))):
        terms[card_id].append(Term(t.start, t.end))
        person_terms[person].append(Term(t.start, t.end))
    gap_months = get_settings().term_gap_months
    dismissed_people = set(s.exec(select(Supervisor.person_key).where(
        Supervisor.status == "dismissed",
        col(Supervisor.person_key).in_({sup.person_key for sup in supervisors}))))
    out = []
    for sup in supervisors:
        area = sup.card_code[5] if sup.kind == "external" and len(sup.card_code) == 9 else None
        out.append(SupervisorFacts(
            str(sup.id), sup.person_key, sup.card_code, sup.kind, area, sup.card_status,
            dispatch_suspended=sup.status == "dispatch_suspended", terms=tuple(terms[sup.id]),
            dismissed=sup.status == "dismissed", person_dismissed=sup.person_key in dismissed_people,
            term_gap_months=gap_months, employer=sup.employer,
            person_terms=tuple(sorted(person_terms[sup.person_key], key=lambda x: x.start))))
    return out


def session_people(sess: EvaluationSession, on: date) -> SessionPeople:
    return SessionPeople(
        sess.batch_number, str(sess.institution_id), on,
        examiner_keys=frozenset(e["person_key"] for e in sess.examiners if e.get("person_key")),
        internal_supervisor_keys=frozenset(i["person_key"] for i in sess.internal_supervisors if i.get("person_key")),
    )


def history(s: Session, institution_id: int, on: date) -> InstitutionHistory:
    """External occasions at the institution in the recusal window (第十三条), by person key.

    Every external supervision counts, whichever procedure sent the supervisor: the daily
    dispatches (one occasion per session) and the special-inspection teams (one occasion per
    inspection, on the day the team was appointed). The daily draw and the team draw read the
    same history, so a team membership blocks a third daily dispatch in a row and the other
    way round."""
    since = on - REPEAT_WINDOW - timedelta(days=1)
    rows = s.exec(
        select(Dispatch.dispatched_on, EvaluationSession.batch_number, Supervisor.person_key)
        .join(EvaluationSession, EvaluationSession.id == Dispatch.session_id)
        .join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
        .where(Dispatch.institution_id == institution_id, Supervisor.kind == "external",
               Dispatch.status != "cancelled", Dispatch.dispatched_on >= since)
    )
    occasions: dict[str, tuple[date, set[str]]] = {}
    for dispatched_on, batch, person_key in rows:
        day, people = occasions.setdefault(batch, (dispatched_on, set()))
        people.add(person_key)
    for ref, appointed_on, person_key in s.exec(
            select(InspectionCase.flow_run_id, SpecialInspectionMember.appointed_on, Supervisor.person_key)
            .join(SpecialInspection, SpecialInspection.case_id == InspectionCase.id)
            .join(SpecialInspectionMember, SpecialInspectionMember.special_id == SpecialInspection.id)
            .join(Supervisor, Supervisor.id == SpecialInspectionMember.supervisor_id)
            .where(InspectionCase.institution_id == institution_id, SpecialInspectionMember.appointed_on >= since,
                   col(SpecialInspectionMember.withdrawn_on).is_(None))):  # withdrawn before going: no occasion
        occasions.setdefault(f"special:{ref}", (appointed_on, set()))[1].add(person_key)
    return history_from([PastDispatch(ref, day, frozenset(people)) for ref, (day, people) in occasions.items()])


def declared_conflicts(s: Session, institution_id: int) -> frozenset[str]:
    """Identity numbers of the people who declared an interest in the institution, under any card."""
    rows = s.exec(select(Supervisor.person_key)
                  .join(ConflictDeclaration, ConflictDeclaration.supervisor_id == Supervisor.id)
                  .where(ConflictDeclaration.institution_id == institution_id))
    return frozenset(rows)


def issuer_pool(s: Session, agency: AgencyFacts) -> list[Supervisor]:
    """External supervisors whose card the agency issued (the rules re-check every condition)."""
    area = "0" if agency.level == "province" else agency.city_letter
    return list(s.exec(select(Supervisor).where(Supervisor.kind == "external",
                                                col(Supervisor.card_code).like(f"R37__{area}%"))))
