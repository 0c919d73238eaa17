"""Tasks of the sanction procedure and its daily sweep. One Chinese log line per business step;
never the defence, the minutes or any personal data (第八条)."""

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from adapters.markdown_text import log_text
from tasks import ANSWER_KEYED

PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)


def _log(text: str) -> None:
    get_run_logger().info(log_text(text))  # names, reasons: outside text, one line


def _deliver() -> None:
    from adapters import mailer

    mailer.deliver_pending()


@task(name="start-sanction-case", **PERSISTED)
def start_case(flow_run_id: str, pending_case_id: int, sanction_case_id: int, filing_number: str, article: str,
               facts: str, serious: bool, as_of: str) -> dict:
    from datetime import date

    from procedures.sanctions import proposal

    v = proposal.start_case(flow_run_id, pending_case_id, sanction_case_id, filing_number, article, facts, serious,
                            date.fromisoformat(as_of) if as_of else None)
    if "error" not in v:  # the run is named by the case's number from now on (a retry names it again)
        from adapters.orchestrator import rename_run

        rename_run(flow_run_id, proposal.run_name(v["case_number"], v["institution"]))
    _log(f"已拒绝：{v['error']}" if "error" in v else
         f"处理程序 {v['case_number']}：{v['institution']}，拟处理 {v['measure_name']}（{v['article']}）"
         + ("；本机构非负责备案的人社部门，将报告备案部门" if v["report_only"] else ""))
    return v


@task(name="publish-sanction-case", cache_policy=NO_CACHE)
def publish_case(case_id: int) -> None:
    from procedures.sanctions import case_file as sanction_case_file

    sanction_case_file.publish(case_id)  # a new version only when the case reads differently


