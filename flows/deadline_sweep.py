"""期限巡检 — 第十七条 and 第二十六条(二): run daily at 08:00 Asia/Shanghai.

On a record's due day, remind the supervisors; from the working day after, report it
overdue to the agency and mark the dispatches for 第二十六条(二) review; retry the
outbox. Running twice on one day sends nothing twice.
"""

from datetime import date

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from adapters.clock import today
from tasks import inspection as t
from tasks.portal import resume_portal_submissions


@flow(name="deadline-sweep")
def deadline_sweep(as_of: date | None = None) -> str:
    """期限巡检：记录表到期提醒、逾期报告、邮件重发。as_of 默认今天。"""
    day = as_of or today()  # not replayed: the sweep never suspends
    summary = t.sweep_deadlines(day)
    summary += "\n\n" + resume_portal_submissions()  # the portal retries too; this is the backstop
    create_markdown_artifact(summary, key="deadline-sweep", description=f"期限巡检 {day}")
    return summary
