"""Tasks of the random inspection plan (双随机、一公开, 第十五条): thin wrappers around
procedures.sampling. The plan and its approval are persisted (a replay is a cache hit, and the
database keys — the run id, the pause key — make them happen once); the sweep's part never replays."""

from datetime import date

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from adapters.markdown_text import log_text
from procedures.casework.views import Outcome
from tasks import ANSWER_KEYED

PERSISTED = dict(persist_result=True, retries=2, retry_delay_seconds=2)
ARTIFACT_KEY = "sampling-plan"


@task(name="sampling-business-day", **PERSISTED)
def business_day(as_of: str) -> date | None:
    """The plan's "today": as_of, else the real date — fixed once, so a replay draws nothing anew."""
    from adapters.clock import today
    from procedures.casework.cases import parse_day

    return parse_day(as_of) if as_of else today()


@task(name="create-sampling-plan", **PERSISTED)
def create_plan(flow_run_id: str, agency_id: str, period_start: str, period_end: str, rate_percent: float, count: int,
                minimum_per_year: int, weights: dict, as_of: date):
    from procedures.sampling.plan import create_plan as create

    plan = create(flow_run_id, agency_id, period_start, period_end, rate_percent, count, minimum_per_year, weights,
                  as_of)
    get_run_logger().info(log_text(f"已拒绝：{plan.refusal}" if plan.refusal else f"抽查计划 {plan.number} 已抽取"))
    return plan


@task(name="approve-sampling-plan", cache_policy=ANSWER_KEYED, **PERSISTED)
def approve_plan(plan_id: int, pause_key: str, answers: dict) -> Outcome:
    from procedures.sampling.plan import approve

    outcome = approve(plan_id, pause_key, answers)
    get_run_logger().info("抽查计划已批准" if outcome.accepted else f"批准被退回（{len(outcome.errors)} 处问题）")
    return outcome


@task(name="publish-sampling-plan", cache_policy=NO_CACHE)
def publish_plan(plan_id: int) -> None:
    from procedures.sampling.views import plan_markdown

    create_markdown_artifact(plan_markdown(plan_id), key=ARTIFACT_KEY, description="随机抽查计划")


@task(name="sampling-approval-header", cache_policy=NO_CACHE)
def approval_header(plan_id: int) -> str:
    from procedures.sampling.views import approval_header as header

    return header(plan_id)


@task(name="sweep-sampling-plans", cache_policy=NO_CACHE)
def sweep_sampling(as_of: date) -> str:
    """第十五条 双随机: record changes, start the due inspections once (keys), tell the agency."""
    from procedures.sampling.sweep import sweep_sampling as run

    return run(as_of)
