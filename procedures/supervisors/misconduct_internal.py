"""An internal supervisor's misconduct case (第十二条, 第二十六条 由委派机构处理): the agency
decides nothing itself. It sends the institution or industry department that appointed the
supervisor a numbered 处理建议, and records what that body decided when it reports back; a
dismissal by the body has the article's province-wide effect, which is the system's to give
(the ban, every card of the person cancelled, each other issuer told).
"""

from datetime import date

from sqlmodel import Session

from adapters.mailer import enqueue
from adapters.templates import render_email
from models import Document, Supervisor
from models.lifecycle import MisconductCase, SupervisionBan
from procedures.supervisors.misconduct import (
    appointing_body,
    cancel_every_card,
    card_institutions,
    case_letter,
    check_not_future,
    handling_agency,
)
from procedures.supervisors.people import file_entry
from regulation.misconduct import (
    DISMISSES,
    MEASURES,
    agency_decides,
    check_measure_name,
    check_suspension_months,
    item_label,
    proposed_text,
)
from regulation.reasons import RuleViolation


def propose_to_appointing_body(s: Session, case_id: int, on: date, proposed: str,
                               institution_id: int | None = None, months: int | None = None) -> MisconductCase:
    """An internal supervisor: the numbered 处理建议 to the institution or industry department
    that appointed them (第十二条, 第二十六条 由委派机构处理), recorded; nothing decided here.
    `institution_id`: staff name the issuing institution when the card's code fits several
    (kept on the card)."""
    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件 {case_id} 不存在", "第二十六条")
    if case.status == "proposed":
        return case
    sup = s.get(Supervisor, case.supervisor_id)
    if agency_decides(sup.kind):
        raise RuleViolation("外督员由本机构依照第二十六条处理，无须向其他机构提出建议", "第二十六条")
    check_measure_name(proposed)
    if institution_id is not None and sup.issuer_institution_id is None:
        if institution_id not in {i.id for i in card_institutions(s, sup)}:
            raise RuleViolation(f"评价机构编号 {institution_id} 不是证卡 {sup.card_code} 的颁发机构代码所对应的机构",
                                "第十二条")
        sup.issuer_institution_id = institution_id
        s.add(sup)
    body, body_email, _inst = appointing_body(s, sup, strict=True)
    if proposed == "suspension":
        case.proposed_months = check_suspension_months(months)
    text = proposed_text(proposed, case.proposed_months, to_body=True)
    agency = handling_agency(s, sup)
    case.status, case.proposed_measure, case.appointing_body, case.proposal_sent_on = "proposed", proposed, body, on
    s.add(case)
    doc_id = case_letter(s, case, sup, agency, "misconduct_proposal", "关于质量督导员违规情形的处理建议", body,
                     "misconduct_proposal", on, proposed_text=text, agency_name=agency.letterhead_name)
    number = s.get(Document, doc_id).number
    to, kind = (body_email, "institution") if body_email else (agency.email, "agency")
    forward = [] if body_email else [f"系统中没有{body}的电子邮箱，请将附件建议函送达该机构。"]
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【处理建议】内督员 {sup.name}（{sup.card_code}）违规情形",
        greeting=body if body_email else agency.name,
        paragraphs=[f"内督员 {sup.name}（{sup.card_code}）存在{item_label(case.item)}情形。依据第十二条、第二十六条，"
                    f"由其委派机构作出处理；本机构建议：{text}。处理建议函（{number}）见附件，"
                    "请作出处理决定并将结果告知本机构。", *forward], sender=agency.letterhead_name)
    enqueue(s, f"misconduct-proposal-mail:{case.id}", to, kind, subject, text, html, None, [doc_id])
    file_entry(s, f"misconduct-proposal:{case.id}", sup.person_key, sup.id, on, "misconduct",
               f"内督员由其委派机构处理（第十二条）：已向{body}提出处理建议“{text}”，建议函 {number}", doc_id)
    return case


def record_body_decision(s: Session, case_id: int, measure: str, on: date, recorded_by: str) -> MisconductCase:
    """An internal supervisor's case: what the appointing body decided on the 处理建议, as it
    reported back (第十二条, 第二十六条), recorded in the file. A dismissal by the body has the
    article's province-wide effect, which is the system's to give: the ban, every card of the
    person cancelled (each other issuer told). The body's own letter to the employer is its own."""
    case = s.get(MisconductCase, case_id)
    if case is None:
        raise RuleViolation(f"案件编号：没有编号为 {case_id} 的督导员违规案件", "第二十六条")
    if case.status == "reported" and case.body_measure == measure:
        return case
    if case.status != "proposed":
        raise RuleViolation("只有已向委派机构提出处理建议的内督员案件才能登记其处理结果", "第二十六条")
    check_measure_name(measure)
    check_not_future(on, "委派机构决定日期")
    if case.proposal_sent_on and on < case.proposal_sent_on:
        raise RuleViolation(f"委派机构决定日期 {on} 早于处理建议发出之日（{case.proposal_sent_on}）", "第二十六条")
    if not recorded_by.strip():
        raise RuleViolation("须写明登记人", "第二十六条")
    sup = s.get(Supervisor, case.supervisor_id)
    case.body_measure, case.body_decided_on, case.status = measure, on, "reported"
    s.add(case)
    if measure in DISMISSES:
        cancel_every_card(s, case, sup, handling_agency(s, sup), on)
        if s.get(SupervisionBan, sup.person_key) is None:
            s.add(SupervisionBan(person_key=sup.person_key, since=on, misconduct_case_id=case.id))
    file_entry(s, f"misconduct-reported:{case.id}", sup.person_key, sup.id, on,
               "dismissal" if measure in DISMISSES else "misconduct",
               f"委派机构（{case.appointing_body}）于 {on} 作出处理：{MEASURES[measure]}（{recorded_by.strip()} 登记）")
    return case
