"""A test-only flow that waits for a portal submission, as the later procedures will: it invites
one person through a one-time link (mailed), suspends for the submission's reference, then
reads the stored submission back. Served beside the real deployments by `main()`."""

from datetime import datetime, timedelta

from prefect import flow, serve, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from adapters import mailer
from adapters.clock import now
from adapters.settings import get_settings
from deployments.serve import deployments
from flows.portal_step import wait_for_submission
from tasks.portal import invite_to_portal, read_submission

PORTAL_PROBE = "portal-probe/portal-probe"
STEP = "statement-1"


@task(cache_policy=NO_CACHE)
def send_mail() -> None:
    mailer.deliver_pending()


@task(persist_result=True)
def deadline_in(days: int) -> datetime:
    return now() + timedelta(days=days)


@flow(name="portal-probe")
def portal_probe(case_id: int, institution: str, email: str, deadline_days: int = 5) -> dict:
    run_id = str(flow_run.id)
    invite_to_portal("test", case_id, STEP, run_id, ("institution", institution, email),
                     ("济南市技能人才评价管理部门", "city-a@example.gov.cn"), "陈述和申辩（第二十五条）",
                     deadline_in(deadline_days), "请写明陈述，并附上证明材料。")
    send_mail()
    submission_id = wait_for_submission(STEP)
    view = read_submission(submission_id, run_id, STEP)
    return {"submission_id": view.submission_id, "statement": view.statement,
            "files": [f.sha256 for f in view.files]}


def main() -> None:
    serve(*deployments(), portal_probe.to_deployment(name="portal-probe"),
          limit=get_settings().runner_process_limit)


if __name__ == "__main__":
    main()
