"""第二十二条 and 附件4: 整改通知书, 暂停评价活动, 监管档案 and the public register in one transaction;
3 calendar months to rectify (RECTIFICATION_MONTHS, set when the decision is carried out); the
report through the portal; the staff review, round by round → 恢复评价活动 (notice, register; only
when no other measure keeps the institution suspended) or requirements and a new date. A missed
date is the sweep's (第二十二条（六）, or 第二十三条（一） after an earlier notice)."""

from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from models import (
    Agency,
    EvaluationSession,
    InspectionCase,
    Institution,
    PendingCase,
    SanctionCase,
    SpecialInspection,
)
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal
from procedures.casework.views import Outcome
from procedures.sanctions import status as sanction_status
from procedures.sanctions.common import (
    STATUS_NAMES,
    _answer_once,
    _decider,
    _doc,
    _due_words,
    _history,
    _mail,
    _step,
)
from procedures.sanctions.register import _register

REVIEW_RESUME, REVIEW_AGAIN = "恢复评价活动", "提出整改要求并另定期限"


def _suspend(s, case, inst, today, article, rect_due, d) -> None:
    """第二十二条 in one transaction: 整改通知书 (附件4), suspension, 监管档案, public register.
    An institution revoked after the decision was taken (another case, in between) is not
    suspended: the 监管档案 records why, no 整改通知书 and no register line (ladder.suspension_refusal)."""
    revoked = sanction_status.revocation_in_force(s, inst.id)
    if revoked is not None:
        _history(s, case, "not_suspended", today,
                 f"备案回执已撤销{f'（{revoked}）' if revoked else ''}，不发出《整改通知书》、不暂停评价活动（第二十二条）",
                 "", article)
        case.rectification_due, case.status = None, "closed"
        case.details = case.details | {"not_suspended": "revoked"}
        return
    agency = s.get(Agency, case.agency_id)
    source = s.get(PendingCase, case.pending_case_id) if case.pending_case_id else None
    icase = s.get(InspectionCase, source.source_case_id) if source else None
    sess = s.get(EvaluationSession, icase.session_id) if icase and icase.session_id else None
    problems = [x for x in (d.get("problems") or "").splitlines() if x.strip()] or [case.facts]
    # Where the problems were found (附件4's opening): a daily inspection of a batch, a special
    # inspection, or neither (a finding registered directly: no inspection to name).
    special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == icase.id)).first() \
        if icase is not None and sess is None else None
    supervised_on = sess.starts_at.date() if sess else special.planned_start if special else case.opened_on
    doc = _doc(s, case, "rectification", "整改通知书", inst.name, "rectification_notice", today,
               supervised_on=f"{supervised_on}", agency_name=agency.letterhead_name, special=special is not None,
               batch_number=sess.batch_number if sess else "", problems=problems,
               requirements=d.get("requirements") or "", due=_due_words(case, "rectification_due"))  # written by staff (decide)
    _mail(s, f"sanction-rectification:{case.id}", inst.contact_email, "institution", doc,
          "整改报告的一次性提交链接另行发送。")
    _history(s, case, "written_notice", today,
             f"发出《整改通知书》，暂停评价活动，限期整改至{rect_due or unknown_dues.PENDING}", doc.number,
             article)
    _register(s, case, "rectification", article, doc.number, today, rect_due)
    case.rectification_due, case.rectification_round, case.status = rect_due, 1, "rectifying"
    case.details = case.details | {"notice_number": doc.number}
    sanction_status.settle(s, inst)  # a revoked institution stays revoked


def record_rectification_report(case_id: int, submission_id: int) -> dict:
    """The report through the portal (0: the deadline passed without one; the sweep escalated)."""
    from procedures.portal import submissions as portal_submissions

    def act(s, case, today):
        if case.status != "rectifying":
            return
        if submission_id:
            step = f"rectification-{case.rectification_round}"
            sub = portal_submissions.read_for_step(submission_id, case.flow_run_id, step)
            case.report_received_on = today
            case.details = case.details | {"report_receipt": sub.receipt_number, "report_files": len(sub.files)}
        else:
            case.details = case.details | {"report_missing": str(case.escalated_on or today)}
            case.status = "closed"
            sanction_status.settle(s, s.get(Institution, case.institution_id))  # suspended into the escalation
    return _step(case_id, act)


