"""Supervisor misconduct (第二十六条): a case opened from the sweep's overdue marks
(第二十六条（二）) or registered by staff, heard (misconduct_hearing.py), decided, and recorded in
the supervisor's file. This module opens the case, says who handles it and who may sign for it,
and decides it:

- criticism (批评教育): recorded;
- suspension (暂停质量督导任务委派) for a period: the supervisor is not drawn until it ends
  (the daily sweep lifts it);
- dismissal (情节严重): card cancelled, appointment ended on the decision day, a ban on any
  supervision work in Shandong (by identity number: never drawn, carded or appointed
  again), the employer notified by letter (.docx, sent through the agency);
- referral (情节特别严重构成犯罪, 移送司法机关): dismissal with all of the above, and a numbered
  移送函 to the judicial authority the decision names (sent through the agency), recorded.
An internal supervisor's 委派机构 is the institution or industry department that appointed them
(第十二条): the agency sends it a numbered 处理建议 and decides nothing itself
(misconduct_internal.py). The rules are regulation.misconduct (see its interpretations).
"""

from datetime import date

from sqlmodel import Session, col, select

from adapters import clock
from adapters.documents import OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.templates import chinese_date, render_email, render_paragraphs
from models import (
    Agency,
    AppointmentTerm,
    Dispatch,
    Document,
    EvaluationSession,
    Institution,
    Supervisor,
)
from models.lifecycle import MisconductCase, SupervisionBan
from procedures.supervisors.people import file_entry
from regulation.cards import CardCodeError, InternalCard, parse_card
from regulation.deadlines import add_calendar_months
from regulation.internal_supervision import InstitutionIssuer
from regulation.misconduct import (
    DISMISSES,
    INTERNAL_APPOINTERS,
    MEASURES,
    OVERDUE_RECORD_ITEM,
    STATES_REMEDIES,
    Hearing,
    check_agency_decides,
    check_item,
    check_measure,
    item_label,
)
from regulation.reasons import RuleViolation
from regulation.remedies import remedies_text

CASE_KIND = "misconduct"


# A Y card is an employer's (用人单位), an S card a social organisation's (附件1 表5): an institution
# of the other category never issued it.
_NOT_ISSUER_CATEGORY = {"Y": "social_org", "S": "employer"}


def card_institutions(s: Session, sup: Supervisor) -> list[Institution]:
    """The institutions that may have issued a Y/S card: the one stored at issue, else every
    institution whose filing number gives the card's 6-digit issuer code (not unique: a city
    code and a serial, so Jinan's 37010020240001 and Qingdao's 37020020240001 both give 240001)."""
    if sup.issuer_institution_id is not None:
        inst = s.get(Institution, sup.issuer_institution_id)
        return [inst] if inst else []
    card = parse_card(sup.card_code)
    return [i for i in s.exec(select(Institution).order_by(Institution.id))
            if i.category != _NOT_ISSUER_CATEGORY.get(card.category)
            and InstitutionIssuer(i.filing_authority, i.filing_number).own_issuer_code() == card.issuer_code]


def appointing_body(s: Session, sup: Supervisor, strict: bool = False) -> tuple[str, str, Institution | None]:
    """An internal supervisor's 委派机构 (第十二条, 附件1 二): (name, e-mail or "" when the system has
    none, the institution). A Y/S card: the institution that issued it (stored on the card, or the
    only one its issuer code fits). An H card: the industry department of its code — the system
    records no such department, so it is named by the code and reached through the province.
    When several institutions fit and none is stored, `strict` refuses (nothing may go to the
    wrong institution, 第八条) and lists them; otherwise the body is named by its code only."""
    try:
        card = parse_card(sup.card_code)
    except CardCodeError:
        card = None
    if not isinstance(card, InternalCard):
        return "", "", None
    by_code = f"颁发机构代码为 {card.issuer_code} 的{INTERNAL_APPOINTERS[card.category]}"
    if card.category == "H":
        return by_code, "", None
    found = card_institutions(s, sup)
    if len(found) == 1:
        return found[0].name, found[0].contact_email, found[0]
    if len(found) > 1 and strict:
        listed = "；".join(f"{i.name}（备案号 {i.filing_number}，编号 {i.id}）" for i in found)
        raise RuleViolation(f"证卡 {sup.card_code} 的颁发机构代码 {card.issuer_code} 对应多个评价机构：{listed}。"
                            "系统无法确定其委派机构，请写明颁发该证卡的评价机构编号后重试", "第十二条")
    return by_code, "", None


