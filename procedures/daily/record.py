"""Step 3 of the daily inspection — the supervisor's record (附件3, 第十七条): checked and stored
once, whether it comes through the portal (checked before the portal stores it, judged again by
the run from what was stored), the Prefect form, or staff entering a paper record (代录, with
their staff code). One check for all: the assignment code or the proven dispatch, the end date
and a later end's reason (the 2 working days count from it), the methods (第十五条(一)2), every
item answered, and the supervisor's 评定 against the 20% rule and the veto items (附件3 填写说明).
The record's due date and whether it is late are stored with it. With one supervisor the
record counts at once (procedures.daily.decision.record_counts); with several, the others
confirm it first (procedures.daily.confirmation).
"""

from datetime import date

from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from models import (
    Dispatch,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    PortalLink,
    Supervisor,
)
from procedures.casework import staff
from procedures.casework.cases import Refusal, add_event, answer_once, case_today
from procedures.casework.record_answers import RecordAnswers, check_record_answers, record_due_from
from procedures.casework.views import Outcome
from procedures.daily.confirmation import invite_confirmations
from procedures.daily.decision import record_counts
from procedures.daily.dispatch import dispatch_by_code
from procedures.daily.links import reissue, stored


def submit_record(case_id: int, pause_key: str, answers: dict, dispatch_id: int | None = None,
                  entered_by: str = "") -> Outcome:
    """Check and store the 附件3 record once; a refused answer stores only its refusal.
    `dispatch_id`: the signer the portal proved; `entered_by`: staff who entered it (代录)."""
    def judge(s: Session, case: InspectionCase, today: date, errors: Refusal) -> bool:
        signer = s.get(Dispatch, dispatch_id) if dispatch_id else None
        if dispatch_id and (signer is None or signer.case_id != case.id):
            errors.add(None, "记录表：提交人不是本次委派的督导员")
            return True
        checked, signer = _check_record(s, case, answers, today, errors, signer)
        if not errors:
            _store_record(s, case, checked, signer, answers, today=today, entered_by=entered_by)
        return True

    return answer_once(case_id, pause_key, "记录表", judge)


def _check_record(s: Session, case: InspectionCase, answers: dict, today: date, errors: Refusal,
                  signer: Dispatch | None = None) -> tuple[RecordAnswers, Dispatch | None]:
    """附件3 and 第十七条, one implementation: the Prefect form, the portal's check before it stores,
    and the run's judgement of what the portal stored all come here. `signer`: the dispatch
    already proven (by the portal, or a staff code for 代录); otherwise the assignment code.
    The answers themselves are checked as every record's are (casework.record_answers)."""
    sess = s.get(EvaluationSession, case.session_id)
    if case.status != "awaiting_record":
        errors.add(None, "记录表已经提交，不能再次提交（第十七条：每次评价活动一份记录表）")
    if signer is None:
        signer = dispatch_by_code(s, case, str(answers.get("assignment_code", "")))
        if signer is None:
            errors.add("assignment_code", "任务编码不正确：请填写派遣通知邮件中的一次性任务编码（如 ABCD-EFGH）")
    return check_record_answers(sess, answers, today, errors), signer


def _store_record(s: Session, case: InspectionCase, checked: RecordAnswers, signer: Dispatch, answers: dict,
                  today: date, entered_by: str = "") -> None:
    supervisor = s.get(Supervisor, signer.supervisor_id)
    due = record_due_from(s, checked.counted_from, checked.scheduled_end, case.record_due)
    # Late from the same end as the sweep; a stated later end never undoes an overdue report.
    late = (due is not None and today > due) or case.overdue_reported_on is not None
    record = InspectionRecord(
        case_id=case.id, submitted_by=supervisor.id, submitted_on=today, received_on=clock.today(),
        due_on=due, late=late, entered_by=entered_by, **checked.columns(answers))
    result = checked.result
    s.add(record)
    signer.status = "recorded"
    s.add(signer)
    late_text = f"，逾期（应于 {due} 前提交）" if late else ""
    by_staff = f"（代录：{entered_by}）" if entered_by else ""
    add_event(s, case.id, "record", today,
              f"外督员 {supervisor.name} 提交记录表{by_staff}：评定{result.verdict}（否定项 {result.negative_count}/"
              f"{result.item_count}）{late_text}")
    others = list(s.exec(select(Dispatch).where(Dispatch.case_id == case.id, Dispatch.id != signer.id)))
    if others:
        case.status = "awaiting_confirmation"
        s.add(case)
        add_event(s, case.id, "awaiting-confirmation", today, f"待其他 {len(others)} 名督导员确认记录表（第十七条）")
    else:
        record_counts(s, case, record, today)


def check_portal_record(link: PortalLink, answers: dict, staff_code: str | None) -> tuple[Refusal, dict]:
    """Before the portal stores a record: the same checks as the run (`_check_record`), in a
    transaction that writes nothing. Returns the refusal and, when none, the payload to store
    (the proven dispatch instead of the assignment code; who entered it, for 代录)."""
    errors = Refusal()
    with session_scope() as s:
        case = s.get(InspectionCase, link.case_id)
        signer, entered_by = None, ""
        if link.recipient_kind == "staff":
            decider = staff.verify(s, case.agency_id, staff_code or "")
            if isinstance(decider, str):
                errors.add(staff.CODE_FIELD, decider)
            else:
                entered_by = decider.label
            try:
                signer = s.get(Dispatch, int(answers.get("dispatch_id") or 0))
            except ValueError:
                signer = None
            if signer is None or signer.case_id != case.id:
                errors.add("dispatch_id", "督导员：请选择提交这份纸质记录表的督导员")
                signer = None
            if signer is None:  # checked above; the rest of the form is still checked
                signer = next(iter(s.exec(select(Dispatch).where(Dispatch.case_id == case.id))), None)
        else:
            signer = dispatch_by_code(s, case, str(answers.get("assignment_code", "")))
            if signer is None:
                errors.add("assignment_code", "任务编码不正确：请填写派遣通知邮件中的一次性任务编码（如 ABCD-EFGH）")
            else:
                sup = s.get(Supervisor, signer.supervisor_id)
                if sup.email.lower() != link.recipient_email.lower():
                    errors.add("assignment_code", "任务编码：这不是你本人的任务编码，请填写发给你本人的派遣通知中的编码")
        _check_record(s, case, answers, case_today(case), errors, signer or Dispatch(id=-1))
        signer_id = signer.id if signer else None
        s.rollback()  # a check writes nothing
    kept = {k: v for k, v in answers.items() if k not in ("assignment_code", "dispatch_id")}
    return errors, {"answers": kept, "dispatch_id": signer_id, "entered_by": entered_by}


def take_record(case_id: int, flow_run_id: str, submission_id: int) -> Outcome:
    """The run judges the record the portal stored (same checks, keyed by the submission, so a
    replay or a second resume judges nothing twice). Refused now (data moved since the portal
    checked it): a new link goes to the same person. Accepted with several supervisors: the
    others get their confirmation links."""
    link, payload = stored(submission_id, flow_run_id)
    outcome = submit_record(case_id, f"portal-{submission_id}", payload.get("answers", {}),
                            payload.get("dispatch_id"), payload.get("entered_by", ""))
    if not outcome.accepted:
        reissue(case_id, link, submission_id, outcome)
    else:
        invite_confirmations(case_id)
    return outcome
