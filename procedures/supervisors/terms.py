"""Appointment and terms (第十条): the step after the card. The agency draws card holders at
random (the draw stored with its candidates, so it can be replayed) and appoints each for a
term of three years with a numbered 聘书; a renewal continues the 届 count, at most three
consecutive terms. The daily sweep's part (sweep.py) warns ahead of a term's end, records its
automatic end and lifts an expired suspension of dispatch (第二十六条).

Each operation is one transaction (the caller's session) and idempotent by a database key: a
draw by its key, a term by (supervisor, start), a file entry, message or document by its key.

Interpretations (ours, also in README):
- a renewal needs an assessment passed after the current term started (第十条 经考核合格);
- the appointment draw takes, from the card holders the agency issued, those who are not in
  office on the term's start, hold a valid card, are not suspended, dismissed or banned and
  could be appointed under 第十条 (passed assessment, fewer than three consecutive terms);
- the term-end warning goes to the agency and the supervisor once, on the first sweep within
  the warning window (default 60 days); on the day after the last day the sweep records
  "聘期届满，自动解聘" in the supervisor's file — the rules already stop dispatch then;
- an expired suspension of dispatch is lifted by the same sweep.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from adapters.documents import OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import chinese_date, render_email, render_paragraphs
from models import Agency, AppointmentTerm, Document, OutboxMessage, Supervisor
from models.lifecycle import AppointmentDraw, SupervisionBan, SupervisorFileEntry
from procedures.casework.dispatching import agency_facts, issuer_pool
from procedures.supervisors.people import file_entry, latest_passed
from regulation.dispatch import candidates_digest, replay_draw
from regulation.reasons import RuleViolation
from regulation.terms import (
    MAX_CONSECUTIVE_TERMS,
    Term,
    active_term,
    check_appointment,
    consecutive_run,
)


def _terms(s: Session, supervisor_id: int) -> list[AppointmentTerm]:
    return list(s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == supervisor_id)
                       .order_by(AppointmentTerm.start)))


def _person_terms(s: Session, person_key: str) -> list[AppointmentTerm]:
    """第十条 counts per person: the terms under every card of the identity number, whoever issued it."""
    return list(s.exec(select(AppointmentTerm).join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
                       .where(Supervisor.person_key == person_key).order_by(AppointmentTerm.start)))


def _rule_terms(rows: list[AppointmentTerm]) -> list[Term]:
    """The stored end wins when a term ended early (第十条, regulation.terms)."""
    return [Term(t.start, t.end) for t in rows]


def _gap() -> int:
    """第十条: how long out of office still counts as consecutive (SUPERVISION_TERM_GAP_MONTHS)."""
    return get_settings().term_gap_months


def assessment_for(s: Session, sup: Supervisor, start: date, on: date) -> bool:
    """第九条/第十条: first appointment needs the card assessment; renewal one since the last term began."""
    rows = [r for r in _person_terms(s, sup.person_key) if r.start < start]
    if consecutive_run(_rule_terms(rows), start, _gap()):
        return latest_passed(s, sup.person_key, ("renewal",), rows[-1].start, on)
    return latest_passed(s, sup.person_key, ("assessment", "renewal"), None, on)


def appointable(s: Session, sup: Supervisor, start: date, on: date) -> str | None:
    """None when the supervisor may be appointed from `start`, else the reason (Chinese)."""
    if s.get(SupervisionBan, sup.person_key):
        return "已被禁止从事质量督导工作（第二十六条）"
    if sup.card_status != "valid" or sup.status == "dismissed":
        return "证卡无效或已解聘（第二十六条）"
    try:
        check_appointment(_rule_terms(_person_terms(s, sup.person_key)), start, assessment_for(s, sup, start, on),
                          gap_months=_gap())
    except RuleViolation as exc:
        return str(exc)
    return None


@dataclass
class AppointmentResult:
    draw: AppointmentDraw
    terms: list[AppointmentTerm] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)


def draw_appointments(s: Session, agency_id: str, k: int, term_start: date, seed: str, on: date) -> AppointmentResult:
    """第十条 随机抽取获得外督证卡人员: draw k card holders, appoint each, issue each a 聘书."""
    if k < 1:
        raise RuleViolation("抽取人数至少为1", "第十条")
    agency = s.get(Agency, agency_id)
    if agency is None:
        raise RuleViolation(f"委派机构 {agency_id} 不存在", "第十条")
    key = f"{agency_id}:{term_start}:{seed}"[:64]
    draw = s.exec(select(AppointmentDraw).where(AppointmentDraw.key == key)).first()
    if draw is None:
        holders = sorted(issuer_pool(s, agency_facts(s, agency)), key=lambda x: x.card_code)
        candidates = [h.card_code for h in holders if appointable(s, h, term_start, on) is None]
        if len(candidates) < k:
            raise RuleViolation(f"需抽取 {k} 人，符合聘任条件的持证人员仅 {len(candidates)} 人", "第十条")
        chosen = replay_draw(seed, candidates, k)
        draw = AppointmentDraw(key=key, agency_id=agency_id, drawn_on=on, term_start=term_start, seed=seed, k=k,
                               candidates=candidates, candidates_hash=candidates_digest(candidates), chosen=list(chosen))
        s.add(draw)
        s.flush()
    result = AppointmentResult(draw)
    by_code = {sup.card_code: sup for sup in s.exec(select(Supervisor).where(col(Supervisor.card_code).in_(draw.chosen)))}
    for code in draw.chosen:
        term, doc = appoint(s, by_code[code].id, term_start, on, agency_id=agency_id)
        result.terms.append(term)
        result.documents.append(doc)
    return result


def appoint(s: Session, supervisor_id: int, start: date, on: date, agency_id: str | None = None
            ) -> tuple[AppointmentTerm, Document]:
    """Appoint (or renew) from `start` for a 3-year term and issue the 聘书 (第十条)."""
    sup = s.get(Supervisor, supervisor_id)
    if sup is None or sup.kind != "external":
        raise RuleViolation("只有外督证卡持有人可聘任为外督员", "第十条")
    rows = _terms(s, sup.id)
    existing = next((t for t in rows if t.start == start), None)
    if existing is None:
        refusal = appointable(s, sup, start, on)
        if refusal:
            raise RuleViolation(refusal.rsplit("（", 1)[0], "第十条")
        person_rows = _rule_terms(_person_terms(s, sup.person_key))
        term = check_appointment(person_rows, start, True, gap_months=_gap())
        run = consecutive_run(person_rows, start, _gap())
        existing = AppointmentTerm(supervisor_id=sup.id, start=start, end=term.end, assessment_passed=True,
                                   instrument="聘书")
        s.add(existing)
        s.flush()
    else:
        run = consecutive_run(_rule_terms([t for t in _person_terms(s, sup.person_key) if t.start < start]), start,
                              _gap())
    agency = s.get(Agency, agency_id or sup.issuer)
    renewal = run > 0
    letter = OfficialLetter(
        kind="appointment_letter", issuer=agency.letterhead_name, number="", title="聘　书", recipient=sup.name,
        paragraphs=render_paragraphs("appointment_letter", person_name=sup.name, card_code=sup.card_code,
                                     agency_name=agency.letterhead_name, start=chinese_date(existing.start),
                                     end=chinese_date(existing.end), renewal=renewal, consecutive=run + 1),
        issued_on=on)
    key = f"appointment-letter:{existing.id}"
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        letter = OfficialLetter(**{**letter.__dict__, "number": allocate_number(s, agency.id, agency.letter_prefix + "聘", on.year)})
        doc = store_document(s, key, letter, agency.id, None)
        what = f"续聘（第{run + 1}届连续聘任）" if renewal else "聘任"
        file_entry(s, f"appointed:{existing.id}", sup.person_key, sup.id, on, "appointment",
                   f"{what}为外督员，聘期 {existing.start} 至 {existing.end}，聘书 {doc.number}", doc.id)
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【聘书】{agency.letterhead_name}外部质量督导员", greeting=sup.name,
            paragraphs=[f"你已被{what}为{agency.letterhead_name}技能人才评价外部质量督导员，聘期自 {existing.start} 至 "
                        f"{existing.end}（第十条）。聘书见附件。"], sender=agency.letterhead_name)
        enqueue(s, f"appointment-mail:{existing.id}", sup.email, "supervisor", subject, text, html, None, [doc.id])
    return existing, doc


# -- the daily sweep's part (sweep.py) ----------------------------------------------------------------

@dataclass
class TermSweep:
    as_of: date
    warned: list[str] = field(default_factory=list)  # card codes
    ended: list[str] = field(default_factory=list)
    suspensions_lifted: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        return "\n".join([
            f"## 督导员聘期与暂停委派（第十条、第二十六条）：{self.as_of}", "",
            "| 事项 | 数量 | 证卡 |", "|---|---|---|",
            f"| 聘期即将届满提醒 | {len(self.warned)} | {'、'.join(self.warned) or '—'} |",
            f"| 聘期届满自动解聘 | {len(self.ended)} | {'、'.join(self.ended) or '—'} |",
            f"| 暂停委派期满恢复 | {len(self.suspensions_lifted)} | {'、'.join(self.suspensions_lifted) or '—'} |",
        ])


def sweep_terms(s: Session, as_of: date, warn_days: int | None = None) -> TermSweep:
    """Warn ahead of a term's end, record the automatic end, lift expired suspensions (idempotent)."""
    from models.lifecycle import MisconductCase

    warn_days = get_settings().term_end_warning_days if warn_days is None else warn_days
    out = TermSweep(as_of)
    rows = s.exec(select(AppointmentTerm, Supervisor).join(Supervisor, Supervisor.id == AppointmentTerm.supervisor_id)
                  .where(AppointmentTerm.end >= as_of - timedelta(days=1),
                         AppointmentTerm.end <= as_of + timedelta(days=warn_days)))
    for term, sup in rows:
        if sup.status == "dismissed" or sup.card_status == "revoked":
            continue  # a cancelled card's term does not run out: it ended (or went on under a re-issued card)
        following = s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == sup.id,
                                                         AppointmentTerm.start > term.start)).first()
        if term.end >= as_of and following is None:
            if _warn_term_end(s, term, sup, as_of):
                out.warned.append(sup.card_code)
        elif term.end < as_of and (following is None or following.start > as_of):
            entry_key = f"term-ended:{term.id}"
            if s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.key == entry_key)).first() is None:
                file_entry(s, entry_key, sup.person_key, sup.id, as_of, "term_end",
                           f"聘期 {term.start} 至 {term.end} 届满，自动解聘（第十条）")
                out.ended.append(sup.card_code)
    for sup in s.exec(select(Supervisor).where(Supervisor.card_status == "suspended")):
        case = s.exec(select(MisconductCase).where(MisconductCase.supervisor_id == sup.id,
                                                   MisconductCase.measure == "suspension")
                      .order_by(col(MisconductCase.decided_on).desc())).first()
        if case and case.suspended_until and case.suspended_until < as_of:
            sup.card_status = "valid"
            s.add(sup)
            file_entry(s, f"suspension-lifted:{case.id}", sup.person_key, sup.id, as_of, "suspension_end",
                       f"暂停质量督导任务委派期满（至 {case.suspended_until}），恢复委派")
            out.suspensions_lifted.append(sup.card_code)
    return out


