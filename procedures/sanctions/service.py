"""The decision carried out (第二十五条): the 处理决定书 served by mail with its 送达回执 link (the
institution signs for it through the portal; no run waits for that), or — a 告知书 served and the
measure changed to a 第二十四条 referral alone — a 终止通知书; an acting agency that did not file
the institution sends its 报告 to the filing authority instead (第二十条–第二十三条、第二十七条), and
the measure itself follows once (measures._measure); each write keyed, a retry repeats nothing."""

from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.documents import Document
from adapters.markdown_text import inert
from adapters.settings import get_settings
from adapters.templates import chinese_date
from models import Agency, Institution, SanctionCase
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal
from procedures.sanctions import status as sanction_status
from procedures.sanctions.changes import case_for_filing_authority, refer_alongside
from procedures.sanctions.common import (
    _doc,
    _due_or_pending,
    _due_words,
    _history,
    _mail,
    _step,
    case_label,
    case_today,
    link_deadline,
)
from procedures.sanctions.hearing import _hearing_reasons
from procedures.sanctions.measures import _measure
from regulation import sanctions as ladder
from regulation.deadlines import RECTIFICATION_MONTHS
from regulation.remedies import remedies_text


def carry_out(case_id: int) -> dict:
    """处理决定书 served by mail; then the measure (each write keyed; a retry repeats nothing)."""

    def act(s, case, today):
        if case.status != "awaiting_decision" and case.details.get("carried_out"):
            return
        inst, p = s.get(Institution, case.institution_id), case.proposal
        d = case.details.get("decision_details", {})
        article = _decided_article(case)
        article_text = ladder.case_text(case.decided_case) if case.decided_case and case.decided_case != "fail" \
            else p.get("article_text", "")
        name = ladder.MEASURE_NAMES.get(case.measure, case.measure)
        rect_due = _due_or_pending(s, case, "rectification_due", unknown_dues.Period(today, months=RECTIFICATION_MONTHS),
                                   "整改期限") \
            if case.measure == "rectification" and case.decision != "drop" and not case.report_only else None
        followup = _followup_text(case, d, rect_due, p)
        # 第二十四条: the institution is not forewarned; an agency that did not file it decides
        # nothing of its own (第二十二条、第二十三条): a 处理决定书 only where a 告知书 was served.
        if case.measure != "referral" and not case.report_only and case.details.get("hearing_doc"):
            agency = s.get(Agency, case.agency_id)
            doc = _doc(s, case, "decision", "质量督导处理决定书", inst.name, "sanction_decision", today,
                       notified_on=case.details.get("hearing_on", ""), hearing_number=case.details.get("hearing_doc", ""),
                       hearing_due=case.hearing_due, defence_on=case.defence.get("received_on", ""),
                       defence_points=[{"text": r["text"], "answer": r["answer"], "reason": r["reason"]}
                                       for r in case.point_replies],
                       decision=case.decision, reason=case.decision_reason, article=article,
                       article_text=article_text, measure_text=name, followup=followup,
                       remedies=remedies_text(agency.level, agency.city_letter))
            _serve_decision(s, case, inst, doc, today)
            _history(s, case, "decision", today, f"处理决定：{name if case.decision != 'drop' else '不予处理'}",
                     doc.number, article)
        elif case.measure == "referral" and not case.report_only and case.details.get("hearing_doc"):
            _terminate(s, case, inst, today)
        if case.decision == "drop":
            case.status = "dropped"
            sanction_status.lift_after_drop(s, case, inst, today)  # 不予处理 never strands a suspension
        elif case.report_only:
            _report_to_filing_authority(s, case, inst, today, article, name)
        else:
            _measure(s, case, inst, today, article, article_text, d, rect_due)
        if case.decision != "drop" and case.details.get("referral_too") and case.measure != "referral":
            refer_alongside(s, case, inst, today, d)  # 第二十四条 beside the measure, never instead
        case.details = case.details | {"carried_out": str(today)}
    return _step(case_id, act)