def handling_agency(s: Session, sup: Supervisor) -> Agency:
    """The agency that handles a misconduct case: an external card's issuer; for a Y/S card, the
    agency that supervises its institution (第十一条); the province otherwise (an H card, whose
    industry department is provincial, or an institution not determined)."""
    from procedures.casework.dispatching import responsible_agency

    found = s.get(Agency, sup.issuer) if sup.kind == "external" else None
    if found is None and sup.kind != "external":
        inst = appointing_body(s, sup)[2]
        found = responsible_agency(s, inst) if inst else None
    return found or s.exec(select(Agency).where(Agency.level == "province")).first()


def owning_agency_id(s: Session, sup: Supervisor) -> str:
    return handling_agency(s, sup).id


def decider_for(s: Session, code: str, card_code: str | None = None, case_id: int | None = None):
    """Who decides (procedures.casework.staff.Decider) for the case of `case_id`, or for a supervisor's
    card about to be registered; otherwise the reason in Chinese. A read: writes nothing."""
    from procedures.casework import staff

    if case_id is not None:
        case = s.get(MisconductCase, case_id)
        sup = s.get(Supervisor, case.supervisor_id) if case else None
    else:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == (card_code or "").strip().upper())).first()
    if sup is None:  # the step itself refuses it with its own reason
        return staff.verify(s, "", code)
    return staff.verify(s, owning_agency_id(s, sup), code)