@task(name="confirm-sanction-opening", cache_policy=ANSWER_KEYED, **PERSISTED)
def confirm_opening(case_id: int, pause_key: str, answers: dict):
    from procedures.sanctions import proposal

    outcome = proposal.confirm_opening(case_id, pause_key, answers)
    _log("处理程序已由工作人员启动" if outcome.accepted else f"启动处理程序被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="sanction-review-context", **PERSISTED)
def review_context(case_id: int, pause_key: str) -> list[str]:
    """The open revocation-level cases the review form at `pause_key` shows (persisted per key)."""
    from procedures.sanctions import rectification

    return rectification.review_context(case_id)


@task(name="notify-hearing", **PERSISTED)
def notify_hearing(case_id: int, flow_run_id: str, round_no: int = 1) -> dict:
    """`round_no`: 2, 3 … after a change reopened the hearing (a new cache key: a new letter)."""
    from procedures.sanctions import hearing

    v = hearing.notify_hearing(case_id)
    _invite(case_id, v["defence_step"], flow_run_id)
    _deliver()
    _log(("已重新送达事先告知书（变更处理，第二十五条）" if round_no > 1 else "已送达事先告知书（第二十五条）")
         + f"，陈述申辩期限 {v['hearing_due']}")
    return v


def _invite(case_id: int, step: str, flow_run_id: str) -> None:
    from procedures.portal import links as portal_links
    from procedures.portal.links import CaseStep, Contact, Recipient
    from procedures.sanctions import hearing

    a = hearing.invite_args(case_id, step)
    portal_links.invite(CaseStep("sanction", case_id, step, flow_run_id), Recipient(*a["recipient"]),
                        Contact(*a["contact"]), a["title"], a["deadline"], a["instructions"])


@task(name="invite-institution", **PERSISTED)
def invite(case_id: int, step: str, flow_run_id: str) -> None:
    _invite(case_id, step, flow_run_id)
    _deliver()
    _log(f"已向评价机构发送一次性提交链接（{step}）")


@task(name="record-defence", **PERSISTED)
def record_defence(case_id: int, submission_id: int, round_no: int = 1) -> dict:
    from procedures.sanctions import hearing

    v = hearing.record_defence(case_id, submission_id)
    _log("收到陈述和申辩" if submission_id else "陈述申辩期限届满，未收到陈述和申辩")
    return v


@task(name="skip-hearing", **PERSISTED)
def skip_hearing(case_id: int, round_no: int = 1) -> dict:
    from procedures.sanctions import hearing

    v = hearing.skip_hearing(case_id)
    _log("本机构非负责备案的人社部门：不送达告知书，作出决定后报告负责备案的人社部门" if v["report_only"]
         else "第二十四条移交不事先告知评价机构")
    return v


@task(name="decision-context", **PERSISTED)
def decision_context(case_id: int, pause_key: str) -> dict:
    """What the decision form at `pause_key` shows (persisted per key: a replay builds the same form)."""
    from procedures.sanctions import decision

    return decision.decision_context(case_id)


@task(name="record-sanction-decision", cache_policy=ANSWER_KEYED, **PERSISTED)
def decide(case_id: int, pause_key: str, answers: dict):
    from procedures.sanctions import decision

    outcome = decision.decide(case_id, pause_key, answers)
    _log("处理决定已记录" if outcome.accepted else f"处理决定被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="carry-out-sanction", **PERSISTED)
def carry_out(case_id: int) -> dict:
    from procedures.sanctions import service
    from procedures.sanctions.common import STATUS_NAMES

    v = service.carry_out(case_id)
    _deliver()
    _log(f"处理决定已送达；状态：{STATUS_NAMES[v['status']]}"
         + (f"，整改期限 {v['rectification_due']}" if v["rectification_due"] else ""))
    return v


@task(name="record-minutes", cache_policy=ANSWER_KEYED, **PERSISTED)
def record_minutes(case_id: int, pause_key: str, answers: dict):
    from procedures.sanctions import measures

    outcome = measures.record_minutes(case_id, pause_key, answers)
    _log("约谈记录已登记" if outcome.accepted else f"约谈记录被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="record-explanation", **PERSISTED)
def record_explanation(case_id: int, submission_id: int) -> dict:
    from procedures.sanctions import measures

    v = measures.record_explanation(case_id, submission_id)
    _log("收到评价机构的书面说明和宣布无效名单" if submission_id else "逾期未作出书面说明")
    return v


@task(name="record-improvement", **PERSISTED)
def record_improvement(case_id: int, submission_id: int, round_no: int) -> dict:
    from procedures.sanctions import improvement

    v = improvement.record_improvement(case_id, submission_id)
    _log(f"收到第{round_no}轮改进情况报告，待审核" if submission_id
         else "改进期限届满未报送改进情况，已启动第二十七条（三）处理")
    return v


@task(name="review-improvement", cache_policy=ANSWER_KEYED, **PERSISTED)
def review_improvement(case_id: int, pause_key: str, answers: dict):
    from procedures.sanctions import improvement

    outcome = improvement.review_improvement(case_id, pause_key, answers)
    _log("改进情况审核已记录" if outcome.accepted else f"改进情况审核被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="record-rectification-report", **PERSISTED)
def record_report(case_id: int, submission_id: int, round_no: int) -> dict:
    from procedures.sanctions import rectification

    v = rectification.record_rectification_report(case_id, submission_id)
    _log(f"收到第{round_no}轮整改报告" if submission_id else "整改期限届满未收到整改报告，已启动升级处理")
    return v


@task(name="rectification-report-summary", **PERSISTED)
def report_summary(submission_id: int, flow_run_id: str, step: str) -> str:
    from procedures.portal.submissions import summary_markdown

    return summary_markdown(submission_id, flow_run_id, step)


@task(name="review-rectification", cache_policy=ANSWER_KEYED, **PERSISTED)
def review(case_id: int, pause_key: str, answers: dict):
    from procedures.sanctions import rectification

    outcome = rectification.review_rectification(case_id, pause_key, answers)
    _deliver()
    _log("整改审核已记录" if outcome.accepted else f"整改审核被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="read-sanction-case", **PERSISTED)
def read_view(case_id: int, step: str) -> dict:
    """The case as it stands after `step` (the step names the read, so a replay gets the same)."""
    from procedures.sanctions import common

    return common.read_view(case_id)


@task(name="sweep-sanctions", cache_policy=NO_CACHE)
def sweep_sanctions(as_of) -> str:
    from procedures.sanctions import case_file as sanction_case_file
    from procedures.sanctions import sweep as sanction_sweep

    summary = sanction_sweep.sweep(as_of).markdown()
    _deliver()  # reminders and agency notices go out with this sweep, not the next one
    written = sanction_case_file.publish_changed(as_of)  # what the sweep or the portal changed shows in the UI
    return summary + f"\n\n处理程序案卷更新：{written} 件"
