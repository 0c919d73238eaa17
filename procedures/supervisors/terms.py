"""A supervisor's life: registration and training (第六条, 第九条), card issue (第十条, 附件1,
附件2), the random appointment draw and the letter of appointment (第十条), renewal (at
most three consecutive terms), the term-end sweep, and internal cards (第十二条).

Each operation is one transaction (the caller's session) and idempotent by a database key:
a registration by identity number (one per person, whatever cards follow), a card by person
and kind (an internal one also by issuer), a draw by its key, a term by
(supervisor, start), a file entry, message or document by its key.

Interpretations (ours, also in README):
- only a person whose latest assessment passed may be carded (第九条 经培训并考核合格);
  a renewal needs an assessment passed after the current term started (第十条 经考核合格);
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
from adapters.templates import render_email, render_paragraphs
from models import Agency, AppointmentTerm, Document, Institution, OutboxMessage, Supervisor
from models.lifecycle import (
    AppointmentDraw,
    SupervisionBan,
    SupervisorAssessment,
    SupervisorFileEntry,
    SupervisorRegistration,
)
from procedures.casework.dispatching import agency_facts, issuer_pool
from regulation.cards import (
    INTERNAL_CATEGORIES,
    format_external,
    internal_issuer_code,
    next_external,
    next_internal,
    parse_card,
)
from regulation.dispatch import candidates_digest, replay_draw
from regulation.identity import IdentityNumberError
from regulation.identity import validate as validate_identity
from regulation.misconduct import INTERNAL_APPOINTERS
from regulation.reasons import RuleViolation
from regulation.terms import (
    MAX_CONSECUTIVE_TERMS,
    Term,
    active_term,
    check_appointment,
    consecutive_run,
)

CONDITIONS = {  # 第六条 (一)-(五)
    "一": "坚持党的基本路线，热爱技能人才评价工作",
    "二": "掌握技能人才评价有关政策法规，熟悉技能人才评价理论和技术方法",
    "三": "坚持原则、廉洁奉公、办事公道、作风正派，具有良好的职业道德和敬业精神",
    "四": "具有较强的组织协调能力和表达能力",
    "五": "身体健康，能胜任质量督导工作",
}
BACK_OF_CARD = (  # 第八条, short enough for the 80 mm card
    "一、执行督导任务时佩戴本证卡。",
    "二、不得干预正常评价工作。",
    "三、不得擅自公开督导情况记录。",
    "四、限本人使用，不得转借。",
)


def _date_text(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def file_entry(s: Session, key: str, person_key: str, supervisor_id: int | None, on: date, kind: str, text: str,
               document_id: int | None = None) -> SupervisorFileEntry:
    """Record a step in the supervisor's file once per key."""
    found = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.key == key)).first()
    if found:
        return found
    entry = SupervisorFileEntry(key=key, person_key=person_key, supervisor_id=supervisor_id, on=on, kind=kind,
                                text=text, document_id=document_id)
    s.add(entry)
    s.flush()
    return entry


def check_not_banned(s: Session, person_key: str) -> None:
    ban = s.get(SupervisionBan, person_key)
    if ban:
        raise RuleViolation(f"该人员已于 {ban.since} 被解聘，不得再从事我省技能人才评价质量督导相关工作", "第二十六条")


# ------------------------------------------------------------ registration and training

def register(s: Session, *, person_key: str, name: str, email: str, on: date, attestations: dict[str, bool],
             employer: str = "", city_letter: str = "", phone: str = "", kind: str = "external") -> SupervisorRegistration:
    """Register a person for training; all five conditions of 第六条 must be attested."""
    try:
        person_key = validate_identity(person_key, as_of=on)
    except IdentityNumberError as exc:
        raise RuleViolation(f"身份证号：{exc}", "第六条") from None
    check_not_banned(s, person_key)
    missing = [f"（{n}）{text}" for n, text in CONDITIONS.items() if attestations.get(n) is not True]
    if missing:
        raise RuleViolation("不符合或未确认第六条所列条件：" + "；".join(missing), "第六条")
    if kind not in ("external", "internal"):
        raise RuleViolation(f"督导员类别应为 external（外督）或 internal（内督），实际为 {kind!r}", "第四条")
    found = s.exec(select(SupervisorRegistration).where(SupervisorRegistration.person_key == person_key)).first()
    if found:
        return found
    reg = SupervisorRegistration(person_key=person_key, name=name, email=email, employer=employer,
                                 city_letter=city_letter, phone=phone, kind=kind,
                                 attestations={n: True for n in CONDITIONS}, registered_on=on)
    s.add(reg)
    s.flush()
    file_entry(s, f"registered:{person_key}", person_key, None, on, "registration",
               "登记为质量督导员培训人员，第六条五项条件均已确认")
    return reg


