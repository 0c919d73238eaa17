"""The public pages of the random inspection plans (一公开, 第十五条): /plans (HTML) and /plans.json.
No link, no login; only what procedures.sampling.publication publishes (第八条（四）). Each answers
HEAD as well as GET."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from portal.pages import page
from procedures.sampling import publication

router = APIRouter()


@router.api_route("/plans", methods=["GET", "HEAD"])
async def plans_page():
    plans = await run_in_threadpool(publication.plans)
    results = await run_in_threadpool(publication.results)
    return page("plans.html.j2", plans=plans, results=results, plan_columns=publication.PLAN_COLUMNS,
                result_columns=publication.RESULT_COLUMNS)


@router.api_route("/plans.json", methods=["GET", "HEAD"])
async def plans_json():
    body = await run_in_threadpool(publication.as_json)
    return Response(body, media_type="application/json; charset=utf-8")
