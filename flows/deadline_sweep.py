"""期限巡检 — 第十七条 and 第二十六条(二): run daily at 08:00 Asia/Shanghai.

On a record's due day, remind the supervisors; from the working day after, report it
overdue to the agency and mark the dispatches for 第二十六条(二) review; compute deadlines
that were unknown (a year with no official calendar yet); retry the outbox. Running twice
on one day sends nothing twice.
"""

from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from adapters.clock import today
from flows.parameters import BLANK_DATE, day_given, titled
from tasks import daily as t
from tasks.audit import seal_audit_log
from tasks.internal import sweep_internal
from tasks.portal import resume_portal_submissions
from tasks.sampling import sweep_sampling
from tasks.sanctions import sweep_sanctions
from tasks.special import sweep_special_inspections
from tasks.supervisors import sweep_supervisors


@flow(name="deadline-sweep", flow_run_name=lambda: f"期限巡检 {_day_text()}")
def deadline_sweep(
    as_of: Annotated[str, titled("业务日期", "留空即为今天（北京时间）；补跑某日的巡检时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
):
    """期限巡检：记录表到期提醒、逾期报告、邮件重发。"""
    day = day_given(as_of, "业务日期")  # not replayed: the sweep never suspends
    summary = t.sweep_deadlines(day)
    summary += "\n\n" + sweep_supervisors(day)  # 第十条 term ends, 第二十六条 cases
    summary += "\n\n" + sweep_internal(day)  # 第十六条 内督全覆盖: ask, remind, report
    summary += "\n\n" + sweep_sampling(day)  # 第十五条 双随机: plan changes, automatic daily inspections
    summary += "\n\n" + sweep_sanctions(day)  # 第二十五条 periods, 附件4 reminders/escalation, 第二十二/二十三条 thresholds
    summary += "\n\n" + resume_portal_submissions()  # the portal retries too; this is the backstop
    summary += "\n\n" + sweep_special_inspections(day)  # 第十五条(二) windows, 第二十二条(六)
    summary += "\n\n" + seal_audit_log(day)  # last, so it covers the sweep's own writes (issue 22)
    get_run_logger().info(f"期限巡检 {day} 完成")
    create_markdown_artifact(summary, key="deadline-sweep", description=f"期限巡检 {day}")
    return summary


def _day_text() -> str:
    from prefect import runtime

    return str(runtime.flow_run.parameters.get("as_of") or today())