def record_assessment(s: Session, person_key: str, kind: str, on: date, passed: bool, note: str = "") -> SupervisorAssessment:
    """A training, assessment or renewal-assessment result (第九条, 第十条)."""
    if kind not in ("training", "assessment", "renewal"):
        raise RuleViolation(f"类别应为 training（培训）/assessment（考核）/renewal（续聘考核），实际为 {kind!r}", "第九条")
    found = s.exec(select(SupervisorAssessment).where(SupervisorAssessment.person_key == person_key,
                                                      SupervisorAssessment.kind == kind,
                                                      SupervisorAssessment.on == on)).first()
    if found:
        return found
    row = SupervisorAssessment(person_key=person_key, kind=kind, on=on, passed=passed, note=note)
    s.add(row)
    s.flush()
    label = {"training": "参加培训", "assessment": "培训考核", "renewal": "续聘考核"}[kind]
    file_entry(s, f"assessment:{person_key}:{kind}:{on}", person_key, None, on, kind,
               f"{label}：{'合格' if passed else '不合格'}" + (f"（{note}）" if note else ""))
    return row


def _passed(s: Session, person_key: str, kinds: tuple[str, ...], since: date | None, until: date) -> bool:
    rows = list(s.exec(select(SupervisorAssessment).where(
        SupervisorAssessment.person_key == person_key, col(SupervisorAssessment.kind).in_(kinds),
        SupervisorAssessment.on <= until).order_by(SupervisorAssessment.on)))
    if since is not None:
        rows = [r for r in rows if r.on >= since]
    return bool(rows) and rows[-1].passed


def may_be_carded(s: Session, person_key: str, on: date) -> bool:
    """第九条: trained, and the latest assessment passed."""
    trained = s.exec(select(SupervisorAssessment).where(SupervisorAssessment.person_key == person_key,
                                                        SupervisorAssessment.kind == "training",
                                                        SupervisorAssessment.on <= on)).first()
    return trained is not None and _passed(s, person_key, ("assessment",), None, on)


# ------------------------------------------------------------ cards

def _acting(s: Session, agency: Agency) -> Agency:
    return s.get(Agency, agency.principal_id) if agency.level == "third_party" else agency


def issue_card(s: Session, registration_id: int, agency_id: str, on: date) -> Supervisor:
    """Issue the external card (第十条, 附件1): the next code for the issuing agency and year."""
    reg = s.get(SupervisorRegistration, registration_id)
    if reg is None:
        raise RuleViolation(f"登记记录 {registration_id} 不存在", "第九条")
    agency = s.get(Agency, agency_id)
    if agency is None:
        raise RuleViolation(f"委派机构 {agency_id} 不存在", "第十条")
    acting = _acting(s, agency)
    held = _held_card(s, reg.person_key, "external")
    if held and held.issuer == acting.id:
        return held  # issued already (a retried step)
    if held:  # one external card per person: another agency's is never handed back as this one's
        other = s.get(Agency, held.issuer)
        raise RuleViolation(f"该人员已持有{other.name if other else held.issuer}核发的外督证卡 {held.card_code}，"
                            "一人只能持一张外督证卡；如需改由本机构核发，须先由原发证机构注销该证卡", "第十条")
    check_not_banned(s, reg.person_key)
    if not may_be_carded(s, reg.person_key, on):
        raise RuleViolation("须经培训并考核合格后方可核发证卡", "第九条、第十条")
    if acting.level not in ("province", "city"):
        raise RuleViolation("外督证卡由省、市技能人才评价管理部门核发", "第十条")
    area = "0" if acting.level == "province" else acting.city_letter
    prefix = format_external(area, on.year, 1)[:6]
    codes = s.exec(select(Supervisor.card_code).where(col(Supervisor.card_code).startswith(prefix)))
    code = next_external(codes, area, on.year)
    sup = _card_holder(s, reg, code, "external", acting.id, on, f"{acting.name}核发外督证卡")
    _carry_term(s, sup, on)
    return sup


