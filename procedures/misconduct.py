"""Supervisor misconduct (第二十六条): a case opened from the sweep's overdue marks
(第二十六条（二）) or registered by staff, heard, decided, and recorded in the supervisor's file.

- criticism (批评教育): recorded;
- suspension (暂停质量督导任务委派) for a period: the supervisor is not drawn until it ends
  (the daily sweep lifts it);
- dismissal (情节严重): card cancelled, appointment ended on the decision day, a ban on any
  supervision work in Shandong (by identity number: never drawn, carded or appointed
  again), the employer notified by letter (.docx, sent through the agency);
- referral (情节特别严重构成犯罪, 移送司法机关): dismissal with all of the above, and a numbered
  移送函 to the judicial authority the decision names (sent through the agency), recorded.
The 告知书 names the one measure proposed, with a one-time portal link through which the
supervisor states their case; only that submission ends the period early (a statement is
never typed in by staff). An internal supervisor's 委派机构 is the institution or industry
department that appointed them (第十二条): the agency sends it a numbered 处理建议 and decides
nothing itself. The rules are regulation.misconduct (see its interpretations).
"""

from datetime import date, datetime, time

from sqlmodel import Session, col, select

from adapters import clock
from adapters.documents import OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email, render_paragraphs
from models import (
    Agency,
    AppointmentTerm,
    Dispatch,
    Document,
    EvaluationSession,
    Institution,
    PortalLink,
    Supervisor,
)
from models.lifecycle import MisconductCase, SupervisionBan
from procedures import portal_links
from procedures.cases import Refusal
from procedures.supervisors import file_entry
from regulation.cards import CardCodeError, InternalCard, parse_card
from regulation.deadlines import add_calendar_months
from regulation.internal_supervision import InstitutionIssuer
from regulation.misconduct import (
    DISMISSES,
    INTERNAL_APPOINTERS,
    MEASURES,
    OVERDUE_RECORD_ITEM,
    Hearing,
    agency_decides,
    check_agency_decides,
    check_item,
    check_measure,
    check_measure_name,
    item_label,
)
from regulation.reasons import RuleViolation

CASE_KIND = "misconduct"
STATEMENT_STEP = "statement"  # the supervisor's 陈述申辩 through the portal (no run waits for it)
STATEMENT_KIND = "misconduct_statement"  # procedures/portal_forms.py
STATEMENT_MAX_CHARS = 5000


def appointing_body(s: Session, sup: Supervisor) -> tuple[str, str, Institution | None]:
    """An internal supervisor's 委派机构 (第十二条, 附件1 二): the institution whose filing number
    gives a Y/S card's issuer code, or the industry department of an H card's code: (name,
    e-mail or "" when the system has none, the institution found)."""
    try:
        card = parse_card(sup.card_code)
    except CardCodeError:
        card = None
    if not isinstance(card, InternalCard):
        return "", "", None
    institutions = list(s.exec(select(Institution).order_by(Institution.id)))
    if card.category == "H":
        inst = next((i for i in institutions if i.industry_code == card.issuer_code), None)
        return f"行业部门（颁发机构代码 {card.issuer_code}）", "", inst
    for inst in institutions:
        if InstitutionIssuer(inst.filing_authority, inst.filing_number).own_issuer_code() == card.issuer_code:
            return inst.name, inst.contact_email, inst
    return f"{INTERNAL_APPOINTERS[card.category]}（颁发机构代码 {card.issuer_code}）", "", None


def handling_agency(s: Session, sup: Supervisor) -> Agency:
    """The agency that handles a misconduct case: an external card's issuer; for an internal
    card, the agency that supervises its institution (第十一条); the province otherwise."""
    from procedures.dispatching import responsible_agency

    found = s.get(Agency, sup.issuer) if sup.kind == "external" else None
    if found is None and sup.kind != "external":
        inst = appointing_body(s, sup)[2]
        found = responsible_agency(s, inst) if inst else None
    return found or s.exec(select(Agency).where(Agency.level == "province")).first()


