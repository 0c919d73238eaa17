"""Step 6 of the special inspection: the rectification report (第十五条（二）4 提交整改工作报告).

The institution uploads it through the portal by the opinion letter's deadline; staff review it
with their staff code: accepted → the case closes and the institution is told; incomplete →
asked again, with a new working-day window; refused to rectify → a sanction case is opened
(第二十七条（三）). Nothing by the deadline: the sweep has opened 第二十二条（六）, and the run
closes the case (`record_report` → "overdue").
"""

from datetime import date

from sqlmodel import Session, select

from adapters.db import session_scope
from adapters.settings import get_settings
from models import Agency, InspectionCase, Institution, SpecialInspection, SpecialInspectionDeadline
from procedures.casework import unknown_dues
from procedures.casework.cases import Refusal, add_event, answer_once, case_today
from procedures.casework.letters import chinese_date
from procedures.casework.pending import open_pending
from procedures.casework.views import Outcome
from procedures.special.casefile import load, note_decider
from procedures.special.decisions import report_invitation, staff_label
from procedures.special.notices import invite
from procedures.special.windows import open_window, take_window
from regulation import special_inspection as rules
from regulation.reasons import RuleViolation

ACCEPT, INCOMPLETE, REFUSED = "通过，结案", "需补充，退回重新提交", "拒不整改（第二十七条（三））"
REVIEW_OUTCOMES = {ACCEPT: "accepted", INCOMPLETE: "incomplete", REFUSED: "refused"}


def record_report(case_id: int, round_no: int, submission_id: int | None) -> str:
    with session_scope() as s:
        case, si, _, _ = load(s, case_id)
        today = case_today(case)
        if take_window(s, si, f"report-{round_no}", submission_id, today):
            si.stage = "review"
            s.add(si)
            add_event(s, case.id, f"report-{round_no}", today, f"收到整改工作报告（第{round_no}次提交），待审核")
            return "received"
        # the sweep closed the window and opened the sanction case (第二十二条(六))
        case.status, si.stage = "closed", "referred"
        si.outcome = rules.report_outcome("overdue")[0]
        s.add(case)
        s.add(si)
        add_event(s, case.id, "closed", today, "整改工作报告逾期未交，已转处理程序（第二十二条（六）），本案结案")
        return "overdue"


def report_summary(case_id: int, round_no: int, submission_id: int) -> str:
    """What staff review: the rectification report as submitted (statement, file names, receipt),
    as Markdown for the review form (the files themselves stay in var/uploads, 第八条)."""
    from procedures.portal.submissions import summary_markdown

    with session_scope() as s:
        flow_run_id = s.get(InspectionCase, case_id).flow_run_id
    return summary_markdown(submission_id, flow_run_id, f"report-{round_no}")


def review_context(case_id: int) -> dict:
    with session_scope() as s:
        case, si, inst, _ = load(s, case_id)
        return {"institution": inst.name, "report_days": get_settings().special_report_working_days}


def review_report(case_id: int, pause_key: str, answers: dict, round_no: int) -> Outcome:
    def judge(s: Session, case: InspectionCase, today: date, refusal: Refusal) -> bool:
        si = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()
        inst = s.get(Institution, case.institution_id)
        label = staff_label(s, case, answers, refusal)
        outcome = REVIEW_OUTCOMES.get(answers.get("outcome"))
        reasons = str(answers.get("reasons", "")).strip()
        try:
            next_step, article = rules.report_outcome(outcome or "", reasons)
        except RuleViolation as exc:
            refusal.add("reasons" if outcome else "outcome", f"「审核意见」：{exc.reason}（{exc.article}）")
        if refusal:
            return True
        note_decider(si, pause_key, label)
        if outcome == "accepted":
            case.status, si.stage, si.outcome = "closed", "closed", next_step
            add_event(s, case.id, pause_key, today, f"整改工作报告审核通过（{label}），结案")
            _tell_closed(s, case, inst, today)
        elif outcome == "refused":
            case.status, si.stage, si.outcome = "closed", "referred", next_step
            open_pending(s, "sanction", inst.id, case.id, article,
                         f"专项督导 {case.batch_number}：评价机构对督导意见拒不采取整改措施。{reasons}", today)
            add_event(s, case.id, pause_key, today,
                      f"认定拒不整改（{label}）：{reasons}；已登记待处理案件（{article}），本案结案")
        else:
            days = int(answers.get("report_days") or get_settings().special_report_working_days)
            due = open_window(s, si, "report", f"report-{round_no + 1}", today, days)
            si.stage = "report"
            add_event(s, case.id, pause_key, today,
                      f"整改工作报告需补充（{label}）：{reasons}；应于 {due or unknown_dues.PENDING} 前重新提交")
        s.add(case)
        s.add(si)
        return True

    outcome = answer_once(case_id, pause_key, "整改工作报告审核", judge)
    if outcome.accepted and answers.get("outcome") == INCOMPLETE:
        with session_scope() as s:
            case, si, inst, agency = load(s, case_id)
            row = s.exec(select(SpecialInspectionDeadline).where(
                SpecialInspectionDeadline.special_id == si.id,
                SpecialInspectionDeadline.step_key == f"report-{round_no + 1}")).one()
            number = _opinion_number(s, case.id)
            inv = report_invitation(inst, row.due, number, str(answers.get("reasons", "")).strip(), round_no + 1,
                                     unknown_dues.words(row.due, row.due_reason),
                                     unknown_dues.provisional_end(row.opened_on, row.working_days))
        invite(case, agency, inv)
    return outcome


def _tell_closed(s: Session, case: InspectionCase, inst: Institution, today: date) -> None:
    """The institution hears that its report was accepted and the inspection is closed (once), so
    its last upload is not the end of the story."""
    from adapters.mailer import enqueue
    from adapters.templates import render_email
    from models import Document

    agency = s.get(Agency, case.agency_id)
    opinion = s.exec(select(Document).where(Document.idempotency_key == f"case-{case.id}-special_opinion")).first()
    subject, text, html = render_email(
        "supervisor_notice", subject_text=f"【专项督导结案】{inst.name}", greeting=inst.name,
        paragraphs=[f"你单位按照《质量督导意见书》{f'（{opinion.number}）' if opinion else ''}报送的整改工作报告，"
                    "经我单位审核已通过。"
                    f"本次专项督导于{chinese_date(today)}结案。",
                    "请你单位持续按照备案范围和有关规定规范开展评价活动。"], sender=agency.letterhead_name)
    enqueue(s, f"special-closed:{case.id}", inst.contact_email, "institution", subject, text, html, case.id)


def _opinion_number(s: Session, case_id: int) -> str:
    from models import Document

    doc = s.exec(select(Document).where(Document.idempotency_key == f"case-{case_id}-special_opinion")).one()
    return doc.number