def _carry_term(s: Session, new: Supervisor, on: date) -> None:
    """A card re-issued by the same agency mid-term (lost, damaged, cancelled and replaced): the
    appointment goes on under the new card — its remainder moves there, so the person stays in
    office and drawable, and 第十条 counts it as the same 届 (regulation.terms.appointments)."""
    old_ids = [c.id for c in s.exec(select(Supervisor).where(
        Supervisor.person_key == new.person_key, Supervisor.kind == "external", Supervisor.issuer == new.issuer,
        Supervisor.card_status == "revoked", Supervisor.id != new.id))]
    for term in list(s.exec(select(AppointmentTerm).where(col(AppointmentTerm.supervisor_id).in_(old_ids),
                                                          AppointmentTerm.start <= on, AppointmentTerm.end >= on))):
        end = term.end
        s.add(AppointmentTerm(supervisor_id=new.id, start=on, end=end, assessment_passed=term.assessment_passed,
                              instrument=term.instrument))
        if term.start < on:
            term.end = on - timedelta(days=1)
            s.add(term)
        else:
            s.delete(term)
        file_entry(s, f"term-carried:{term.id}:{new.id}", new.person_key, new.id, on, "appointment",
                   f"换发证卡 {new.card_code}：聘期剩余部分 {on} 至 {end} 转至新证卡，仍为同一届聘任（第十条）")


def issue_internal_card(s: Session, registration_id: int, category: str, institution_id: int, on: date) -> Supervisor:
    """Issue an internal card (第十二条, 附件1 二): H for the institution's industry, Y/S for the institution."""
    reg = s.get(SupervisorRegistration, registration_id)
    if reg is None:
        raise RuleViolation(f"登记记录 {registration_id} 不存在", "第十二条")
    check_not_banned(s, reg.person_key)
    if not may_be_carded(s, reg.person_key, on):
        raise RuleViolation("须经培训并考核合格后方可核发证卡", "第九条、第十二条")
    if category not in INTERNAL_CATEGORIES:
        raise RuleViolation(f"内督证卡类别应为 {'/'.join(INTERNAL_CATEGORIES)}，实际为 {category!r}", "附件1 表5")
    inst = s.get(Institution, institution_id)
    if inst is None:
        raise RuleViolation(f"评价机构 {institution_id} 不存在", "第十二条")
    wrong = {"Y": ("social_org", "社会培训评价组织"), "S": ("employer", "用人单位")}.get(category)
    if wrong and inst.category == wrong[0]:  # 附件1 表5: Y 用人单位, S 社会培训评价组织
        raise RuleViolation(f"该机构为{wrong[1]}，不能核发{INTERNAL_APPOINTERS[category]}内督证卡（{category}）", "附件1 表5")
    if category == "H":
        if not inst.industry_code:
            raise RuleViolation("该机构未登记行业代码，不能核发行业部门内督证卡（H）", "附件1 二")
        issuer_code = inst.industry_code
    else:
        try:
            issuer_code = internal_issuer_code(inst.filing_authority, inst.filing_number)
        except ValueError as exc:
            raise RuleViolation(str(exc), "附件1 二") from None
    held = _held_card(s, reg.person_key, "internal", category + issuer_code)
    if held:
        return held
    prefix = f"{category}{issuer_code}{on.year % 100:02d}"
    codes = s.exec(select(Supervisor.card_code).where(col(Supervisor.card_code).startswith(prefix)))
    code = next_internal(codes, category, issuer_code, on.year)
    sup = _card_holder(s, reg, code, "internal", category + issuer_code, on, f"{inst.name}核发内督证卡")
    if category != "H":  # the 6-digit code is not unique across cities: keep who issued it (第十二条)
        sup.issuer_institution_id = inst.id
        s.add(sup)
    return sup


def _held_card(s: Session, person_key: str, kind: str, issuer: str | None = None) -> Supervisor | None:
    """The person's card of this kind (and internal issuer) that is not cancelled: issuing again
    returns it. One registration per person: a card of another kind never stands in for it (an
    internal supervisor who qualifies as external gets an R card under the same person)."""
    query = select(Supervisor).where(Supervisor.person_key == person_key, Supervisor.kind == kind,
                                     Supervisor.card_status != "revoked")
    if issuer is not None:
        query = query.where(Supervisor.issuer == issuer)
    return s.exec(query.order_by(col(Supervisor.id).desc())).first()


