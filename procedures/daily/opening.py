"""Step 1 of the daily inspection — opening the case (第十五条(一)1, 第十七条, 第二十三条(十)):
check the session, find the dispatching agency (第十一条), store the record's due date (2
working days after the scheduled end, 第十七条), and, for a session that should not take
place (第二十二条, 第二十三条, filing scope), register the finding and let staff decide whether
supervisors still go (the go-ahead).

Each operation is one transaction and idempotent by a database key (the flow run id, a
pause key, a document or message key), so a replayed flow run changes nothing twice.
Rules come from regulation/; the steps only read, decide through them, and write.

Case statuses (InspectionCase.status): open → dispatching | awaiting_go_ahead (a finding:
the session should not take place; staff decide whether to dispatch anyway) → awaiting_record
→ awaiting_confirmation (several supervisors: the others confirm) → awaiting_decision →
closed; refused (no such batch, no agency, batch already inspected, bad parameter). Terminal:
refused, closed.

Interpretation (README "Interpretations added here"): one daily inspection per session: a
second run for a batch whose case is not refused is refused with the first run's link
(第二十三条(十) counts sessions).
"""

from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from adapters import clock
from adapters.db import session_scope
from adapters.mailer import enqueue
from adapters.templates import render_email
from models import Agency, EvaluationSession, InspectionCase, Institution
from procedures.casework import dispatching, staff
from procedures.casework.case_reads import _view
from procedures.casework.cases import (
    STATUS_NAMES,
    Refusal,
    add_event,
    answer_once,
    local_date,
    parse_day,
    run_url,
)
from procedures.casework.pending import open_pending
from procedures.casework.views import CaseView, Outcome
from procedures.casework.work_calendar import current_calendar
from regulation.calendar import CalendarDataMissing
from regulation.deadlines import record_due
from regulation.filing import scope_findings, status_finding

GO_ON, STOP = "继续委派督导", "不委派，结案"


def refuse(s: Session, case: InspectionCase, reason: str) -> None:
    case.status, case.refusal_reason, case.active_session_id = "refused", reason, None
    s.add(case)
    add_event(s, case.id, "refused", case.opened_on, f"已拒绝：{reason}")


def open_case(flow_run_id: str, batch_number: str, as_of: str | None, agency_id: str | None) -> CaseView:
    """Open (once per flow run) and check the session; a session that should not take place is
    a finding (pending case + agency mail), not a refusal. One daily inspection per session."""
    try:
        return _open_case(flow_run_id, batch_number, as_of, agency_id)
    except IntegrityError:  # another run took this session at the same moment: refused below
        return _open_case(flow_run_id, batch_number, as_of, agency_id)


def _open_case(flow_run_id, batch_number, as_of, agency_id) -> CaseView:
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == flow_run_id)).first()
        if case:
            return _view(s, case)
        real_today = clock.today()
        opened = parse_day(as_of) if as_of else real_today
        case = InspectionCase(flow_run_id=flow_run_id, batch_number=batch_number.strip(),
                              opened_on=opened or real_today, clock_offset_days=((opened or real_today) - real_today).days)
        s.add(case)
        s.flush()
        if opened is None:
            refuse(s, case, f"业务日期：应为有效日期（YYYY-MM-DD），实际为“{as_of}”；留空即为今天")
            return _view(s, case)
        sess = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == case.batch_number)).first()
        if sess is None:
            refuse(s, case, f"批次编号“{batch_number}”不存在，请核对后重新发起")
            return _view(s, case)
        inst = s.get(Institution, sess.institution_id)
        case.session_id, case.institution_id = sess.id, inst.id
        first = s.exec(select(InspectionCase).where(InspectionCase.active_session_id == sess.id)).first()
        if first is not None:
            refuse(s, case, f"该批次已有日常督导（{STATUS_NAMES[first.status]}，{first.opened_on} 发起），"
                             f"同一批次只督导一次（第二十三条（十）按批次计）：{run_url(first.flow_run_id)}")
            return _view(s, case)
        add_event(s, case.id, "opened", opened, f"发起日常督导：{inst.name}，批次 {case.batch_number}")
        agency = dispatching.responsible_agency(s, inst, agency_id)
        if agency is None:
            refuse(s, case, f"未找到对该机构有委派管辖权的委派机构{f'“{agency_id}”' if agency_id else ''}（第十一条）")
            return _view(s, case)
        case.agency_id, case.active_session_id = agency.id, sess.id
        s.add(case)
        s.flush()  # the unique index: a second case for this session fails here
        _set_record_due(s, case, agency, local_date(sess.ends_at), opened)
        _record_findings(s, case, sess, inst, agency, opened)
        return _view(s, case)


