"""Step 2 of internal supervision — the internal supervisor's 附件3 record of the session
(第十六条: 参照外督方式和程序). The same form, veto items and 20% rule as the external record
(procedures.casework.record_answers, one implementation), the same deadline (第十七条: 2 working
days after the session's scheduled end, or a stated later end). The supervisor signs with their
own internal card code (附件3: 督导员签名). The record is the institution's: its contact gets the
result at once; a 不合格 record asks the institution what it did about it (followup.py).
"""

from datetime import datetime

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.settings import get_settings
from adapters.templates import render_email
from models import (
    EvaluationSession,
    Institution,
    InternalRecord,
    InternalSession,
    PortalLink,
    Supervisor,
)
from procedures.casework.cases import Refusal, local_date
from procedures.casework.record_answers import METHODS, check_record_answers, record_due_from
from procedures.internal.assignment import CASE_KIND, notify_text
from procedures.portal import links as portal_links
from regulation.checklists import load_checklist


def record_context(link: PortalLink) -> dict:
    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        sess, inst = s.get(EvaluationSession, row.session_id), s.get(Institution, row.institution_id)
        closed = "" if row.status == "assigned" else "本场次的内督记录表已经提交，此链接无需再使用。"
        return {"internal": True, "closed": closed, "institution": inst.name, "batch_number": sess.batch_number,
                "occupation": sess.occupation, "level": sess.level, "site": sess.site,
                "scheduled_end": str(local_date(sess.ends_at)),
                "record_due": str(row.record_due) if row.record_due else "暂无法计算（当年工作日历尚未公布）",
                "checklist": load_checklist(sess.form_kind), "methods": METHODS, "supervisors": []}


def check_record(link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    """Before the portal stores it: the signer's card and the 附件3 answers (nothing written)."""
    errors = Refusal()
    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        if row.status != "assigned":
            errors.add(None, "本场次的内督记录表已经提交，不能再次提交（每场一份记录表）")
        recorder = s.get(Supervisor, row.recorder_id) if row.recorder_id else None
        code = str(answers.get("card_code", "")).strip().upper()
        if recorder is None or code != recorder.card_code or recorder.email.lower() != link.recipient_email.lower():
            errors.add("card_code", "内督证卡编号：应为本人的内督证卡编号（13位，如 Y001234260001），"
                                    "且须是本场次安排填写记录表的内督员")
        elif recorder.card_status != "valid" or recorder.status != "active":
            errors.add("card_code", "内督证卡编号：该证卡已暂停或注销，不能以此证卡提交记录表（第十二条）")
        check_record_answers(s.get(EvaluationSession, row.session_id), answers, clock.today(), errors)
        s.rollback()
    kept = {k: v for k, v in answers.items() if k != "card_code"}
    return errors, {"answers": kept}


def record_stored(s: Session, link: PortalLink, payload: dict, at: datetime) -> None:
    """In the transaction that stores the submission: the record, its result to the contact and,
    when 不合格, the contact's follow-up link."""
    from procedures.internal.followup import ask_followup

    row = s.get(InternalSession, link.case_id)
    if row.status != "assigned":
        return
    sess, inst = s.get(EvaluationSession, row.session_id), s.get(Institution, row.institution_id)
    answers, today = payload["answers"], local_date(at)
    errors = Refusal()
    checked = check_record_answers(sess, answers, today, errors)
    if errors:  # checked a moment ago; data cannot have moved for a form no run waits on
        raise ValueError("; ".join(errors))
    due = record_due_from(s, checked.counted_from, checked.scheduled_end, row.record_due)
    sub_id = _submission_id(s, link)
    record = InternalRecord(
        internal_session_id=row.id, session_id=sess.id, institution_id=inst.id, submitted_by=row.recorder_id,
        submitted_on=today, due_on=due, late=(due is not None and today > due) or row.missing_reported_on is not None,
        submission_id=sub_id, **checked.columns(answers))
    s.add(record)
    row.status = "recorded"
    s.add(row)
    s.flush()
    _tell_contact(s, record, sess, inst)
    if record.verdict == "不合格":
        ask_followup(s, record, sess, inst, today, get_settings().internal_followup_days)


def _submission_id(s: Session, link: PortalLink) -> int | None:
    from models import PortalSubmission

    return s.exec(select(PortalSubmission.id).where(PortalSubmission.link_id == link.id)).first()


def _tell_contact(s: Session, record: InternalRecord, sess: EvaluationSession, inst: Institution) -> None:
    """The institution sees its own records: the result, the failed items and the evaluation."""
    checklist = load_checklist(record.form_kind)
    texts = {i.no: i.text for i in checklist.items} | {v.no: v.text for v in checklist.veto_items}
    failed = [f"第{n}项 {texts.get(n, '')}" + (f"（备注：{record.remarks[str(n)]}）" if record.remarks.get(str(n)) else "")
              for n in record.failed_items]
    vetoes = [f"一票否决项{n} {texts.get(n, '')}" for n in record.veto_hits]
    sup = s.get(Supervisor, record.submitted_by)
    name, email = inst.internal_contact
    late = f"（逾期：应于 {record.due_on} 前提交）" if record.late else ""
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【内督记录表】{sess.batch_number} 评定{record.verdict}", greeting=name,
        paragraphs=[f"内督员 {sup.name} 已提交{notify_text(sess, inst)}的内督记录表{late}：评定{record.verdict}，"
                    f"否定项 {record.negative_count}/{record.item_count}。",
                    *(["存在一票否决情形：" + "；".join(vetoes)] if vetoes else []),
                    *(["不符合的项目：" + "；".join(failed)] if failed else []),
                    f"总体评价：{record.overall_evaluation}",
                    "本记录为本机构内部督导记录，请妥善保管，不得对外公开（第八条）。"],
        sender="督导系统")
    enqueue(s, f"internal-record-result:{record.id}", email, "institution", subject, text, html)


def record_waits(link: PortalLink) -> bool:
    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        return row is not None and row.status == "assigned"


def record_item_labels(link: PortalLink) -> dict[str, str]:
    with session_scope() as s:
        row = s.get(InternalSession, link.case_id)
        form_kind = s.get(EvaluationSession, row.session_id).form_kind
    return {f"item_{i.no:02d}": f"第{i.no}项 {i.text}" for i in load_checklist(form_kind).items}


def remind_recorder(s: Session, row: InternalSession, sess: EvaluationSession, inst: Institution, on) -> None:
    """Once, on the due day: the record link again, to the recorder and a copy to the contact."""
    sup = s.get(Supervisor, row.recorder_id)
    link = s.exec(select(PortalLink).where(PortalLink.link_key == f"{CASE_KIND}:{row.id}:record:{sup.id}")).first()
    url = portal_links.url_of(link) if link else ""
    for key, (name, email), kind in ((f"internal-record-reminder:{row.id}", (sup.name, sup.email), "supervisor"),
                                      (f"internal-record-reminder-contact:{row.id}", inst.internal_contact, "institution")):
        subject, text, html = render_email(
            "supervisor_notice", subject_text=f"【内督记录表今日到期】{sess.batch_number}", greeting=name,
            paragraphs=[f"{notify_text(sess, inst)} 的内督记录表应于今天（{row.record_due}）提交（第十七条）。",
                        *([f"填写链接：{url}"] if url and kind == "supervisor" else []),
                        "逾期未提交的，将报告委派机构（第十六条）。"],
            sender="督导系统")
        enqueue(s, key, email, kind, subject, text, html)
    row.record_reminded_on = on
    s.add(row)
