"""随机抽查计划 — 双随机、一公开 (第十五条; 第十一条 frame; 第八条（四）): deployment `sampling-plan`,
started by agency staff in the Prefect UI.

1. Staff name their agency, the period (a month or a quarter), the sampling rate or count, the
   minimum per institution per year and the risk weights (each with its stored reason).
2. The plan is framed (the agency's jurisdiction, exclusions with reasons), its candidate list's hash
   published, the seed fixed from it, the sessions drawn — once per run (procedures.sampling.plan).
3. Staff approve the drawn list with their staff code; a session is struck only with a reason, logged,
   and the draw is not redone. The run then ends; the daily sweep starts each chosen session's daily
   inspection N working days before it (procedures.sampling.starts) and publishes the results.
Durable: "today" comes from a persisted task; the plan and the approval are stored by run id and pause
key, so the replay after the approval form draws nothing anew. A refused request ends Cancelled, named
已拒绝, with the reason naming the field.
"""

from typing import Annotated

from prefect import flow, runtime
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed

from adapters.markdown_text import inert
from flows.asking import ask_until_accepted
from flows.ending import end_refused
from flows.parameters import BLANK_DATE, titled
from flows.sampling_forms import approval_form
from tasks import sampling as t


@flow(name="sampling-plan", persist_result=True, flow_run_name=lambda: f"随机抽查计划 {_agency_text()}")
def sampling_plan(
    agency_id: Annotated[str, titled("委派机构编码", "制定计划的委派机构，如 CITY-A（济南市）、PROV（省就业人才中心）；抽取其管辖范围内的场次（第十一条）")],
    period_start: Annotated[str, titled("期间开始日期", "抽取计划开始日期在此期间内的评价场次（按月或按季度）", date=True)],
    period_end: Annotated[str, titled("期间结束日期", "期间的最后一天（含当日）", date=True)],
    rate_percent: Annotated[float, titled("抽查比例（%）", "抽取范围内场次的百分比，如 10；与抽查数量二选一，另一项填0")] = 0.0,
    count: Annotated[int, titled("抽查数量", "抽取的场次数；与抽查比例二选一，另一项填0")] = 0,
    minimum_per_year: Annotated[int, titled("每个机构每年最少督导次数", "本年度日常督导次数不足的机构，先从其场次中补足（如 1）；0 为不要求")] = 0,
    weight_failed_before: Annotated[float, titled("权重：近一年日常督导不合格", "1–10，默认2（该机构场次被抽中的相对机会）")] = 2.0,
    weight_open_findings: Annotated[float, titled("权重：有未结的违规线索或处理", "1–10，默认2")] = 2.0,
    weight_complaints: Annotated[float, titled("权重：近一年有投诉举报", "1–10，默认2")] = 2.0,
    weight_new_filing: Annotated[float, titled("权重：新备案（一年内）", "1–10，默认1.5")] = 1.5,
    weight_long_uninspected: Annotated[float, titled("权重：一年以上未接受日常督导", "1–10，默认1.5")] = 1.5,
    as_of: Annotated[str, titled("业务日期", "留空即为今天；补录或测试时填写（YYYY-MM-DD）", date=True)] = BLANK_DATE,
):
    """随机抽查计划：确定范围 → 公布哈希、确定种子 → 抽取 → 工作人员批准（第十五条“双随机、一公开”）。"""
    day = t.business_day(as_of)
    if day is None:
        end_refused(f"业务日期：应为有效日期（YYYY-MM-DD），实际为“{as_of}”")
    weights = {"failed_before": weight_failed_before, "open_findings": weight_open_findings,
               "complaints": weight_complaints, "new_filing": weight_new_filing,
               "long_uninspected": weight_long_uninspected}
    plan = t.create_plan(str(runtime.flow_run.id), agency_id, period_start, period_end, rate_percent, count,
                         minimum_per_year, weights, day)
    if plan.refusal:
        create_markdown_artifact(f"# 未能制定抽查计划\n\n{inert(plan.refusal)}", key=t.ARTIFACT_KEY,
                                 description="随机抽查计划（已拒绝）")
        end_refused(plan.refusal)
    t.publish_plan(plan.plan_id)
    header = t.approval_header(plan.plan_id)
    ask_until_accepted("approve", lambda e, p, f: approval_form(header, e, p, f),
                       lambda key, answers: t.approve_plan(plan.plan_id, key, answers))
    t.publish_plan(plan.plan_id)
    return Completed(message=f"抽查计划 {plan.number} 已批准；各场次的日常督导将由期限巡检按期自动发起")


def _agency_text() -> str:
    return str(runtime.flow_run.parameters.get("agency_id") or "")