def _decided_article(case: SanctionCase) -> str:
    return ladder.case_citation(case.decided_case) if case.decided_case and case.decided_case != "fail" \
        else case.proposal.get("article", "")


def _followup_text(case: SanctionCase, d: dict, rect_due: date | None, p: dict) -> str:
    if case.decision == "drop":
        return ""
    published = "，并对社会公布" if case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES else ""
    return {
        "rectification": f"《整改通知书》另行送达；整改期间暂停评价活动，限期3个月（至{_due_words(case, 'rectification_due')}），"
                         "并对社会公布。",
        "interview": f"约谈时间：{d.get('interview_time')}；约谈地点：{d.get('interview_place')}。",
        "revocation": f"撤销备案回执的通知另行送达{published}。",
        "improvement": "改进要求另行送达。",
        "void_results": "请你单位通过随附链接作出书面说明，并宣布有关参评人员证书或评价成绩无效。",
    }.get(case.measure, "")


def _terminate(s: Session, case: SanctionCase, inst: Institution, today: date) -> None:
    """A 告知书 was served, then staff changed the measure to a 第二十四条 referral alone: the
    institution told of a proposed measure learns that the proceedings end — never of the
    referral (第二十四条 is not announced). Interpretation (ours)."""
    heard = case.details.get("heard") or {}
    doc = _doc(s, case, "termination", "质量督导处理终止通知书", inst.name, "sanction_termination", today,
               notified_on=case.details.get("hearing_on", ""), hearing_number=case.details.get("hearing_doc", ""),
               measure_name=ladder.MEASURE_NAMES.get(heard.get("measure") or "", case.proposal.get("measure_name")))
    _mail(s, f"sanction-termination:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "termination", today, "终止处理程序，不作出告知书所列处理", doc.number, "第二十五条")


def _serve_decision(s: Session, case: SanctionCase, inst: Institution, doc: Document, today: date) -> None:
    """The 处理决定书 by mail — served so; the measure goes on at once — with a one-time portal link
    where the institution opens it again and signs for it (送达回执: the proof of service)."""
    from procedures.portal.links import CaseStep, Contact, Recipient, create_link

    agency = s.get(Agency, case.agency_id)
    period = unknown_dues.Period(today, working_days=get_settings().decision_receipt_working_days)
    due = _due_or_pending(s, case, "receipt_due", period, "送达回执签收期限")
    link = create_link(s, CaseStep("sanction", case.id, RECEIPT_STEP, case.flow_run_id or ""),
                       Recipient("institution", inst.name, inst.contact_email),
                       Contact(agency.letterhead_name, agency.email),
                       "处理决定书送达回执", link_deadline(case, due or period.bound()),
                       f"请查看、下载《{doc.title}》（{doc.number}），填写签收人姓名后签收。", kind="decision_receipt")
    _mail(s, f"sanction-decision:{case.id}", inst.contact_email, "institution", doc,
          link=(f"送达回执：本决定书已随本邮件送达。请于{_due_words(case, 'receipt_due')}前打开以下一次性链接，查看、下载本决定书并签收"
                "（填写签收人姓名），签收回执作为送达证明：", link.url))
    case.decision_served_on, case.receipt_due = today, due
    case.details = case.details | {"decision_number": doc.number}


def _report_to_filing_authority(s, case, inst, today, article, name) -> None:
    """第二十条–第二十三条、第二十七条 「由（经）负责备案的人社部门」: a numbered 报告 with the findings and
    the proposal, no 告知书 or 处理决定书 of our own; the filing authority's own case follows
    (opened for it here when it is one of ours, so its staff hear and decide)."""
    agency, p = s.get(Agency, case.agency_id), case.proposal
    followed = case_for_filing_authority(s, case, inst, today)
    doc = _doc(s, case, "report", "关于评价机构质量督导问题的报告", p["filing_authority"], "filing_authority_report",
               today, institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts,
               reasons=_hearing_reasons(p) if p.get("case") == case.decided_case else [], article=article,
               article_text=ladder.case_text(case.decided_case), measure_text=ladder.measure_text(case.decided_case),
               measure_name=name, reason=case.decision_reason, referral_too=bool(case.details.get("referral_too")))
    if followed is not None:  # one of ours: straight to it, with the case it starts
        filing = s.get(Agency, followed.agency_id)
        _mail(s, f"sanction-report:{case.id}", filing.email, "agency", doc,
              f"已为你单位开立处理案件 {case_label(followed)}：请在流程管理界面以“处理案件编号”{followed.id} 启动 "
              "sanction-procedure（处理程序），先行告知评价机构（第二十五条）后作出处理决定。")
    else:
        _mail(s, f"sanction-report:{case.id}", agency.email, "agency", doc,
              f"请转送{p['filing_authority']}（负责备案的人社部门）。")
    _history(s, case, "report", today, f"报告{p['filing_authority']}（非本机构备案）", doc.number, article)
    case.details = case.details | {"report_number": doc.number,
                                   "filing_authority_case": followed.id if followed is not None else None}
    case.status = "reported"


RECEIPT_STEP = "decision-receipt"  # the 送达回执 link of the 处理决定书 (no run waits for it)


def _receipt_case(s: Session, link) -> tuple[SanctionCase, Document]:
    case = s.get(SanctionCase, link.case_id)
    doc = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case.id}-decision")).one()
    return case, doc


