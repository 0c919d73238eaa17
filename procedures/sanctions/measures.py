"""The measure decided, carried out once (第二十条–第二十四条, 第二十七条): 第二十条 the order to
explain and void the results, then the institution's explanation through the portal; 第二十一条
the interview notice, then the minutes; 第二十三条 (and 第二十七条) 撤销备案回执, published and
registered, with 第二十七条's discipline proposal; 第二十四条 the transfer letter. 第二十二条's
rectification and 第二十七条's improvement request are their own steps (rectification, improvement)."""

from adapters.settings import get_settings
from models import Agency
from procedures.casework import unknown_dues
from procedures.casework.views import Outcome
from procedures.sanctions import status as sanction_status
from procedures.sanctions.common import (
    _answer_once,
    _decider,
    _doc,
    _due_or_pending,
    _due_words,
    _history,
    _mail,
    _step,
)
from procedures.sanctions.decision import discipline_due
from procedures.sanctions.improvement import request_improvement
from procedures.sanctions.rectification import _suspend
from procedures.sanctions.register import _register
from regulation import sanctions as ladder


def _measure(s, case, inst, today, article, article_text, d, rect_due) -> None:
    """The decided measure, by its kind (service.carry_out; `d` the decision's details)."""
    agency = s.get(Agency, case.agency_id)
    m = case.measure
    if m == "rectification":
        _suspend(s, case, inst, today, article, rect_due, d)
    elif m == "interview":
        doc = _doc(s, case, "interview", "约谈通知书", inst.name, "interview_notice", today, article=article,
                   article_text=article_text, time=d["interview_time"], place=d["interview_place"])
        _mail(s, f"sanction-interview:{case.id}", inst.contact_email, "institution", doc)
        _history(s, case, "interview", today, f"约谈主要负责人（{d['interview_time']}，{d['interview_place']}）",
                 doc.number, article)
        case.status = "awaiting_minutes"
    elif m == "revocation":
        _revoke(s, case, inst, today, article, article_text, d)
    elif m == "referral":
        doc = _doc(s, case, "transfer", "移交函", d["authority"], "transfer_letter", today,
                   institution_name=inst.name, filing_number=inst.filing_number, facts=case.facts)
        _mail(s, f"sanction-transfer:{case.id}", agency.email, "agency", doc, f"请送达{d['authority']}。")
        _history(s, case, "referral", today, f"移交{d['authority']}（第二十四条）", doc.number, article)
        case.status = "closed"
    elif m == "improvement":
        request_improvement(s, case, inst, today, article, article_text, d)
    elif m == "void_results":
        due = _due_or_pending(s, case, "rectification_due",
                              unknown_dues.Period(today, calendar_days=get_settings().report_due_days), "书面说明期限")
        doc = _doc(s, case, "void-order", "关于作出书面说明并宣布评价结果无效的通知", inst.name, "void_results_order",
                   today, article=article, article_text=article_text, due=_due_words(case, "rectification_due"))
        _mail(s, f"sanction-void:{case.id}", inst.contact_email, "institution", doc)
        case.rectification_due, case.status = due, "awaiting_report"
    else:
        case.status = "closed"


def _revoke(s, case, inst, today, article, article_text, d) -> None:
    agency = s.get(Agency, case.agency_id)
    bars = case.decided_case.startswith("23.")  # 第二十三条 「不再受理其备案或遴选申请」: its own, not 第二十七条's
    doc = _doc(s, case, "revocation", "撤销备案回执通知", inst.name, "revocation_receipt", today, article=article,
               article_text=article_text, filing_number=inst.filing_number, on=today, bars=bars,
               publish=case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES)  # the decided article's
    _mail(s, f"sanction-revocation:{case.id}", inst.contact_email, "institution", doc)
    _history(s, case, "revocation", today, "撤销备案回执，不再受理其备案或遴选申请" if bars else "撤销备案回执",
             doc.number, article)
    if case.decided_case.split(".")[0] in ladder.PUBLISHED_ARTICLES:
        _register(s, case, "revocation", article, doc.number, today)
    if discipline_due(case, case.decided_case, case.measure):
        prop = _doc(s, case, "discipline", "关于给予处分的建议", d["authority"],
                    "discipline_proposal", today, institution_name=inst.name, filing_number=inst.filing_number,
                    facts=case.facts, persons=d["persons"])  # both required by decide (_require_details)
        _mail(s, f"sanction-discipline:{case.id}", agency.email, "agency", prop, f"请送达{d['authority']}。")
        _history(s, case, "discipline", today, "提出给予处分的建议（第二十七条）", prop.number, article)
    case.status = "closed"
    sanction_status.settle(s, inst)


def record_minutes(case_id: int, pause_key: str, answers: dict) -> Outcome:
    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        minutes = str(answers.get("minutes", "")).strip()
        if not minutes:
            refusal.add("minutes", "约谈记录：请写明约谈情况和对方的说明")
        if refusal or who is None:
            return
        case.details = case.details | {"minutes": minutes, "minutes_by": who.label, "minutes_on": str(today)}
        case.status = "closed"
    return _answer_once(case_id, pause_key, judge)


def record_explanation(case_id: int, submission_id: int) -> dict:
    """第二十条: the institution's written explanation and the results it declared void. The list
    stays inside the agency; anywhere else only a count (personal data masked, 第八条)."""
    from procedures.portal import submissions as portal_submissions

    def act(s, case, today):
        if case.status != "awaiting_report":
            return
        if submission_id:
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, "explanation")
            lines = [x.strip() for x in sub.statement.splitlines() if x.strip()]
            case.details = case.details | {"explanation": lines[:1], "voided": lines[1:], "receipt": sub.receipt_number}
            _history(s, case, "void_results", today, f"评价机构书面说明并宣布 {len(lines[1:])} 名参评人员的结果无效",
                     "", case.proposal["article"])
            case.status = "closed"
        else:
            case.escalated_on = case.escalated_on or today
            case.status = "closed"
    return _step(case_id, act)
