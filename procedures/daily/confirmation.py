"""Step 3b of the daily inspection — the other supervisors confirm the record (第十七条): with
several supervisors dispatched, the first to file signs the record with their own assignment
code; each other one confirms it with their own code, or files a disagreement, through their
confirmation link. Once the record's due date has passed the agency may close the missing
confirmations as overdue, signed with a staff code (第二十六条(二) candidates). Only then does
the record count (procedures.daily.decision.record_counts: verdict, proposal, agency mail).
"""

from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from models import (
    Agency,
    Dispatch,
    InspectionCase,
    InspectionRecord,
    PortalLink,
    RecordConfirmation,
    Supervisor,
)
from procedures.casework import staff
from procedures.casework.case_reads import view
from procedures.casework.cases import Refusal, add_event, answer_once
from procedures.casework.views import Outcome
from procedures.daily.decision import record_counts
from procedures.daily.dispatch import dispatch_by_code
from procedures.daily.links import CASE_KIND, invite, reissue, stored
from procedures.portal import links as portal_links

CONFIRM, DISAGREE, CLOSE_OVERDUE = "确认记录表", "不同意（写明意见）", "委派机构：按逾期未确认处理"
CONFIRM_TITLE = "确认日常督导情况记录表（第十七条）"


def _check_confirmation(s: Session, case: InspectionCase, answers: dict, errors: Refusal,
                        signer: Dispatch | None = None) -> Dispatch | None:
    """第十七条: another dispatched supervisor, with their own assignment code (or the dispatch the
    portal proved), confirms the record or files a disagreement. The portal checks it before it
    stores; the run judges what was stored with the same code."""
    position, text = answers.get("position"), str(answers.get("text", "")).strip()
    missing = {d.id for d in s.exec(select(Dispatch).where(Dispatch.case_id == case.id,
                                                           Dispatch.status == "dispatched"))}
    if case.status != "awaiting_confirmation":
        errors.add(None, "记录表确认：本案当前不在等待确认（已确认齐或已按逾期处理），无需再提交")
        return None
    if signer is None:
        signer = dispatch_by_code(s, case, str(answers.get("assignment_code", "")))
        if signer is None:
            errors.add("assignment_code", "任务编码不正确：请填写你本人派遣通知邮件中的一次性任务编码")
    if signer is not None and signer.id not in missing:
        errors.add("assignment_code", "任务编码：该督导员已提交或已确认记录表，无需重复确认")
    if position not in (CONFIRM, DISAGREE):
        errors.add("position", f"确认情况：应为“{CONFIRM}”或“{DISAGREE}”")
    if position == DISAGREE and not text:
        errors.add("text", "意见：不同意时须写明不同意见")
    return signer


def confirm_record(case_id: int, pause_key: str, answers: dict, dispatch_id: int | None = None) -> Outcome:
    """第十七条 binds every dispatched supervisor: another supervisor confirms the record or files
    a disagreement (through their portal link); the agency may close missing ones as overdue,
    with a staff code (`close_overdue`)."""
    def judge(s: Session, case: InspectionCase, today: date, errors: Refusal) -> bool:
        given = s.get(Dispatch, dispatch_id) if dispatch_id else None
        if dispatch_id and (given is None or given.case_id != case.id):
            errors.add(None, "记录表确认：提交人不是本次委派的督导员")
            return True
        signer = _check_confirmation(s, case, answers, errors, given)
        if errors:
            return True
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
        sup = s.get(Supervisor, signer.supervisor_id)
        agreed = answers.get("position") == CONFIRM
        text = str(answers.get("text", "")).strip()
        s.add(RecordConfirmation(case_id=case.id, dispatch_id=signer.id, on=today,
                                 position="confirmed" if agreed else "disagreed", text="" if agreed else text))
        signer.status = "confirmed" if agreed else "disagreed"
        s.add(signer)
        add_event(s, case.id, f"confirm-{signer.id}", today,
                  f"外督员 {sup.name} {'确认记录表' if agreed else '对记录表提出不同意见'}")
        s.flush()
        if not _missing(s, case):
            record_counts(s, case, record, today)
        return True

    return answer_once(case_id, pause_key, "记录表确认", judge)


