"""An institution's status follows ALL its sanction cases (regulation.sanctions.institution_status).

Every place where a sanction changes the status — a decision carried out (第二十二条 suspension,
第二十三条 revocation), a rectification accepted (附件4 恢复评价活动), a case dropped (不予处理) —
derives it here from the measures in force on the institution, never from the case at hand
alone. So accepting case A's report never reopens a revoked institution, nor lifts a suspension
another open 第二十二条 case imposes; the 恢复评价活动 notice and its register line go out only
when the institution really resumes.
"""

from datetime import date

from sqlmodel import Session, col, select

from models import Institution, InstitutionHistory, PendingCase, SanctionCase
from procedures.sanctions.common import (
    OPEN_STATUSES,
    STATUS_NAMES,
    SanctionError,
    _doc,
    _history,
    _mail,
)
from procedures.sanctions.proposal import _article_case
from procedures.sanctions.register import _register
from regulation import sanctions as ladder


def measures_in_force(s: Session, institution_id: int) -> list[str]:
    """One entry per case whose measure now weighs on the institution:
    - "revocation": a 撤销备案回执 carried out (not a report to the filing authority);
    - "rectification": a case rectifying, or one whose deadline passed without a report while the
      escalation it opened is still open (Interpretation (ours): the suspension carries into it)."""
    s.flush()
    cases = s.exec(select(SanctionCase).where(SanctionCase.institution_id == institution_id)).all()
    escalation_open = {c.source_sanction_id for c in cases if c.source_sanction_id and c.status in OPEN_STATUSES}
    found = []
    for c in cases:
        if c.report_only:
            continue
        if c.measure == "revocation" and c.status == "closed":
            found.append("revocation")
        elif c.status == "rectifying":
            found.append("rectification")
        elif c.measure == "rectification" and (c.details or {}).get("report_missing") and c.id in escalation_open:
            found.append("rectification")
    return found


def settle(s: Session, inst: Institution) -> tuple[str, str]:
    """Derive and store the institution's status; returns (before, after)."""
    before = inst.status
    after = ladder.institution_status(before, measures_in_force(s, inst.id))
    if after != before:
        inst.status = after
        s.add(inst)
    return before, after


def resumes(before: str, after: str) -> bool:
    """恢复评价活动 really happens only when the last suspension is lifted."""
    return before == "suspended" and after == "active"


def why_not_resumed(s: Session, case: SanctionCase, after: str) -> str:
    """Why accepting this case's report did not resume the institution (for the 监管档案)."""
    if after == "revoked":
        return "备案回执已撤销，不恢复评价活动（第二十三条）"
    others = [c.id for c in s.exec(select(SanctionCase).where(SanctionCase.institution_id == case.institution_id,
                                                              SanctionCase.id != case.id,
                                                              SanctionCase.status == "rectifying"))]
    if others:
        return f"另案（处理案件{'、'.join(str(x) for x in others)}）仍在整改期间，继续暂停评价活动"
    return "评价机构未处于暂停评价活动状态"


def open_revocation_cases(s: Session, case: SanctionCase) -> list[str]:
    """The institution's other open cases that may end in 撤销备案回执 (第二十三条, 第二十七条 serious,
    the 3rd 不合格): a sanction case not yet ended, or a pending finding no procedure has taken up.
    Staff see them on the 恢复评价活动 review form and must state why they resume nonetheless."""
    found = []
    for c in s.exec(select(SanctionCase).where(SanctionCase.institution_id == case.institution_id,
                                               SanctionCase.id != case.id,
                                               col(SanctionCase.status).in_(OPEN_STATUSES))
                    .order_by(SanctionCase.id)):
        p = c.proposal or {}
        if p.get("measure") == "revocation" or (not p and ladder.revocation_level(c.finding_case)):
            article = p.get("article") or ("第二十三条（十）" if c.finding_case == "fail" else c.finding_case)
            found.append(f"处理案件{c.id}（{article}，{STATUS_NAMES[c.status]}，{c.opened_on}开立）")
    for p in untaken_pending(s, case.institution_id):
        if p.kind != "sanction":
            continue
        try:
            finding = _article_case(p.article)
        except SanctionError:
            continue
        if ladder.revocation_level(finding):
            found.append(f"待处理案件{p.id}（{p.article}，{p.opened_on}登记，尚未启动处理程序）")
    return found


def untaken_pending(s: Session, institution_id: int) -> list[PendingCase]:
    """The institution's pending findings no procedure has taken up yet: open, and not already the
    pending case of a sanction case (第二十三条（十） opens its case at once: that case is listed)."""
    taken = select(SanctionCase.pending_case_id).where(SanctionCase.institution_id == institution_id,
                                                       col(SanctionCase.pending_case_id).is_not(None))
    return list(s.exec(select(PendingCase).where(PendingCase.institution_id == institution_id,
                                                 PendingCase.status == "open",
                                                 col(PendingCase.id).not_in(taken)).order_by(PendingCase.id)))


def lift_after_drop(s: Session, case: SanctionCase, inst: Institution, today: date) -> None:
    """A dropped case (不予处理) ends what it carried: if it was the escalation of a missed
    rectification and no other measure keeps the institution suspended, it resumes (with its
    notice and register line); otherwise nothing changes."""
    source = s.get(SanctionCase, case.source_sanction_id) if case.source_sanction_id else None
    if source is None or source.measure != "rectification":
        return  # it carried no suspension (a status set elsewhere, e.g. a roster, is not ours to lift)
    before, after = settle(s, inst)
    if not resumes(before, after):
        return
    doc = _doc(s, case, "resumption", "恢复评价活动通知", inst.name, "suspension_lifted_letter", today,
               decision_number=case.details.get("decision_number", ""), on=today)
    _mail(s, f"sanction-resumption:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "resumption", today, "不予处理，暂停评价活动解除，恢复评价活动", doc.number, "附件4")
    _register(s, case, "resumption", "附件4", doc.number, today)
    case.resumed_on = today


def revocation_in_force(s: Session, institution_id: int) -> str | None:
    """The number of the 撤销备案回执 in force on the institution ("" when its roster alone says
    revoked), or None while its filing stands."""
    if s.get(Institution, institution_id).status != "revoked":
        return None
    return s.exec(select(InstitutionHistory.number).where(
        InstitutionHistory.institution_id == institution_id, InstitutionHistory.kind == "revocation")
        .order_by(InstitutionHistory.on.desc(), InstitutionHistory.id.desc())).first() or ""
