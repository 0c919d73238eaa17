"""Tasks of the daily-inspection procedure and the deadline sweep.

Each task writes one Chinese log line per business step (who was dispatched, until when the
record is awaited, the verdict, the decision, the letter number). Logs never carry record
content (第八条). A persisted task is a cache hit on replay, so each line is written once.
"""

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters.markdown_text import log_text
from procedures.casework import case_reads
from procedures.casework.views import CaseView, Outcome
from tasks import ANSWER_KEYED

# The procedures are imported inside each task: a leg that replays cached tasks never runs
# them, and need not pay for importing the rules, the calendar, templates and mail.

# Side effects: persisted, so a flow replayed from the top gets the first leg's answer.
PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)


def _log(text: str) -> None:
    get_run_logger().info(log_text(text))  # names, reasons: outside text, one line


def _deliver(case_id: int) -> None:
    """Send what the step queued, inside the step's own task (one task run less per step and
    per replayed leg); an SMTP outage leaves it pending for the sweep, never fails the step."""
    from adapters import mailer

    mailer.deliver_pending(case_id=case_id)


@task(name="open-case", **PERSISTED)
def open_case(flow_run_id: str, batch_number: str, as_of: str | None, agency_id: str | None) -> CaseView:
    from procedures.daily import opening

    case = opening.open_case(flow_run_id, batch_number, as_of, agency_id)
    _deliver(case.case_id)
    if case.status == "refused":
        _log(f"已拒绝：{case.refusal_reason}")
    elif case.status == "awaiting_go_ahead":
        _log(f"发现违规线索：{case.finding}；已登记待处理并报告委派机构，等待决定是否仍委派督导员")
    else:
        _log(f"发起日常督导：批次 {case.batch_number}（{case.institution}），记录表期限 {case.due_text}")
    return case


@task(name="decide-go-ahead", cache_policy=ANSWER_KEYED, **PERSISTED)
def decide_go_ahead(case_id: int, pause_key: str, answers: dict) -> Outcome:
    from procedures.daily import opening, views

    outcome = opening.go_ahead(case_id, pause_key, answers)
    _log(f"是否委派的决定已记录（决定人 {views.last_decider(case_id)}）" if outcome.accepted
         else f"是否委派的决定被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="dispatch-supervisors", **PERSISTED)
def dispatch_supervisors(case_id: int, cards: list[str] | None, k: int) -> CaseView:
    from procedures.daily import dispatch

    case = dispatch.dispatch(case_id, cards, k)
    _deliver(case_id)
    if case.status == "awaiting_record":
        _log(f"已委派外督员：{'、'.join(case.supervisors)}；等待记录表，应于 {case.due_text} 前提交（第十七条）")
    elif case.status == "refused":
        _log(f"已拒绝：{case.refusal_reason}")
    else:
        from procedures.casework.cases import STATUS_NAMES

        _log(f"未委派督导员：{STATUS_NAMES[case.status]}")
    return case


@task(name="take-record", **PERSISTED)
def take_record(case_id: int, flow_run_id: str, submission_id: int) -> Outcome:
    """The record the portal stored (by reference): judged again, once per submission."""
    from procedures.daily import record

    outcome = record.take_record(case_id, flow_run_id, submission_id)
    _deliver(case_id)
    _log("记录表已接收" if outcome.accepted else
         f"门户提交的记录表未被采用（{len(outcome.errors)} 处问题），已向提交人发出新链接")
    return outcome


@task(name="take-confirmation", **PERSISTED)
def take_confirmation(case_id: int, flow_run_id: str, submission_id: int) -> Outcome:
    from procedures.daily import confirmation

    outcome = confirmation.take_confirmation(case_id, flow_run_id, submission_id)
    _deliver(case_id)
    _log("已收到一名督导员的确认" if outcome.accepted else f"记录表确认未被采用（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="close-overdue-confirmations", cache_policy=ANSWER_KEYED, **PERSISTED)
def close_overdue(case_id: int, pause_key: str, staff_code: str) -> Outcome:
    from procedures.daily import confirmation

    outcome = confirmation.close_overdue(case_id, pause_key, staff_code)
    _deliver(case_id)
    _log("委派机构已按逾期未确认处理，记录表生效" if outcome.accepted else
         f"按逾期未确认处理被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="record-agency-decision", cache_policy=ANSWER_KEYED, **PERSISTED)
def record_decision(case_id: int, pause_key: str, answers: dict) -> Outcome:
    from procedures.daily import decision, views

    outcome = decision.decide(case_id, pause_key, answers)
    if not outcome.accepted:
        _log(f"处理决定被退回（{len(outcome.errors)} 处问题），等待重新提交")
    else:
        _log(f"处理决定：{answers.get('decision')}（决定人 {views.last_decider(case_id)}）"
             + ("；核实情况已记录，等待最终处理决定" if not outcome.final else ""))
    return outcome


@task(name="carry-out-decision", **PERSISTED)
def carry_out(case_id: int) -> str:
    from procedures.casework.cases import timeline_markdown
    from procedures.daily import decision

    summary = decision.carry_out(case_id)
    _deliver(case_id)
    _log(summary)
    create_markdown_artifact(timeline_markdown(case_id), key=f"inspection-{case_id}-timeline",
                             description="日常督导案卷时间线")
    return summary


@task(name="publish-record-summary", persist_result=True)
def publish_record_summary(case_id: int) -> None:
    from procedures.daily import views

    ctx = case_reads.decision_context(case_id)
    _log(f"评定结果：{ctx['verdict']}（否定项 {ctx['negative_count']}/{ctx['item_count']}）；"
         f"系统建议：{ctx['proposal']['option']}（{ctx['proposal']['article']}）")
    create_markdown_artifact(views.record_markdown(case_id), key=f"inspection-{case_id}-record",
                             description="督导记录评定（仅限委派机构内部，第八条）")


@task(name="publish-timeline", persist_result=True)
def publish_timeline(case_id: int) -> None:
    from procedures.casework.cases import timeline_markdown

    create_markdown_artifact(timeline_markdown(case_id), key=f"inspection-{case_id}-timeline",
                             description="日常督导案卷时间线")


@task(name="deliver-mail", cache_policy=NO_CACHE)
def deliver_mail(case_id: int | None = None) -> dict:
    """Send what is pending; an SMTP outage leaves it pending for the sweep, never fails the run."""
    from adapters import mailer

    report = mailer.deliver_pending(case_id=case_id)
    return {"sent": len(report.sent), "pending": len(report.pending)}


@task(name="sweep-deadlines", cache_policy=NO_CACHE)
def sweep_deadlines(as_of) -> str:
    from procedures.daily import sweep

    return sweep.sweep_deadlines(as_of).markdown()


def decision_context(case_id: int) -> dict:
    """A read, not a side effect: what the agency's decision form shows."""
    return case_reads.decision_context(case_id)


def case_view(case_id: int) -> CaseView:
    """A read, not a side effect: where the case stands now."""
    return case_reads.view(case_id)
