"""The internal cards an institution issued (内督证卡, 第十二条: 仅限本评价机构内部使用), read once
for every procedure that lists them: the contact's own cards (supervisors) and the team of an
internal special inspection (internal)."""

from sqlmodel import Session, and_, col, or_, select

from models import Institution, Supervisor
from regulation.cards import internal_issuer_code

ISSUED_BY_INSTITUTIONS = ("Y", "S")  # 附件1 表5: an institution issues Y or S, never H


def own_internal_cards(s: Session, inst: Institution) -> list[Supervisor]:
    """Cards recorded as issued by this institution, or — cards that came in by roster, with no
    issuing institution recorded — carrying its issuer code, when no other institution's filing
    number gives the same 6 digits (附件1 二: they may repeat across cities; then only the
    recorded issuer counts). Every status; the caller filters."""
    try:
        code = internal_issuer_code(inst.filing_authority, inst.filing_number)
    except ValueError:
        code = ""
    issuers = [c + code for c in ISSUED_BY_INSTITUTIONS] if code else []
    rows = list(s.exec(select(Supervisor).where(Supervisor.kind == "internal", or_(
        Supervisor.issuer_institution_id == inst.id,
        and_(col(Supervisor.issuer_institution_id).is_(None), col(Supervisor.issuer).in_(issuers))))
        .order_by(Supervisor.card_code)))
    if any(r.issuer_institution_id is None for r in rows) and _code_shared(s, inst, code):
        rows = [r for r in rows if r.issuer_institution_id == inst.id]
    return rows


def _code_shared(s: Session, inst: Institution, code: str) -> bool:
    for other in s.exec(select(Institution).where(Institution.id != inst.id,
                                                  col(Institution.filing_number).contains(code[-4:]))):
        try:
            if internal_issuer_code(other.filing_authority, other.filing_number) == code:
                return True
        except ValueError:
            continue
    return False