def review_rectification(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Staff review of a rectification report (附件4): resume (恢复评价活动, register, letter) or
    requirements and a new date."""
    return _review(case_id, pause_key, answers, "rectifying", REVIEW_RESUME, REVIEW_AGAIN, _resume,
                   "整改审核未通过，提出整改要求", "附件4")


def _review(case_id: int, pause_key: str, answers: dict, status: str, accept: str, again: str, on_accept,
            returned: str, article: str) -> Outcome:
    """One review of a report (a round): `accept` → on_accept, or `again` with requirements and a
    new date later than today → the next round (a new link, the run waits again)."""

    def judge(s, case, today, refusal):
        who = _decider(s, case, answers, refusal)
        outcome = str(answers.get("outcome", ""))
        remark = str(answers.get("requirements", "")).strip()
        if outcome not in (accept, again):
            refusal.add("outcome", f"审核结论：应为“{accept}”或“{again}”")
        new_due, moved = None, ""
        if outcome == again:
            if not remark:
                refusal.add("requirements", "整改要求：另定期限时须写明尚需整改（改进）的要求")
            try:
                new_due = date.fromisoformat(str(answers.get("new_due", "")))
                if new_due <= today:
                    refusal.add("new_due", f"新的整改期限：应晚于今天（{today}），实际为 {new_due}")
                else:  # 民法典第二百零三条: a day off moves to the next working day, said on the case
                    new_due, moved = unknown_dues.staff_last_day(s, new_due)
                    if new_due is None:
                        refusal.add("new_due", f"新的整改期限：{moved}")
            except ValueError:
                refusal.add("new_due", f"新的整改期限：应为有效日期（YYYY-MM-DD），实际为“{answers.get('new_due', '')}”")
        if case.status != status:
            refusal.add("outcome", f"审核结论：案件状态为“{STATUS_NAMES[case.status]}”，不能再审核")
        resume_reason = _resume_reason(s, case, answers, refusal) if outcome == REVIEW_RESUME else ""
        if refusal or who is None:
            return
        inst = s.get(Institution, case.institution_id)
        reviews = list(case.details.get("reviews", [])) + [{"on": str(today), "by": who.label, "outcome": outcome,
                                                            "requirements": remark}]
        if resume_reason:
            reviews[-1]["resume_reason"] = resume_reason
        case.details = case.details | {"reviews": reviews}
        if outcome == accept:
            on_accept(s, case, inst, today, remark, who.label)
        else:
            case.rectification_round += 1
            case.rectification_due, case.report_received_on = new_due, None
            _history(s, case, f"requirements-{case.rectification_round}", today,
                     f"{returned}并另定期限至{new_due}{moved}：{remark}", "", article)
    return _answer_once(case_id, pause_key, judge)


def _resume_reason(s: Session, case: SanctionCase, answers: dict, refusal: Refusal) -> str:
    """Resuming while a revocation-level case of the institution is open needs a stated reason."""
    open_cases = sanction_status.open_revocation_cases(s, case)
    reason = str(answers.get("resume_reason", "")).strip()
    if open_cases and not reason:
        refusal.add("resume_reason", f"恢复评价活动的理由：该机构尚有可能撤销备案回执的未结案件（{'；'.join(open_cases)}），"
                                     "恢复评价活动须写明理由")
    return reason if open_cases else ""


def review_context(case_id: int) -> list[str]:
    """What the 恢复评价活动 review form shows besides the report: the open revocation-level cases."""
    with session_scope() as s:
        return sanction_status.open_revocation_cases(s, s.get(SanctionCase, case_id))


def _resume(s, case, inst, today, remark, by) -> None:
    """The report accepted: the case ends; 恢复评价活动 (notice, register) only if the institution
    really resumes — not while it is revoked or another 第二十二条 case keeps it suspended."""
    case.status = "closed"
    before, after = sanction_status.settle(s, inst)
    if not sanction_status.resumes(before, after):
        _history(s, case, "rectification-accepted", today,
                 f"整改报告经审核通过（{by}）；{sanction_status.why_not_resumed(s, case, after)}", "", "附件4")
        return
    doc = _doc(s, case, "resumption", "恢复评价活动通知", inst.name, "resumption_letter", today,
               notice_number=case.details.get("notice_number", ""), report_on=case.report_received_on, on=today,
               remark=remark)
    _mail(s, f"sanction-resumption:{case.id}", inst.contact_email, "institution", doc)
    why = (case.details.get("reviews") or [{}])[-1].get("resume_reason")
    _history(s, case, "resumption", today, f"整改完成，恢复评价活动（{by}）" + (f"；恢复理由：{why}" if why else ""),
             doc.number, "附件4")
    _register(s, case, "resumption", "附件4", doc.number, today)
    case.resumed_on, case.status = today, "closed"