def open_case(s: Session, supervisor_id: int, item: int, facts: str, on: date, opened_by: str,
              key: str, source: str = "registered", dispatch_id: int | None = None,
              opened_by_staff_id: int | None = None) -> MisconductCase:
    """Open (once per key) a 第二十六条 case against a supervisor."""
    check_item(item)
    found = s.exec(select(MisconductCase).where(MisconductCase.key == key)).first()
    if found:
        return found
    sup = s.get(Supervisor, supervisor_id)
    if sup is None:
        raise RuleViolation(f"督导员 {supervisor_id} 不存在", "第二十六条")
    if not facts.strip():
        raise RuleViolation("须写明违规事实", "第二十六条")
    case = MisconductCase(key=key, supervisor_id=sup.id, item=item, facts=facts.strip(), source=source,
                          dispatch_id=dispatch_id, opened_on=on, opened_by=opened_by,
                          opened_by_staff_id=opened_by_staff_id)
    s.add(case)
    s.flush()
    file_entry(s, f"misconduct-opened:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"立案核查：{item_label(item)}。事实：{case.facts}")
    return case


def open_overdue_cases(s: Session, as_of: date) -> list[MisconductCase]:
    """Each dispatch the deadline sweep marked overdue (第二十六条（二）) opens one case."""
    rows = s.exec(select(Dispatch, EvaluationSession.batch_number)
                  .join(EvaluationSession, EvaluationSession.id == Dispatch.session_id)
                  .where(col(Dispatch.overdue_on).is_not(None)))
    opened = []
    for d, batch in rows:
        key = f"overdue:{d.id}"
        if s.exec(select(MisconductCase.id).where(MisconductCase.key == key)).first():
            continue
        opened.append(open_case(s, d.supervisor_id, OVERDUE_RECORD_ITEM,
                                f"批次 {batch} 的日常督导情况记录表未在2个工作日内提交（第十七条），{d.overdue_on} 报告逾期",
                                as_of, "期限巡检", key, "overdue", d.id))
    return opened


def case_letter(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, kind: str, title: str,
            recipient: str, template: str, on: date, **ctx) -> int:
    key = f"misconduct-{kind}:{case.id}"
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        paragraphs = render_paragraphs(template, facts=case.facts, item_label=item_label(case.item),
                                       person_name=sup.name, card_code=sup.card_code, **ctx)
        letter = OfficialLetter(kind=kind, issuer=agency.letterhead_name, title=title, recipient=recipient,
                                number=allocate_number(s, agency.id, agency.letter_prefix, on.year),
                                paragraphs=paragraphs, issued_on=on)
        doc = store_document(s, key, letter, agency.id, None)
    return doc.id

def check_not_future(on: date, what: str) -> date:
    """A date typed by staff never lies ahead of the real day (第二十六条: nothing decided in advance)."""
    today = clock.today()
    if on > today:
        raise RuleViolation(f"{what}：{on} 晚于今天（{today}），不能填写将来的日期", "第二十六条")
    return on

def decide(s: Session, case_id: int, measure: str, on: date, decided_by: str,
           suspension_months: int | None = None, decided_by_staff_id: int | None = None,
           referral_authority: str = "") -> MisconductCase:
    """Decide the measure (第二十六条); refused when the hearing rule is not met, or when the
    supervisor is an internal one (their appointing body decides, 第十二条)."""
    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    if case.status == "decided":
        return case
    sup = s.get(Supervisor, case.supervisor_id)
    check_agency_decides(sup.kind, case.appointing_body or appointing_body(s, sup)[0])
    check_not_future(on, "决定日期")
    if case.hearing_notified_on and on < case.hearing_notified_on:
        raise RuleViolation(f"决定日期 {on} 早于告知书发出之日（{case.hearing_notified_on}）", "第二十六条")
    check_measure(measure, Hearing(case.hearing_notified_on, case.statement_due, case.statement_received_on is not None,
                                   case.proposed_measure, case.proposed_months), on, suspension_months, referral_authority)
    if not decided_by.strip():
        raise RuleViolation("须写明决定人", "第二十六条")
    agency = handling_agency(s, sup)
    text = MEASURES[measure]
    if measure == "suspension":
        case.suspended_until = add_calendar_months(on, suspension_months)
        text = f"暂停质量督导任务委派{suspension_months}个月（至{chinese_date(case.suspended_until)}）"  # a letter: Chinese date
        # card_status "suspended" (pool_exclusions, 第二十六条): status "dispatch_suspended" is 18
        # characters and does not fit supervisor.status (VARCHAR(16)) on PostgreSQL.
        sup.card_status = "suspended"
    elif measure in DISMISSES:
        _dismiss(s, case, sup, agency, on)
    if measure == "referral":
        case.referral_authority = referral_authority.strip()
        text = f"{MEASURES['dismissal']}，并移送{case.referral_authority}依法追究刑事责任"
        _refer(s, case, sup, agency, on)
    case.measure, case.decided_on, case.decided_by, case.decision_text, case.status = \
        measure, on, decided_by.strip(), text, "decided"
    case.decided_by_staff_id = decided_by_staff_id
    s.add_all([case, sup])
    doc_id = case_letter(s, case, sup, agency, "misconduct_decision", "质量督导员违规处理决定书", sup.name,
                     "misconduct_decision", on, statement=case.statement, measure_text=text,
                     remedies=remedies_text(agency.level, agency.city_letter, "你") if measure in STATES_REMEDIES else "")
    subject, body, html = render_email("supervisor_notice", subject_text="【处理决定】质量督导员违规处理决定书",
                                       greeting=sup.name, paragraphs=[f"依据第二十六条，决定：{text}。决定书见附件。"],
                                       sender=agency.letterhead_name)
    enqueue(s, f"misconduct-decision-mail:{case.id}", sup.email, "supervisor", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-decision:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"处理决定（{decided_by.strip()}）：{text}。依据：{item_label(case.item)}", doc_id)
    return case


def _refer(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    """移送司法机关 (第二十六条 情节特别严重构成犯罪): the numbered 移送函, sent through the agency
    (the system has no address of the judicial authority), recorded in the file."""
    doc_id = case_letter(s, case, sup, agency, "misconduct_referral", "关于移送质量督导员涉嫌犯罪线索的函",
                     case.referral_authority, "misconduct_referral", on, agency_name=agency.letterhead_name)
    number = s.get(Document, doc_id).number
    subject, body, html = render_email(
        "supervisor_notice", subject_text=f"【移送司法机关】{sup.name}（{sup.card_code}）", greeting=agency.name,
        paragraphs=[f"依据第二十六条，{sup.name}（{sup.card_code}）的违规行为情节特别严重、涉嫌犯罪，决定移送"
                    f"{case.referral_authority}依法追究刑事责任。移送函（{number}）见附件，请连同有关材料送达。"],
        sender="督导系统")
    enqueue(s, f"misconduct-referral-mail:{case.id}", agency.email, "agency", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-referral:{case.id}", sup.person_key, sup.id, on, "referral",
               f"移送{case.referral_authority}依法追究刑事责任（第二十六条），移送函 {number}", doc_id)


def _dismiss(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    cancel_every_card(s, case, sup, agency, on)
    if s.get(SupervisionBan, sup.person_key) is None:
        s.add(SupervisionBan(person_key=sup.person_key, since=on, misconduct_case_id=case.id))
    _employer_notice(s, case, sup, agency, on)


def cancel_every_card(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    """取消证卡、予以解聘且不得再从事我省…相关工作 (第二十六条): every card the person holds is
    cancelled and every term ended, whoever issued it; each other issuer is told."""
    cards = list(s.exec(select(Supervisor).where(Supervisor.person_key == sup.person_key)))
    for card in cards:
        was_valid = card.card_status != "revoked"
        card.card_status, card.status = "revoked", "dismissed"
        s.add(card)
        for term in s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == card.id,
                                                         AppointmentTerm.end >= on)):
            if term.start > on:
                s.delete(term)  # a future term never begins
            else:
                term.end = on  # the stored end wins (第十条 interpretation in RULES.md)
                s.add(term)
        if card.id != sup.id and was_valid:
            _tell_other_issuer(s, case, sup, card, agency, on)


def _employer_notice(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    employer = sup.employer or "当事人所在单位"
    doc_id = case_letter(s, case, sup, agency, "employer_notice", "关于取消质量督导员证卡并予以解聘的通报", employer,
                     "employer_notice", on, decided_on=on)
    subject, body, html = render_email(
        "supervisor_notice", subject_text=f"【请转送所在单位】{sup.name} 解聘通报", greeting=agency.name,
        paragraphs=[f"依据第二十六条，{sup.name}（{sup.card_code}）的证卡已取消、予以解聘并不得再从事我省质量督导工作。",
                    f"致其所在单位（{employer}）的通报见附件，请送达。"], sender="督导系统")
    enqueue(s, f"misconduct-employer-mail:{case.id}", agency.email, "agency", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-dismissal:{case.id}", sup.person_key, sup.id, on, "dismissal",
               f"取消证卡 {sup.card_code}，解聘，不得再从事我省质量督导工作；已通报所在单位（{employer}）", doc_id)


def _tell_other_issuer(s: Session, case: MisconductCase, sup: Supervisor, card: Supervisor, agency: Agency,
                       on: date) -> None:
    """Another card of the dismissed person (an internal card, or an external one of another agency)
    is cancelled with the rest: its issuer — the appointing body or agency — is told by mail."""
    if card.kind == "external":
        other = s.get(Agency, card.issuer)
        body, to, kind = (other.letterhead_name, other.email, "agency") if other else ("", "", "")
    else:
        body, to, _inst = appointing_body(s, card)
        kind = "institution"
    forward = [] if to else [f"系统中没有{body or '该证卡颁发机构'}的电子邮箱，请将本通知转送。"]
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【证卡取消】{card.name}（{card.card_code}）",
        greeting=(body or agency.letterhead_name) if to else agency.letterhead_name,
        paragraphs=[f"依据第二十六条，{agency.letterhead_name}已于{on.year}年{on.month}月{on.day}日对{sup.name}"
                    f"（{sup.card_code}）作出解聘处理，其不得再从事我省技能人才评价质量督导相关工作。"
                    f"其持有的证卡 {card.card_code} 已一并取消，请勿再委派其督导任务。", *forward],
        sender=agency.letterhead_name)
    enqueue(s, f"misconduct-card-cancelled-mail:{case.id}:{card.id}", to or agency.email, kind if to else "agency",
            subject, text, html, None, [])
    file_entry(s, f"misconduct-card-cancelled:{case.id}:{card.id}", sup.person_key, card.id, on, "dismissal",
               f"因案件 {case.id} 解聘，证卡 {card.card_code} 一并取消；已告知{body or '其颁发机构'}")
