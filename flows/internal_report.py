"""内督情况 — what the agency sees of internal supervision (第四条, 第十六条 全覆盖, 第八条), for staff
in the Prefect UI: deployment `internal-supervision-report`.

Staff name their agency, a period (default: this month) and, optionally, a batch number. Before
anything is read the run asks for the reader's staff code (a form, never a parameter —
parameters show on the run's page), checked against that agency, and asks again with the reason
when it is wrong. The artifact then shows, per institution the agency is responsible for, the
sessions, internal records, on time, missing, 内督不合格 and their follow-ups; the institutions
whose internal records say 合格 where the external record of the same session says 不合格; and,
with a batch number, that session's internal record — only for its owning agency (第八条).
"""

from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from adapters.clock import today
from adapters.markdown_text import inert
from flows.ending import end_refused
from flows.parameters import BLANK_DATE, titled
from flows.signing import signed  # the one signing loop (asks, verifies, forgets the code)
from tasks import internal as t

ARTIFACT_KEY = "internal-supervision-report"


@flow(name="internal-supervision-report", flow_run_name=lambda: f"内督情况 {_agency_text()}")
def internal_supervision_report(
    agency_id: Annotated[str, titled("委派机构编码", "查看哪个委派机构负责的评价机构，如 CITY-A（济南市）、PROV（省就业人才中心，可看全部）")],
    period_start: Annotated[str, titled("期间开始日期", "评价场次计划开始日期的起点；留空即为本月1日", date=True)] = BLANK_DATE,
    period_end: Annotated[str, titled("期间结束日期", "评价场次计划开始日期的终点（含当日）；留空即为本月最后一天", date=True)] = BLANK_DATE,
    batch_number: Annotated[str, titled("批次编号", "填写时附上该场次的内督记录表（仅限负责该机构的委派机构查阅，第八条）；不看记录则留空")] = "",
) -> str:
    """内督情况：覆盖率、内外督结果对照、内督记录（第十六条、第四条、第八条）。查阅人在随后的表单中填写本人工作人员代码。"""
    day = today()  # a read: a replay reports as of the day it runs
    refusal = t.check_report_request(agency_id, period_start, period_end, day)
    if refusal:
        create_markdown_artifact(f"# 未能生成内督情况报告\n\n{inert(refusal)}", key=ARTIFACT_KEY,
                                 description="内督情况（已拒绝）")
        end_refused(refusal)
    decider = signed(f"查看内督情况：{inert(agency_id.strip())}。请填写查阅人本人的工作人员代码（须为该委派机构的工作人员）。",
                     lambda code: t.report_signer(code, agency_id))
    result = t.internal_report(decider, agency_id, period_start, period_end, batch_number, day)
    create_markdown_artifact(result.markdown, key=ARTIFACT_KEY, description=f"内督情况 {agency_id.strip()}")
    if not result.accepted:
        end_refused(result.text)
    return f"内督情况已生成：{agency_id.strip()}"


def _agency_text() -> str:
    from prefect import runtime

    return str(runtime.flow_run.parameters.get("agency_id") or "")