def _warn_term_end(s: Session, term: AppointmentTerm, sup: Supervisor, as_of: date) -> bool:
    agency = s.get(Agency, sup.issuer)
    key = f"term-end-warning:{term.id}"
    if s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"{key}:supervisor")).first():
        return False
    days = (term.end - as_of).days
    run = consecutive_run(_rule_terms([t for t in _person_terms(s, sup.person_key) if t.start <= term.start]),
                          term.end + timedelta(days=1), _gap())
    renewable = "可经续聘考核合格后续聘" if run < MAX_CONSECUTIVE_TERMS else "已连续聘任三届，不得再续聘"
    text = (f"外督员 {sup.name}（{sup.card_code}）的聘期将于 {term.end} 届满（还有 {days} 天），届满自动解聘（第十条）；"
            f"{renewable}。")
    for recipient, kind, greeting in ((sup.email, "supervisor", sup.name),
                                      (agency.email if agency else None, "agency", agency.name if agency else "")):
        if recipient:
            subject, body, html = render_email("supervisor_notice", subject_text=f"【聘期届满提醒】{sup.name} {term.end}",
                                               greeting=greeting, paragraphs=[text],
                                               sender=agency.letterhead_name if agency else "督导系统")
            enqueue(s, f"{key}:{kind}", recipient, kind, subject, body, html)
    file_entry(s, key, sup.person_key, sup.id, as_of, "term_warning", f"聘期将于 {term.end} 届满，已提醒本人及委派机构")
    return True


def in_office(s: Session, supervisor_id: int, on: date) -> bool:
    return active_term(_rule_terms(_terms(s, supervisor_id)), on) is not None
