"""The public register pages: /register (HTML), /register.csv, /register.json. No link, no
login: public by law (第二十二条, 第二十三条), and nothing else on them (第八条). Each answers
HEAD as well as GET (a link checker, a citation manager, `curl -I`): FastAPI's GET routes alone
answer HEAD with 405."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from portal.pages import page
from procedures.casework import register
from procedures.casework.audit_seal import latest_seals

router = APIRouter()


@router.api_route("/register", methods=["GET", "HEAD"])
async def register_page():
    rows = await run_in_threadpool(register.entries)
    seals = await run_in_threadpool(latest_seals)
    return page("register.html.j2", rows=rows, columns=register.COLUMNS, seals=seals)


@router.api_route("/register.csv", methods=["GET", "HEAD"])
async def register_csv():
    rows = await run_in_threadpool(register.entries)
    return Response(register.as_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="register.csv"'})


@router.api_route("/register.json", methods=["GET", "HEAD"])
async def register_json():
    rows = await run_in_threadpool(register.entries)
    return Response(register.as_json(rows), media_type="application/json; charset=utf-8")