def receipt_context(link) -> dict:
    with session_scope() as s:
        case, doc = _receipt_case(s, link)
        inst = s.get(Institution, case.institution_id)
        return {"institution": inst.name, "document_title": doc.title, "document_number": doc.number,
                "served_on": chinese_date(case.decision_served_on) if case.decision_served_on else ""}


def receipt_document(link) -> tuple[str, bytes]:
    with session_scope() as s:
        _case, doc = _receipt_case(s, link)
        return doc.filename, doc.content


def check_receipt(_link, answers: dict) -> tuple[Refusal, dict]:
    """签收人: a name, as a person writes it (no control characters, at most 50 characters)."""
    refusal = Refusal()
    signer = str(answers.get("signer", "")).strip()
    if not signer:
        refusal.add("signer", "签收人姓名：未填写。请填写代表评价机构签收本决定书的人员姓名")
    elif len(signer) > 50 or any(not ch.isprintable() for ch in signer):
        refusal.add("signer", "签收人姓名：应为不超过 50 字的姓名，不含换行或控制字符")
    return refusal, {"signer": signer, "statement": f"签收人：{signer}"}


def record_receipt(s: Session, link, payload: dict, at) -> None:
    """In the portal's storing transaction: the case is served with proof (who, the server's time)."""
    case = s.get(SanctionCase, link.case_id)
    if case.receipt_signed_at is not None:
        return
    case.receipt_signed_at, case.receipt_signer = at, payload["signer"]
    s.add(case)
    _history(s, case, "decision-receipt", case_today(case),
             f"处理决定书已送达（签收人：{payload['signer']}，{at:%Y-%m-%d %H:%M}）",
             case.details.get("decision_number", ""), "")


def service_text(case: SanctionCase) -> str:
    """送达 as the case file says it: 已送达（签收人, 时间）, or served by mail and not yet signed for."""
    from procedures.portal.links import aware

    if case.receipt_signed_at is not None:
        return f"已送达（签收人：{inert(case.receipt_signer)}，{aware(case.receipt_signed_at):%Y-%m-%d %H:%M}）"
    if case.decision_served_on:
        reminded = f"；{case.receipt_reminded_on} 已提醒并告知委派机构" if case.receipt_reminded_on else ""
        return f"已于 {case.decision_served_on} 电子邮件送达，送达回执待签收（期限 {case.receipt_due}）{reminded}"
    return "未送达"
