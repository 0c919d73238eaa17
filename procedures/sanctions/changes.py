"""处理程序: what a change of the proposed measure and a report to the filing authority bring
(issue 17, points 1, 2 and 9).

- 第二十五条: a change the last 告知书 did not state (another basis, a heavier measure, new
  facts) reopens the hearing — a new 告知书 stating the facts as changed (变更后的事实), the reasons
  (the staff member's reason for the change among them, the precondition the new case rests on)
  and the new basis, a new defence period; the run waits again (ladder.change_needs_hearing).
  The earlier round's defence link is closed: its defence answered another proposal.
- 第二十二条、第二十三条 「由负责备案的人社部门」: an agency that did not file the institution
  reports; when the filing authority is one of our agencies its own case is opened here, pending,
  so its staff start the procedure (their 告知书, their decision).
- 第二十四条 cited beside another article: the referral goes alongside the measure.
"""

from datetime import date

from sqlmodel import Session, select

from adapters.markdown_text import inert
from models import Agency, Institution, SanctionCase
from procedures.sanctions.common import _doc, _history, _mail, defence_step
from procedures.sanctions.proposal import open_sanction
from regulation import sanctions as ladder


def proposal_fields(p: ladder.Proposal, rests_on: list, finding_case: str) -> dict:
    """What the case stores of a changed proposal (as _propose stores the first). `told`: its case
    and the finding's case when a reason cites it (a change that kept the finding's escalation)."""
    cited = " ".join(r.text for r in p.reasons)
    told = [c for c in ladder.told_cases(p.case, finding_case) if c == p.case or ladder.case_citation(c) in cited]
    return {
        "measure": p.measure, "measure_name": p.measure_name, "case": p.case, "article": p.article,
        "article_text": ladder.case_text(p.case) if p.case else "", "notice_text": p.notice_text,
        "basis": [{"article": r.article, "text": r.text} for r in p.basis], "reasons": [
            {"article": r.article, "text": r.text} for r in p.reasons],
        "publish": p.publish, "suspend": p.suspend_evaluation, "hearing": p.hearing_required,
        "discipline": p.discipline_proposal,
        "rests_on": [{"on": str(h.on), "number": h.number, "article": h.article, "text": h.text} for h in rests_on],
        "told": told,
    }


def reopen_hearing(s: Session, case: SanctionCase, today: date, p: ladder.Proposal, rests_on: list,
                   referral_too: bool, discipline: str, reason: str, facts: str, by: str, replies: list[dict]) -> None:
    """The proposal becomes the changed one (`p`, from ladder.propose_change on the real record)
    and the case waits for a new 告知书 on the changed facts (status pending, the next hearing
    round); the earlier hearing, facts, defence and answers stay on the case, in the change record."""
    old = case.proposal
    served = bool(case.details.get("hearing_doc"))
    # Only what happened is said: a review of a defence, a review, or — nothing told yet (a
    # 第二十四条 referral is never announced) — a further inquiry.
    lead = ("经对陈述和申辩的复核，拟变更处理" if served and case.defence.get("points")
            else "经复核，拟变更处理" if served else "经进一步核查")
    why = {"article": "", "text": f"{lead}：{reason.rstrip('。')}"}
    fields = proposal_fields(p, rests_on, case.finding_case)
    case.proposal = old | fields | {
        "basis": fields["basis"] + [why], "reasons": [why] + fields["reasons"],
        "discipline": p.discipline_proposal or bool(discipline and p.measure == "revocation"),
        "referral_too": referral_too and p.measure != "referral", "report_only": False,
    }
    change = {"on": str(today), "by": by, "from_case": old.get("case"), "from_article": old.get("article"),
              "from_measure": old.get("measure_name"), "to_case": p.case, "to_article": p.article,
              "to_measure": p.measure_name, "reason": reason, "replies": replies,
              "from_facts": case.facts, "to_facts": facts,
              "hearing_doc": case.details.get("hearing_doc", ""), "hearing_on": case.details.get("hearing_on", ""),
              "defence": case.defence}
    _close_defence_links(s, case)
    case.facts = facts
    case.details = case.details | {"hearing_round": int(case.details.get("hearing_round", 1)) + 1,
                                   "changes": list(case.details.get("changes", [])) + [change],
                                   "referral_too": referral_too, "discipline_too": discipline,
                                   # the next round's period is computed anew (期限待定 included)
                                   "due_pending": {k: v for k, v in case.details.get("due_pending", {}).items()
                                                   if k != "hearing_due"}}
    case.hearing_due, case.hearing_closed_on, case.defence = None, None, {}
    case.report_only, case.status = False, "pending"


