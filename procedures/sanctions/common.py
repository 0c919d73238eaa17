"""What every step of the 处理程序 shares: the statuses, the case's "today", number and view, one
step in one transaction (`_step`), one staff answer judged once (`_answer_once`), the letters,
mails and 监管档案 lines each step writes (keyed: a retry writes nothing twice), and the due days
(期限待定 while a year is not declared). Imports no step module."""

from datetime import date, timedelta

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from adapters.documents import Document, OfficialLetter, allocate_number, store_document
from adapters.mailer import enqueue
from adapters.templates import render_email, render_paragraphs
from models import Agency, Institution, InstitutionHistory, PendingCase, SanctionCase
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal
from procedures.casework.views import Outcome

STATUS_NAMES = {
    "pending": "待启动", "hearing": "告知、待陈述申辩（第二十五条）", "awaiting_decision": "待作出处理决定",
    "awaiting_report": "待评价机构书面说明（第二十条）", "awaiting_minutes": "待登记约谈记录（第二十一条）",
    "rectifying": "暂停评价活动、整改中（第二十二条）", "improving": "改进中（第二十七条）",
    "closed": "已结案", "dropped": "不予处理", "reported": "已报告负责备案的人社部门",
}
OPEN_STATUSES = ("pending", "hearing", "awaiting_decision", "awaiting_report", "awaiting_minutes", "rectifying",
                 "improving")
FINAL_STATUSES = ("closed", "dropped", "reported")


class SanctionError(ValueError):
    """A case cannot be opened as asked: the reason in Chinese, naming the field."""


def case_today(case: SanctionCase) -> date:
    return clock.today() + timedelta(days=case.clock_offset_days)


def case_label(case: SanctionCase) -> str:
    """How staff and letters name the case: its number; a case from before numbers (or not yet
    started) by its id."""
    return case.number or f"第{case.id}号"


def hearing_round(case: SanctionCase) -> int:
    """1, or 2, 3 … after a change of the measure reopened the hearing (第二十五条)."""
    return int(case.details.get("hearing_round", 1))


def defence_step(case: SanctionCase) -> str:
    """The portal step (and the run's pause) of this round's defence: defence, defence-2, …"""
    rnd = hearing_round(case)
    return "defence" if rnd == 1 else f"defence-{rnd}"


def _due_or_pending(s: Session, case: SanctionCase, field: str, period, what: str) -> date | None:
    """The due day, or None with what the sweep needs kept in details["due_pending"][field]
    (a year not yet declared: 期限待定, the administrator told once; procedures/casework/unknown_dues.py)."""
    due, pending = unknown_dues.pending_due(s, s.get(Agency, case.agency_id), period, what,
                                            f"处理案件 {case_label(case)}", None)
    if pending is not None:
        case.details = case.details | {"due_pending": case.details.get("due_pending", {}) | {field: pending}}
    setattr(case, field, due)  # the letters written next read it from the case
    return due


def _due_words(case: SanctionCase, field: str) -> str:
    """A due day as the letter states it: the date, or 「期限待定」 while its year is unknown."""
    pending = case.details.get("due_pending", {}).get(field)
    return unknown_dues.words(getattr(case, field), pending["reason"] if pending else "")


def _pending_text(case: SanctionCase, field: str) -> str:
    return unknown_dues.PENDING if field in case.details.get("due_pending", {}) else ""


def link_deadline(case: SanctionCase, due: date):
    """The end of a step's last day, for its portal link. The link lives in real time: a case
    opened with an as_of (tests, late entry) shifts its deadline back by the case's clock
    offset (0 in normal use)."""
    from datetime import datetime, time

    return datetime.combine(due - timedelta(days=case.clock_offset_days), time(23, 59), tzinfo=clock.tz())


