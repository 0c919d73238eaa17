"""待办晨报 — issue 18: every day at 07:30 Asia/Shanghai each agency gets its 待办 in short (staff
steps waiting, overdue items with what the sweep did, deadlines of the next 5 working days).
On a day off nothing is sent; running twice on one day sends nothing twice."""

from typing import Annotated

from prefect import flow, get_run_logger

from adapters.clock import today
from flows.parameters import BLANK_DATE, day_given, titled
from tasks.desk import morning_mail


@flow(name="desk-morning", flow_run_name=lambda: f"待办晨报 {_day_text()}")
def desk_morning(
    as_of: Annotated[str, titled("业务日期", "留空即为今天（北京时间）；补发某日的晨报时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
) -> str:
    """待办晨报：每个工作日07:30向各委派机构发送当日待办。"""
    day = day_given(as_of, "业务日期")  # never suspends: not replayed
    summary = morning_mail(day)
    get_run_logger().info(summary)
    return summary


def _day_text() -> str:
    from prefect import runtime

    return str(runtime.flow_run.parameters.get("as_of") or today())