def _set_record_due(s: Session, case: InspectionCase, agency: Agency, scheduled_end: date, today: date) -> None:
    """第十七条 from the scheduled end; a year with no official calendar leaves it unknown (with
    the reason), tells the agency's administrator once per year, and never blocks the dispatch."""
    try:
        case.record_due, case.record_due_reason = record_due(scheduled_end, current_calendar(s)).due, ""
    except CalendarDataMissing as exc:
        case.record_due, case.record_due_reason = None, str(exc)
        subject, text, html = render_email("calendar_missing", agency_name=agency.name, year=exc.year,
                                           reason=str(exc), batch_number=case.batch_number)
        enqueue(s, f"calendar-missing:{agency.id}:{exc.year}", agency.email, "agency", subject, text, html, case.id)
        add_event(s, case.id, "due-unknown", today, f"记录表提交期限暂无法计算：{exc}；已通知委派机构管理员")
    s.add(case)


def _record_findings(s, case, sess, inst, agency, today) -> None:
    findings = [f for f in [status_finding(inst.status)] if f]
    findings += scope_findings(inst.scope_occupations, inst.scope_levels, inst.scope_regions, inst.exam_sites,
                               sess.occupation, sess.level, sess.region, sess.site)
    if not findings:
        case.status = "dispatching"
        s.add(case)
        return
    reasons = "；".join(str(f.reason) for f in findings)
    article = "、".join(dict.fromkeys(f.reason.article for f in findings))
    open_pending(s, "sanction", inst.id, case.id, article,
                 f"批次 {sess.batch_number}（{sess.starts_at.astimezone(clock.tz()):%Y-%m-%d}，{sess.site}）不应开展：{reasons}",
                 today)
    case.status = "awaiting_go_ahead"
    case.proposal = {"finding": reasons, "finding_article": article}
    s.add(case)
    subject, text, html = render_email("session_finding", agency_name=agency.name, batch_number=sess.batch_number,
                                       institution=inst.name, reasons=[str(f.reason) for f in findings],
                                       decision_url=run_url(case.flow_run_id))
    enqueue(s, f"finding:{case.id}", agency.email, "agency", subject, text, html, case.id)
    add_event(s, case.id, "finding", today, f"发现违规线索，已登记待处理（{article}）并报告委派机构：{reasons}")


def decider_of(s: Session, case: InspectionCase, answers: dict, errors: Refusal) -> staff.Decider | None:
    """Who decides, from the staff code on the form: a member of the agency that owns the case
    (the dispatching agency, or a third party's commissioning agency); else a refusal on the
    code's field. The code itself is never stored, logged or shown back."""
    found = staff.verify(s, case.agency_id or "", str(answers.get(staff.CODE_FIELD, "")))
    if isinstance(found, str):
        errors.add(staff.CODE_FIELD, found)
        return None
    return found


def go_ahead(case_id: int, pause_key: str, answers: dict) -> Outcome:
    """Staff decide whether supervisors still go and see a session that should not take place."""
    def judge(s: Session, case: InspectionCase, today: date, errors: Refusal) -> bool:
        choice = answers.get("go_on")
        if choice not in (GO_ON, STOP):
            errors.add("go_on", f"是否委派：应为“{GO_ON}”或“{STOP}”")
        decider = decider_of(s, case, answers, errors)
        if errors:
            return True
        case.go_ahead_by, case.go_ahead_by_staff_id = decider.name, decider.staff_id
        if choice == GO_ON:
            case.status = "dispatching"
            add_event(s, case.id, "go-ahead", today, f"{decider.label} 决定：仍委派督导员到场督导")
        else:
            case.status = "closed"
            add_event(s, case.id, "go-ahead", today, f"{decider.label} 决定：不委派督导员；违规线索另案处理")
            add_event(s, case.id, "closed", today, "结案")
        s.add(case)
        return True

    return answer_once(case_id, pause_key, "是否委派的决定", judge)