def view(s: Session, case: SanctionCase) -> dict:
    inst = s.get(Institution, case.institution_id)
    p = case.proposal or {}
    return {"case_id": case.id, "case_number": case_label(case), "status": case.status, "institution": inst.name,
            "filing_number": inst.filing_number,
            "measure": case.measure or p.get("measure", ""), "measure_name": p.get("measure_name", ""),
            "article": p.get("article", ""), "report_only": case.report_only,
            # 第二十二条、第二十三条: an agency that did not file the institution serves no 告知书 of its own
            "hearing": p.get("hearing", True) and not case.report_only,
            "hearing_round": hearing_round(case), "defence_step": defence_step(case),
            "hearing_due": str(case.hearing_due or _pending_text(case, "hearing_due")),
            "rectification_due": str(case.rectification_due or _pending_text(case, "rectification_due")),
            "rectification_round": case.rectification_round, "today": str(case_today(case))}


def read_view(case_id: int) -> dict:
    with session_scope() as s:
        return view(s, s.get(SanctionCase, case_id))


def _step(case_id: int, fn) -> dict:
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        fn(s, case, case_today(case))
        _close_pending(s, case)
        s.add(case)
        s.flush()
        return view(s, case)


def _answer_once(case_id: int, pause_key: str, judge) -> Outcome:
    """Judge an answer once; a replay reads the stored outcome (kept on the case)."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        prior = case.details.get("answers", {}).get(pause_key)
        if prior:
            return Outcome(prior["accepted"], prior["errors"], prior["fields"], True)
        refusal = Refusal()
        judge(s, case, case_today(case), refusal)
        if refusal:
            s.rollback()
            case = s.get(SanctionCase, case_id)
        _close_pending(s, case)
        answers = dict(case.details.get("answers", {}))
        answers[pause_key] = {"accepted": not refusal, "errors": list(refusal), "fields": dict(refusal.fields)}
        case.details = case.details | {"answers": answers}
        s.add(case)
        return Outcome(not refusal, list(refusal), dict(refusal.fields), True)


def _decider(s: Session, case: SanctionCase, answers: dict, refusal: Refusal):
    from procedures.casework import staff

    who = staff.verify(s, case.agency_id, str(answers.get("staff_code", "")))
    if isinstance(who, str):
        refusal.add("staff_code", who)
        return None
    return who


def _close_pending(s: Session, case: SanctionCase) -> None:
    """The pending finding has had its procedure once the case ends."""
    if case.status in FINAL_STATUSES and case.pending_case_id:
        pending = s.get(PendingCase, case.pending_case_id)
        if pending.status != "closed":
            pending.status = "closed"
            s.add(pending)


def _doc(s: Session, case: SanctionCase, kind: str, title: str, recipient: str, template: str, today: date,
         **ctx) -> Document:
    key = f"sanction-{case.id}-{kind}"
    doc = s.exec(select(Document).where(Document.idempotency_key == key)).first()
    if doc is None:
        agency = s.get(Agency, case.agency_id)
        letter = OfficialLetter(kind, agency.letterhead_name, allocate_number(s, agency.id, agency.letter_prefix, today.year),
                                title, recipient, render_paragraphs(template, **ctx), today)
        doc = store_document(s, key, letter, agency.id, None)
    return doc


def _mail(s: Session, key: str, to: str, kind: str, doc: Document, extra: str = "",
          link: tuple[str, str] | None = None) -> None:
    """The letter by mail (.docx attached); `link`: (what it is for, the portal address), in both bodies."""
    from adapters.documents import docx_text

    link_text, link_url = link or ("", "")
    subject, text, html = render_email("official_letter", title=doc.title, number=doc.number, filename=doc.filename,
                                       text=docx_text(doc.content) + (f"\n\n{extra}" if extra else ""), html=doc.html,
                                       link_text=link_text, link_url=link_url)
    enqueue(s, key, to, kind, subject, text, html, None, [doc.id])


def _history(s: Session, case: SanctionCase, kind: str, on: date, text: str, number: str = "",
             article: str = "") -> None:
    key = f"sanction-{case.id}-{kind}"
    if s.exec(select(InstitutionHistory.id).where(InstitutionHistory.key == key)).first() is None:
        s.add(InstitutionHistory(key=key, institution_id=case.institution_id, kind=kind, on=on, number=number,
                                 article=article, sanction_case_id=case.id, text=text))
