"""What opening a session's internal supervision reads, each read once per transaction.

Opening one session read its agency twice, the whole ban list, the institution's cards, its
conflict declarations and the session's dispatches: 17 statements, 17 ms on PostgreSQL. The
province's sweep opens about 230 sessions on a peak day (60,000 a year), so the sweep reads them
for all its sessions at once (`preload`) and keeps what it read for the transaction; the rules
applied to them (第十二条, 第十三条) are assignment.py's, unchanged.
"""

from collections import defaultdict

from sqlmodel import Session, col, or_, select

from models import (
    Agency,
    ConflictDeclaration,
    Dispatch,
    EvaluationSession,
    Institution,
    SupervisionBan,
    Supervisor,
)
from procedures.casework.dispatching import responsible_agency
from regulation.cards import CardCodeError, InternalCard, parse_card
from regulation.internal_supervision import InstitutionIssuer, internal_card_refusal

_USABLE = select(Supervisor).where(Supervisor.kind == "internal", Supervisor.status == "active",
                                  Supervisor.card_status == "valid")


def _issuer(inst: Institution) -> InstitutionIssuer:
    return InstitutionIssuer(inst.filing_authority, inst.filing_number, inst.industry_code)


def _issuer_codes(inst: Institution) -> list[str]:
    """The issuer codes a usable card of the institution may carry: its own, its industry's."""
    return [c for c in (_issuer(inst).own_issuer_code(), inst.industry_code) if c]


class Lookups:
    """Reads for one transaction: nothing here changes while it runs (the sweep, a portal page)."""

    def __init__(self, s: Session):
        self.s = s
        self._agency: dict[tuple, Agency | None] = {}
        self._banned: set[str] | None = None
        self._own: dict[int, list[Supervisor]] = {}
        self._conflicted: dict[int, set[str]] = {}
        self._external: dict[int, set[str]] = {}
        self._cards: dict[str, Supervisor | None] = {}

    def preload(self, sessions: list[EvaluationSession], institutions: list[Institution]) -> "Lookups":
        """Read the usable cards, conflicts, dispatches and roster-named cards of all `sessions` (of
        `institutions`) at once."""
        sess_ids = [sess.id for sess in sessions]
        inst_ids = list({sess.institution_id for sess in sessions})
        self._preload_own(institutions)
        for inst_id in inst_ids:
            self._conflicted[inst_id] = set()
        for inst_id, person in self.s.exec(
                select(ConflictDeclaration.institution_id, Supervisor.person_key)
                .join(Supervisor, Supervisor.id == ConflictDeclaration.supervisor_id)
                .where(col(ConflictDeclaration.institution_id).in_(inst_ids))):
            self._conflicted[inst_id].add(person)
        external = defaultdict(set)
        for sess_id, person in self.s.exec(
                select(Dispatch.session_id, Supervisor.person_key).join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
                .where(col(Dispatch.session_id).in_(sess_ids), Dispatch.status != "cancelled")):
            external[sess_id].add(person)
        self._external.update({i: external[i] for i in sess_ids})
        self.cards([p.get("card_code", "") for sess in sessions for p in sess.internal_supervisors or []])
        return self

    def agency(self, inst: Institution) -> Agency | None:
        """The agency responsible for the institution (第十一条), by the only fields the rule reads."""
        key = (inst.filing_authority, inst.city_letter)
        if key not in self._agency:
            self._agency[key] = responsible_agency(self.s, inst)
        return self._agency[key]

    def banned(self) -> set[str]:
        if self._banned is None:
            self._banned = set(self.s.exec(select(SupervisionBan.person_key)))
        return self._banned

    def own_supervisors(self, inst: Institution) -> list[Supervisor]:
        """The institution's internal supervisors whose card it may use (第十二条), valid and active."""
        if inst.id not in self._own:
            self._own[inst.id] = self._read_own(inst)
        return self._own[inst.id]

    def _read_own(self, inst: Institution) -> list[Supervisor]:
        # Only cards that can carry its issuer codes are read (a usable card's 6-digit issuer code
        # is the institution's own or its industry's, 附件1 二): the province's whole internal
        # roster, read and parsed for each session, made the sweep's opening O(sessions × roster).
        codes = _issuer_codes(inst)
        if not codes:
            return []
        rows = self.s.exec(_USABLE.where(or_(*(col(Supervisor.card_code).contains(c) for c in codes)))
                           .order_by(Supervisor.name))
        return self._usable(inst, list(rows))

    def _preload_own(self, institutions: list[Institution]) -> None:
        """The usable cards of many institutions: the internal roster read once and grouped by
        its cards' issuer codes (one scan, not one per institution)."""
        by_issuer = defaultdict(list)
        for sup in self.s.exec(_USABLE.order_by(Supervisor.name)):
            try:
                card = parse_card(sup.card_code)
            except CardCodeError:
                continue  # never usable (internal_card_refusal); not a candidate of any institution
            if isinstance(card, InternalCard):
                by_issuer[card.issuer_code].append(sup)
        for inst in institutions:
            found = {sup.id: sup for code in _issuer_codes(inst) for sup in by_issuer.get(code, [])}
            self._own[inst.id] = self._usable(inst, sorted(found.values(), key=lambda sup: sup.name))

    def _usable(self, inst: Institution, candidates: list[Supervisor]) -> list[Supervisor]:
        """第十二条, 第二十六条: the candidates whose card the institution may use."""
        issuer = _issuer(inst)
        return [sup for sup in candidates if (sup.issuer_institution_id in (None, inst.id))
                and internal_card_refusal(sup.card_code, issuer, sup.person_key in self.banned()) is None]

    def conflicted_people(self, inst_id: int) -> set[str]:
        """Who declared a conflict with the institution (第十三条)."""
        if inst_id not in self._conflicted:
            self._conflicted[inst_id] = set(self.s.exec(
                select(Supervisor.person_key).join(ConflictDeclaration, ConflictDeclaration.supervisor_id == Supervisor.id)
                .where(ConflictDeclaration.institution_id == inst_id)))
        return self._conflicted[inst_id]

    def external_people(self, sess_id: int) -> set[str]:
        """The external supervisors dispatched to the session, not cancelled (第十三条)."""
        if sess_id not in self._external:
            self._external[sess_id] = set(self.s.exec(
                select(Supervisor.person_key).join(Dispatch, Dispatch.supervisor_id == Supervisor.id)
                .where(Dispatch.session_id == sess_id, Dispatch.status != "cancelled")))
        return self._external[sess_id]

    def cards(self, codes: list[str]) -> dict[str, Supervisor]:
        """card code → the supervisor holding it, for the codes found."""
        missing = [c for c in dict.fromkeys(codes) if c and c not in self._cards]
        if missing:
            found = {sup.card_code: sup for sup in self.s.exec(select(Supervisor).where(col(Supervisor.card_code).in_(missing)))}
            self._cards.update({c: found.get(c) for c in missing})
        return {c: self._cards[c] for c in codes if c and self._cards.get(c) is not None}