def _missing(s: Session, case: InspectionCase) -> list[Dispatch]:
    return list(s.exec(select(Dispatch).where(Dispatch.case_id == case.id, Dispatch.status == "dispatched")))


def close_overdue(case_id: int, pause_key: str, staff_code: str) -> Outcome:
    """委派机构：按逾期未确认处理 (第十七条, 第二十六条(二) candidates) — an agency decision, signed
    with the deciding person's staff code, checked against the case's agency; the case stores who."""
    def judge(s: Session, case: InspectionCase, today: date, errors: Refusal) -> bool:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
        decider = staff.verify(s, case.agency_id, staff_code)
        if isinstance(decider, str):
            errors.add(staff.CODE_FIELD, decider)
        if record.due_on is None or today <= record.due_on:
            errors.add(staff.CODE_FIELD, f"按逾期未确认处理：记录表提交期限（{record.due_on or '暂无法计算'}）届满后，"
                                         "委派机构方可按逾期未确认处理")
        if errors:
            return True
        missing = _missing(s, case)
        for d in missing:
            s.add(RecordConfirmation(case_id=case.id, dispatch_id=d.id, position="overdue",
                                     text=f"{decider.label} 按逾期未确认处理", on=today))
            d.status, d.overdue_on = "overdue", d.overdue_on or today  # 第二十六条(二) candidate
            s.add(d)
        case.proposal = dict(case.proposal) | {"overdue_closed_by": decider.label,
                                               "overdue_closed_by_staff_id": decider.staff_id}
        s.add(case)
        add_event(s, case.id, "confirm-overdue", today,
                  f"{decider.label} 将 {len(missing)} 名督导员按逾期未确认处理（第二十六条（二）待核查）")
        s.flush()
        record_counts(s, case, record, today)
        return True

    return answer_once(case_id, pause_key, "按逾期未确认处理", judge)


def check_portal_confirmation(link: PortalLink, answers: dict) -> tuple[Refusal, dict]:
    errors = Refusal()
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        signer = _check_confirmation(s, case, answers, errors)
        if signer is not None:
            sup = s.get(Supervisor, signer.supervisor_id)
            if sup.email.lower() != link.recipient_email.lower():
                errors.add("assignment_code", "任务编码：这不是你本人的任务编码，请填写发给你本人的派遣通知中的编码")
        signer_id = signer.id if signer else None
        s.rollback()  # a check writes nothing
    return errors, {"answers": {"position": answers.get("position"), "text": str(answers.get("text", "")).strip()},
                    "dispatch_id": signer_id}


def take_confirmation(case_id: int, flow_run_id: str, submission_id: int) -> Outcome:
    link, payload = stored(submission_id, flow_run_id)
    outcome = confirm_record(case_id, f"portal-{submission_id}", payload.get("answers", {}),
                             payload.get("dispatch_id"))
    if not outcome.accepted and view(case_id).status == "awaiting_confirmation":
        reissue(case_id, link, submission_id, outcome)
    return outcome


def invite_confirmations(case_id: int) -> None:
    with session_scope() as s:
        case = s.get(InspectionCase, case_id)
        if case.status != "awaiting_confirmation":
            return
        agency = s.get(Agency, case.agency_id)
        rows = list(s.exec(select(Dispatch, Supervisor).join(Supervisor, Supervisor.id == Dispatch.supervisor_id)
                           .where(Dispatch.case_id == case_id, Dispatch.status == "dispatched")))
    for d, sup in rows:
        invite(case, agency, "confirm", portal_links.Recipient("supervisor", sup.name, sup.email), CONFIRM_TITLE,
                "记录表已由一名督导员提交。请用本人任务编码确认，或写明不同意见（第十七条）。",
                "record_confirmation", f"{CASE_KIND}:{case_id}:confirm:{d.id}:0")
