"""Tasks of the special-inspection procedure (第十五条(二)): persisted, so a replay from the top
repeats nothing; one Chinese log line per business step, never the content of a finding, a
complaint or a rebuttal (第八条)."""

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters.markdown_text import log_text
from procedures.casework.views import Outcome
from procedures.special.views import SpecialView
from tasks import ANSWER_KEYED

PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)


def _log(text: str) -> None:
    get_run_logger().info(log_text(text))  # names, reasons: outside text, one line


def _deliver() -> None:
    """Send what the step queued (portal invitations carry no case id); an SMTP outage leaves it
    pending for the sweep."""
    from adapters import mailer

    mailer.deliver_pending()


@task(name="open-special-inspection", **PERSISTED)
def open_special(flow_run_id: str, opening: dict) -> SpecialView:
    from procedures.special import opening as step  # `opening` names the task's parameter
    from procedures.special import timeline

    view = step.open_special(flow_run_id, step.Opening(**opening))
    if view.status == "refused":
        _log(f"已拒绝：{view.refusal_reason}")
    else:
        from adapters.orchestrator import rename_run

        rename_run(flow_run_id, timeline.run_name(view.number, view.institution))  # the Prefect UI names the case
        _log(f"发起专项督导 {view.number}（{view.institution}）；督导小组："
             + "、".join(f"{m.name}（{m.card_code}）{'·组长' if m.is_lead else ''}" for m in view.members))
    return view


# The log names each step as staff do (the calls keep the task's English name: task sources, and so
# the cache keys of runs in flight, do not change).
STEP_NAMES = {
    "send-notices": "发出专项督导通知", "record-self-report": "自评（自查）报告", "record-findings": "督导小组成员的督导情况",
    "invite-lead": "请组长汇总", "record-consolidation": "组长汇总的初步督导意见", "approve-draft": "审核初步督导意见",
    "send-draft-opinion": "送达初步督导意见", "record-rebuttal": "评价机构的申辩意见", "weigh-rebuttal": "审议申辩意见",
    "issue-opinion-letter": "质量督导意见书", "record-rectification-report": "整改工作报告",
    "review-rectification-report": "审核整改工作报告",
}


def _done(name: str, result):
    _deliver()
    name = STEP_NAMES.get(name, name)
    if isinstance(result, Outcome):
        _log(f"{name}：" + ("已接收" if result.accepted else f"被退回（{len(result.errors)} 处问题），已请重新提交"))
    elif isinstance(result, str) and result:
        _log(result)
    return result


# One task per step (each its own source, so no two steps share a cache key).
@task(name="send-notices", **PERSISTED)
def send_notices(case_id: int):
    from procedures.special import notices

    return _done("send-notices", notices.send_notices(case_id))


@task(name="record-self-report", **PERSISTED)
def record_self_report(case_id: int, submission_id: int | None):
    from procedures.special import findings

    return _done("record-self-report", findings.record_self_report(case_id, submission_id))


@task(name="record-findings", **PERSISTED)
def record_findings(case_id: int, member_id: int, round_no: int, submission_id: int):
    from procedures.special import findings

    return _done("record-findings", findings.record_findings(case_id, member_id, round_no, submission_id))


@task(name="invite-lead", **PERSISTED)
def invite_lead(case_id: int, round_no: int, returned: str = ""):
    from procedures.special import consolidation

    return _done("invite-lead", consolidation.invite_lead(case_id, round_no, returned))


@task(name="record-consolidation", **PERSISTED)
def record_consolidation(case_id: int, round_no: int, submission_id: int):
    from procedures.special import consolidation

    return _done("record-consolidation", consolidation.record_consolidation(case_id, round_no, submission_id))


@task(name="approve-draft", cache_policy=ANSWER_KEYED, **PERSISTED)
def approve_draft(case_id: int, pause_key: str, answers: dict):
    from procedures.special import decisions

    return _done("approve-draft", decisions.approve_draft(case_id, pause_key, answers))


@task(name="send-draft-opinion", **PERSISTED)
def send_draft(case_id: int):
    from procedures.special import decisions

    return _done("send-draft-opinion", decisions.send_draft(case_id))


@task(name="record-rebuttal", **PERSISTED)
def record_rebuttal(case_id: int, submission_id: int | None):
    from procedures.special import decisions

    return _done("record-rebuttal", decisions.record_rebuttal(case_id, submission_id))


@task(name="weigh-rebuttal", cache_policy=ANSWER_KEYED, **PERSISTED)
def weigh_rebuttal(case_id: int, pause_key: str, answers: dict):
    from procedures.special import decisions

    return _done("weigh-rebuttal", decisions.weigh_rebuttal(case_id, pause_key, answers))


@task(name="issue-opinion-letter", **PERSISTED)
def issue_opinion(case_id: int):
    from procedures.special import decisions

    return _done("issue-opinion-letter", decisions.issue_opinion(case_id))


@task(name="record-rectification-report", **PERSISTED)
def record_report(case_id: int, round_no: int, submission_id: int | None):
    from procedures.special import report

    return _done("record-rectification-report", report.record_report(case_id, round_no, submission_id))


@task(name="rectification-report-summary", **PERSISTED)
def report_summary(case_id: int, round_no: int, submission_id: int) -> str:
    from procedures.special import report

    return report.report_summary(case_id, round_no, submission_id)


@task(name="review-rectification-report", cache_policy=ANSWER_KEYED, **PERSISTED)
def review_report(case_id: int, pause_key: str, answers: dict, round_no: int):
    from procedures.special import report

    return _done("review-rectification-report", report.review_report(case_id, pause_key, answers, round_no))


@task(name="publish-special-timeline", persist_result=True)
def publish_timeline(case_id: int) -> None:
    from procedures.special import timeline

    create_markdown_artifact(timeline.timeline_markdown(case_id), key=f"special-inspection-{case_id}-timeline",
                             description="专项督导案卷时间线（仅限委派机构内部，第八条）")


def stage(case_id: int) -> str:
    """A read, not a side effect: where the case stands now."""
    from procedures.special import timeline

    return timeline.stage(case_id)


def next_member(case_id: int) -> int | None:
    """A read: the member whose findings the run waits for next (the team as it is now)."""
    from procedures.special import team

    return team.next_member(case_id)


def is_withdrawn(member_id: int) -> bool:
    from procedures.special import team

    return team.is_withdrawn(member_id)


def closed_without_rectification(case_id: int) -> bool:
    """A read that replays the same: the weighed opinion rated every matter 符合 (so the letter
    closed the case and no rectification report is asked for)."""
    from procedures.special import decisions

    return not decisions.needs_rectification(case_id)


def context(kind: str, case_id: int) -> dict:
    """A read: what a staff form shows (approval, weighing, review)."""
    from procedures.special import decisions, report

    return {"approval": decisions.approval_context, "weighing": decisions.weighing_context,
            "review": report.review_context}[kind](case_id)


@task(name="sweep-special-inspections", cache_policy=NO_CACHE)
def sweep_special_inspections(as_of) -> str:
    """Close the windows that passed with nothing submitted; resume their runs, once."""
    from procedures.special import sweep

    return sweep.sweep(as_of).markdown()