def _card_holder(s: Session, reg: SupervisorRegistration, code: str, kind: str, issuer: str, on: date,
                 what: str) -> Supervisor:
    sup = Supervisor(name=reg.name, person_key=reg.person_key, kind=kind, card_code=code, issuer=issuer,
                     employer=reg.employer, email=reg.email, phone=reg.phone, city_letter=reg.city_letter,
                     eligibility=dict(reg.attestations), eligibility_attested_on=reg.registered_on,
                     card_issued_on=on)
    s.add(sup)
    s.flush()
    reg.supervisor_id = sup.id
    s.add(reg)
    file_entry(s, f"card-issued:{code}", reg.person_key, sup.id, on, "card", f"{what}，证卡编码 {code}")
    return sup


def card_face(s: Session, supervisor_id: int):
    from adapters.cards_docx import CardFace

    sup = s.get(Supervisor, supervisor_id)
    card = parse_card(sup.card_code)
    if sup.kind == "external":
        agency = s.get(Agency, sup.issuer)
        issuer_name = agency.name if agency else card.area_name
        validity = f"{issuer_name}委派"
        title = "技能人才评价质量督导员（外督）"
    else:
        issuer_name = f"{card.category_name}（颁发机构代码 {card.issuer_code}）"
        validity = "仅限本评价机构、本行业内部"
        title = "技能人才评价质量督导员（内督）"
    issued = sup.card_issued_on or sup.eligibility_attested_on
    return CardFace(title, sup.name, sup.card_code, sup.employer or "—", issuer_name,
                    _date_text(issued) if issued else "—", validity, BACK_OF_CARD, issuer_name)


def card_docx(s: Session, supervisor_id: int) -> bytes:
    """The printable card (附件2), .docx."""
    from adapters.cards_docx import render_card

    return render_card(card_face(s, supervisor_id))


# ------------------------------------------------------------ appointment

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
        return _passed(s, sup.person_key, ("renewal",), rows[-1].start, on)
    return _passed(s, sup.person_key, ("assessment", "renewal"), None, on)


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
                                     agency_name=agency.letterhead_name, start=_date_text(existing.start),
                                     end=_date_text(existing.end), renewal=renewal, consecutive=run + 1),
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


# ------------------------------------------------------------ the daily sweep's part

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


# ------------------------------------------------------------ internal coverage (第十六条)

COVERAGE_LOOKAHEAD_DAYS = 7


def flag_internal_coverage(s: Session, as_of: date, lookahead_days: int = COVERAGE_LOOKAHEAD_DAYS) -> list[str]:
    """Sessions starting within the next week with no internal supervisor: tell the agency once (第十六条)."""
    from datetime import datetime

    from adapters.clock import tz
    from models import EvaluationSession
    from procedures.casework.dispatching import responsible_agency
    from regulation.internal_supervision import coverage_gap

    start = datetime(as_of.year, as_of.month, as_of.day, tzinfo=tz())
    rows = s.exec(select(EvaluationSession, Institution).join(Institution, Institution.id == EvaluationSession.institution_id)
                  .where(EvaluationSession.starts_at >= start,
                         EvaluationSession.starts_at < start + timedelta(days=lookahead_days + 1)))
    flagged = []
    for sess, inst in rows:
        gap = coverage_gap(sess.internal_supervisors)
        if gap is None:
            continue
        agency = responsible_agency(s, inst)
        key = f"internal-coverage:{sess.id}"
        if agency is None or s.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first():
            continue
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【内督未全覆盖】{sess.batch_number} {inst.name}", greeting=agency.name,
            paragraphs=[f"{inst.name}批次 {sess.batch_number}（{sess.occupation} {sess.level}，"
                        f"{sess.starts_at:%Y-%m-%d}）未安排内督员：{gap}。", "请督促该机构按规定安排内督员（第二十一条（七））。"],
            sender="督导系统")
        enqueue(s, key, agency.email, "agency", subject, text, html)
        flagged.append(sess.batch_number)
    return flagged