def owning_agency_id(s: Session, sup: Supervisor) -> str:
    return handling_agency(s, sup).id


def decider_for(s: Session, code: str, card_code: str | None = None, case_id: int | None = None):
    """Who decides (procedures.staff.Decider) for the case of `case_id`, or for a supervisor's
    card about to be registered; otherwise the reason in Chinese. A read: writes nothing."""
    from procedures import staff

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


def _letter(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, kind: str, title: str,
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


def _statement_deadline(case: MisconductCase, on: date) -> datetime:
    """The end of the period's last day, for the portal link. The link lives in real time: a
    case handled with another business date (tests, late entry) shifts it by that offset."""
    return datetime.combine(case.statement_due - (on - clock.today()), time(23, 59), tzinfo=clock.tz())


def notify_hearing(s: Session, case_id: int, on: date, proposed: str) -> MisconductCase:
    """Tell the supervisor the facts, reasons, basis and the measure proposed (告知书); they may
    state their case through their own portal link until statement_due."""
    from procedures.work_calendar import current_calendar

    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    if case.hearing_notified_on:
        return case
    if case.status in ("decided", "proposed"):
        raise RuleViolation("该案已作出决定或已提出处理建议", "第二十六条")
    sup = s.get(Supervisor, case.supervisor_id)
    check_agency_decides(sup.kind, appointing_body(s, sup)[0])
    check_measure_name(proposed)
    agency = handling_agency(s, sup)
    case.statement_due = current_calendar(s).add_working_days(on, get_settings().misconduct_statement_working_days)
    case.hearing_notified_on, case.status, case.proposed_measure = on, "hearing", proposed
    s.add(case)
    doc_id = _letter(s, case, sup, agency, "misconduct_hearing", "质量督导员违规情形告知书", sup.name,
                     "misconduct_hearing", on, statement_due=case.statement_due, proposed_text=MEASURES[proposed])
    link = portal_links.create_link(
        s, portal_links.CaseStep(CASE_KIND, case.id, STATEMENT_STEP, ""),
        portal_links.Recipient("supervisor", sup.name, sup.email), portal_links.Contact(agency.name, agency.email),
        "质量督导员陈述和申辩（第二十六条）", _statement_deadline(case, on),
        "请写明你的陈述和申辩意见。提交后不能修改；期限届满未提交的，视为放弃陈述和申辩。", kind=STATEMENT_KIND)
    subject, text, html = render_email(
        "supervisor_notice", subject_text="【告知】质量督导员违规情形告知书", greeting=sup.name,
        paragraphs=[f"本机构拟依据第二十六条对你作出“{MEASURES[proposed]}”的处理，事实、理由和依据见附件告知书。",
                    f"你可于 {case.statement_due} 前通过以下一次性链接陈述和申辩（仅限本人使用）：{link.url}"],
        sender=agency.name)
    enqueue(s, f"misconduct-hearing-mail:{case.id}", sup.email, "supervisor", subject, text, html, None, [doc_id])
    file_entry(s, f"misconduct-hearing:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"已告知拟作出“{MEASURES[proposed]}”的事实、理由和依据，陈述申辩期限至 {case.statement_due}", doc_id)
    return case


def propose_to_appointing_body(s: Session, case_id: int, on: date, proposed: str) -> MisconductCase:
    """An internal supervisor: the numbered 处理建议 to the institution or industry department
    that appointed them (第十二条, 第二十六条 由委派机构处理), recorded; nothing decided here."""
    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    if case.status == "proposed":
        return case
    sup = s.get(Supervisor, case.supervisor_id)
    if agency_decides(sup.kind):
        raise RuleViolation("外督员由本机构依照第二十六条处理，无须向其他机构提出建议", "第二十六条")
    check_measure_name(proposed)
    body, body_email, _inst = appointing_body(s, sup)
    agency = handling_agency(s, sup)
    case.status, case.proposed_measure, case.appointing_body, case.proposal_sent_on = "proposed", proposed, body, on
    s.add(case)
    doc_id = _letter(s, case, sup, agency, "misconduct_proposal", "关于质量督导员违规情形的处理建议", body,
                     "misconduct_proposal", on, proposed_text=MEASURES[proposed], agency_name=agency.name)
    number = s.get(Document, doc_id).number
    to, kind = (body_email, "institution") if body_email else (agency.email, "agency")
    forward = [] if body_email else [f"系统中没有{body}的电子邮箱，请将附件建议函送达该机构。"]
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【处理建议】内督员 {sup.name}（{sup.card_code}）违规情形",
        greeting=body if body_email else agency.name,
        paragraphs=[f"内督员 {sup.name}（{sup.card_code}）存在{item_label(case.item)}情形。依据第十二条、第二十六条，"
                    f"由其委派机构作出处理；本机构建议：{MEASURES[proposed]}。处理建议函（{number}）见附件，"
                    "请作出处理决定并将结果告知本机构。", *forward], sender=agency.name)
    enqueue(s, f"misconduct-proposal-mail:{case.id}", to, kind, subject, text, html, None, [doc_id])
    file_entry(s, f"misconduct-proposal:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"内督员由其委派机构处理（第十二条）：已向{body}提出处理建议“{MEASURES[proposed]}”，建议函 {number}", doc_id)
    return case


def record_statement(s: Session, case_id: int, statement: str, on: date, receipt: str) -> MisconductCase:
    """The supervisor's own statement, as their portal link stored it (the only way in: staff
    never type it). It ends the period early; one that comes after the decision is only filed."""
    case = s.get(MisconductCase, case_id)
    sup = s.get(Supervisor, case.supervisor_id)
    if case.status != "hearing":
        file_entry(s, f"misconduct-statement:{case.id}", sup.person_key, sup.id, on, "misconduct",
                   f"收到当事人陈述申辩（回执 {receipt}），该案已于 {case.decided_on} 作出决定，附卷")
        return case
    if case.statement_received_on is None:
        case.statement, case.statement_received_on, case.statement_receipt = statement.strip(), on, receipt
        s.add(case)
        file_entry(s, f"misconduct-statement:{case.id}", sup.person_key, sup.id, on, "misconduct",
                   f"收到当事人本人提交的陈述申辩（回执 {receipt}）")
    return case


# -- the supervisor's 陈述申辩 through the portal (procedures/portal_forms.py) ------------------------
def _link_case(s: Session, link: PortalLink) -> tuple[MisconductCase, Supervisor]:
    case = s.get(MisconductCase, link.case_id)
    return case, s.get(Supervisor, case.supervisor_id)


def statement_context(link: PortalLink) -> dict:
    from adapters.db import session_scope

    with session_scope() as s:
        case, sup = _link_case(s, link)
        return {"person_name": sup.name, "card_code": sup.card_code, "item_label": item_label(case.item),
                "facts": case.facts, "proposed_text": MEASURES.get(case.proposed_measure, ""),
                "statement_due": case.statement_due}


def statement_document(link: PortalLink) -> tuple[str, bytes] | None:
    from adapters.db import session_scope

    with session_scope() as s:
        doc = s.exec(select(Document).where(Document.idempotency_key == f"misconduct-misconduct_hearing:{link.case_id}")
                     ).first()
        return (doc.filename, doc.content) if doc else None


def check_statement(_link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    refusal = Refusal()
    text = str(answers.get("statement", "")).strip()
    if not text:
        refusal.add("statement", "陈述和申辩：未填写。请写明你的陈述和申辩意见")
    elif len(text) > STATEMENT_MAX_CHARS:
        refusal.add("statement", f"陈述和申辩：不超过 {STATEMENT_MAX_CHARS} 字，现为 {len(text)} 字")
    return refusal, {"statement": text}


def statement_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the portal's storing transaction: the case's day is the link's (shifted back by the
    offset its deadline was given, see _statement_deadline)."""
    from models import PortalSubmission
    from procedures.cases import local_date

    case = s.get(MisconductCase, link.case_id)
    offset = local_date(portal_links.aware(link.deadline)) - case.statement_due
    receipt = s.exec(select(PortalSubmission.receipt_number).where(PortalSubmission.link_id == link.id)).one()
    record_statement(s, case.id, payload["statement"], local_date(at) - offset, receipt)


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
    check_measure(measure, Hearing(case.hearing_notified_on, case.statement_due, case.statement_received_on is not None,
                                   case.proposed_measure), on, suspension_months, referral_authority)
    if not decided_by.strip():
        raise RuleViolation("须写明决定人", "第二十六条")
    agency = handling_agency(s, sup)
    text = MEASURES[measure]
    if measure == "suspension":
        case.suspended_until = add_calendar_months(on, suspension_months)
        text = f"暂停质量督导任务委派 {suspension_months} 个月（至 {case.suspended_until}）"
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
    doc_id = _letter(s, case, sup, agency, "misconduct_decision", "质量督导员违规处理决定书", sup.name,
                     "misconduct_decision", on, statement=case.statement, measure_text=text)
    subject, body, html = render_email("supervisor_notice", subject_text="【处理决定】质量督导员违规处理决定书",
                                       greeting=sup.name, paragraphs=[f"依据第二十六条，决定：{text}。决定书见附件。"],
                                       sender=agency.name)
    enqueue(s, f"misconduct-decision-mail:{case.id}", sup.email, "supervisor", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-decision:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"处理决定（{decided_by.strip()}）：{text}。依据：{item_label(case.item)}", doc_id)
    return case


def _refer(s: Session, case: MisconductCase, sup: Supervisor, agency: Agency, on: date) -> None:
    """移送司法机关 (第二十六条 情节特别严重构成犯罪): the numbered 移送函, sent through the agency
    (the system has no address of the judicial authority), recorded in the file."""
    doc_id = _letter(s, case, sup, agency, "misconduct_referral", "关于移送质量督导员涉嫌犯罪线索的函",
                     case.referral_authority, "misconduct_referral", on, agency_name=agency.name)
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
    sup.card_status, sup.status = "revoked", "dismissed"
    for term in s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == sup.id,
                                                     AppointmentTerm.end >= on)):
        if term.start > on:
            s.delete(term)  # a future term never begins
        else:
            term.end = on  # the stored end wins (第十条 interpretation in RULES.md)
            s.add(term)
    if s.get(SupervisionBan, sup.person_key) is None:
        s.add(SupervisionBan(person_key=sup.person_key, since=on, misconduct_case_id=case.id))
    employer = sup.employer or "当事人所在单位"
    doc_id = _letter(s, case, sup, agency, "employer_notice", "关于取消质量督导员证卡并予以解聘的通报", employer,
                     "employer_notice", on, decided_on=on)
    subject, body, html = render_email(
        "supervisor_notice", subject_text=f"【请转送所在单位】{sup.name} 解聘通报", greeting=agency.name,
        paragraphs=[f"依据第二十六条，{sup.name}（{sup.card_code}）的证卡已取消、予以解聘并不得再从事我省质量督导工作。",
                    f"致其所在单位（{employer}）的通报见附件，请送达。"], sender="督导系统")
    enqueue(s, f"misconduct-employer-mail:{case.id}", agency.email, "agency", subject, body, html, None, [doc_id])
    file_entry(s, f"misconduct-dismissal:{case.id}", sup.person_key, sup.id, on, "dismissal",
               f"取消证卡 {sup.card_code}，解聘，不得再从事我省质量督导工作；已通报所在单位（{employer}）", doc_id)