def _close_defence_links(s: Session, case: SanctionCase) -> None:
    """The earlier round's defence link, still open (a grace period runs past the due day), closes
    now: a defence against the proposal no longer made would be read by no one."""
    from adapters.clock import now
    from models import PortalLink

    if not case.flow_run_id:
        return
    for link in s.exec(select(PortalLink).where(PortalLink.flow_run_id == case.flow_run_id,
                                                PortalLink.step_key == defence_step(case),
                                                PortalLink.accepted_at.is_(None))):
        link.expires_at = now()
        s.add(link)


def changes_markdown(case: SanctionCase) -> str:
    """The case file's record of each change that reopened the hearing."""
    rows = [f"- {c['on']} {inert(c['by'])}：{c['from_measure']}（{c['from_article']}）→ {c['to_measure']}（{c['to_article']}），"
            f"理由：{inert(c['reason'].strip().rstrip('。；'))}；重新告知（此前告知书 {c['hearing_doc'] or '无'}）"
            + (f"；变更前的事实：{inert(c['from_facts'].strip().rstrip('。；'))}" if c.get("from_facts") else "")
            for c in case.details.get("changes", [])]
    return "\n".join(rows)


def filing_agency(s: Session, inst: Institution) -> Agency | None:
    """The filing authority when it is one of our agencies (a province- or city-filed institution)."""
    if inst.filing_authority == "city" and inst.city_letter:
        return s.get(Agency, f"CITY-{inst.city_letter}")
    if inst.filing_authority == "province":
        return s.exec(select(Agency).where(Agency.level == "province")).first()
    return None  # 人力资源社会保障部: the report goes out by letter


def case_for_filing_authority(s: Session, case: SanctionCase, inst: Institution, today: date) -> SanctionCase | None:
    """The filing authority's own case, pending, once (keyed by the reporting case)."""
    agency = filing_agency(s, inst)
    if agency is None or agency.id == case.agency_id:
        return None
    if case.decision == "change":  # the case as changed and reported, never heavier than the 报告
        found = open_sanction(s, f"reported:{case.id}", inst.id, case.decided_case, case.facts, today, "report",
                              agency_id=agency.id, source_sanction_id=case.id,
                              serious=bool(case.details.get("decided_serious", case.serious)))
        found.details = found.details | {"as_reported": True}
        return found
    # adopted: the original finding, so its escalation (and the reasons it rests on) is rebuilt from history
    return open_sanction(s, f"reported:{case.id}", inst.id, case.finding_case, case.facts, today,
                         "report", agency_id=agency.id, source_sanction_id=case.id, serious=case.serious)


def refer_alongside(s: Session, case: SanctionCase, inst: Institution, today: date, d: dict) -> None:
    """第二十四条 cited beside the measure: the transfer letter too (the institution not forewarned)."""
    agency = s.get(Agency, case.agency_id)
    doc = _doc(s, case, "transfer", "移交函", d["authority"], "transfer_letter", today,
               institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts)
    _mail(s, f"sanction-transfer:{case.id}", agency.email, "agency", doc, f"请送达{d['authority']}。")
    _history(s, case, "referral", today, f"移交{d['authority']}（第二十四条）", doc.number, ladder.case_citation("24.1"))
