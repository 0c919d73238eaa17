"""The agency staff's desk (issue 18), under /desk: sign in with staff code and password, 待办,
a case's page with its documents and evidence (every download logged), 统计.

Only agency staff reach it: a server-side session (procedures.desk.auth) in an HttpOnly,
SameSite=Strict cookie (Secure over https or by setting), 8 hours, revocable; every POST carries
a CSRF token bound to the session (sign-in: to the browser's CSRF cookie). Without a valid
session every page leads to the sign-in page; another agency's case answers as a missing one
(第五条). Supervisors' and institutions' one-time links never lead here.
"""

import json
import time
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from adapters import orchestrator, portal_tokens
from adapters.clock import today
from adapters.db import session_scope
from adapters.settings import get_settings
from portal.pages import page
from procedures.desk import auth, cases, statistics_page, year_report
from procedures.desk import todo as desk_todo
from procedures.desk.statistics_scope import StatisticsError

COOKIE = "desk_session"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(content: bytes, name: str, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"download\"; filename*=UTF-8''{quote(name)}"})


async def _small_form(request: Request, fields: int):
    """A desk form's fields, or None when the post is not a small urlencoded/multipart form."""
    try:
        return await request.form(max_files=0, max_fields=fields, max_part_size=4096)
    except Exception:  # noqa: BLE001 — a malformed or oversized post: refused below, nothing done
        return None


_RUNS: dict = {}  # the waiting runs, read at most every few seconds per worker (the page's p95)
RUNS_FRESH_SECONDS, DOWN_FRESH_SECONDS = 5.0, 30.0


def waiting_runs() -> tuple[list, bool]:
    """The runs waiting at a form, and whether Prefect could not be read (then none)."""
    at = time.monotonic()
    if _RUNS and at < _RUNS["until"]:
        return _RUNS["runs"], _RUNS["down"]
    try:
        runs, down = orchestrator.waiting_runs(), False
    except Exception:  # noqa: BLE001 — Prefect unreachable: the page says so and lists the deadlines
        runs, down = [], True
    _RUNS.update(runs=runs, down=down, until=at + (DOWN_FRESH_SECONDS if down else RUNS_FRESH_SECONDS))
    return runs, down


def desk_router(csrf_cookie: str, browser_key, client) -> APIRouter:
    router = APIRouter()
    settings = get_settings()
    secure = settings.desk_secure_cookie or settings.resolved_portal_url().startswith("https://")

    def signin_csrf(key: str) -> str:
        return portal_tokens.mac_hex("desk-signin", key, 64)

    def user_of(request: Request):
        with session_scope() as s:
            return auth.current(s, request.cookies.get(COOKIE))

    def to_signin() -> Response:
        response = RedirectResponse("/desk/signin", status_code=303)
        response.delete_cookie(COOKIE, path="/desk")
        return response

    def signin_page(request: Request, status: int = 200, error: str = "") -> Response:
        """The sign-in form (the staff code is a secret: never written back into the page)."""
        key, new = browser_key(request)
        response = page("desk/signin.html.j2", status, csrf=signin_csrf(key), error=error)
        if new:
            response.set_cookie(csrf_cookie, key, httponly=True, samesite="strict", secure=secure, path="/")
        return response

    def desk_page(name: str, user, status: int = 200, **context) -> Response:
        return page(f"desk/{name}", status, user=user, csrf=user.csrf, **context)

    def missing(user) -> Response:
        return desk_page("missing.html.j2", user, 404)

    @router.get("/desk")
    async def desk_home(request: Request):
        user = await run_in_threadpool(user_of, request)
        return RedirectResponse("/desk/todo" if user else "/desk/signin", status_code=303)

    @router.get("/desk/signin")
    async def signin_form(request: Request):
        user = await run_in_threadpool(user_of, request)
        if user:
            return RedirectResponse("/desk/todo", status_code=303)
        return signin_page(request)

    @router.post("/desk/signin")
    async def signin(request: Request):
        form = await _small_form(request, 5)
        if form is None:
            return signin_page(request, 400, "提交格式有误，未登录。请重新输入后登录。")
        key = request.cookies.get(csrf_cookie, "")
        submitted = form.get("csrf_token")
        code, password = form.get("staff_code"), form.get("password")
        code = code.strip()[:40] if isinstance(code, str) else ""
        if not (key and isinstance(submitted, str) and portal_tokens.TOKEN_SHAPE.fullmatch(key)
                and submitted == signin_csrf(key)):
            return signin_page(request, 403, "页面已失效（缺少安全校验信息），未登录。请重新输入后登录。")
        if not code or not isinstance(password, str) or not password:
            return signin_page(request, 400, "工作人员代码和密码：均须填写。")

        def attempt():
            with session_scope() as s:
                return auth.sign_in(s, code, password[:auth.MAX_PASSWORD + 1], client(request))

        result = await run_in_threadpool(attempt)
        if not result.token:
            return signin_page(request, 429 if result.wait_seconds else 401, result.error)
        response = RedirectResponse("/desk/todo", status_code=303)
        response.set_cookie(COOKIE, result.token, max_age=int(settings.desk_session_hours * 3600), httponly=True,
                            samesite="strict", secure=secure, path="/desk")
        return response

    @router.post("/desk/signout")
    async def signout(request: Request):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()
        form = await _small_form(request, 3)
        submitted = form.get("csrf_token") if form is not None else None
        if not auth.csrf_ok(user, submitted if isinstance(submitted, str) else None):
            return desk_page("refused.html.j2", user, 403)

        def out():
            with session_scope() as s:
                auth.sign_out(s, user, client(request))

        await run_in_threadpool(out)
        return to_signin()

    @router.get("/desk/todo")
    async def todo_page(request: Request):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def listing():
            runs, down = waiting_runs()
            with session_scope() as s:
                return desk_todo.todo(s, today(), user.agencies, runs), down

        found, down = await run_in_threadpool(listing)
        return desk_page("todo.html.j2", user, todo=found, prefect_down=down)

    @router.get("/desk/case/{ref}")
    async def case_page(ref: str, request: Request):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            with session_scope() as s:
                return cases.case_page(s, ref, user.sees)

        found = await run_in_threadpool(read)
        return desk_page("case.html.j2", user, case=found) if found else missing(user)

    @router.get("/desk/case/{ref}/document/{document_id}")
    async def document(ref: str, document_id: str, request: Request):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            if not document_id.isdigit() or len(document_id) > 12:
                return None
            with session_scope() as s:
                doc = cases.document(s, ref, int(document_id), user.sees)
                if doc is not None:
                    auth.log_download(s, user, client(request), f"document:{doc.id} {ref} {doc.number}")
                return doc

        doc = await run_in_threadpool(read)
        return _download(doc.content, doc.filename, DOCX) if doc else missing(user)

    @router.get("/desk/case/{ref}/evidence/{sha256}")
    async def evidence(ref: str, sha256: str, request: Request):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            with session_scope() as s:
                found = cases.evidence_file(s, ref, sha256, user.sees)
                if found is not None:
                    auth.log_download(s, user, client(request), f"evidence:{sha256[:16]} {ref}")
            return found

        found = await run_in_threadpool(read)
        if found is None:
            return missing(user)
        info, path = found
        return _download(path.read_bytes(), info.original_name, info.content_type)

    @router.get("/desk/case/{ref}/audit.json")
    async def audit_record(ref: str, request: Request):
        """The case's audit entries with their hashes and the seal covering them (issue 22), so a
        copy of the case file can be checked against the log later; a logged download."""
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            from procedures.casework.audit_seal import case_manifest

            with session_scope() as s:
                case_ref = cases.audit_ref(s, ref, user.sees)
                if case_ref is None:
                    return None
                auth.log_download(s, user, client(request), f"audit:{case_ref}")
            return json.dumps(case_manifest(case_ref), ensure_ascii=False, indent=1).encode()

        data = await run_in_threadpool(read)
        return _download(data, f"审计记录-{ref}.json", "application/json") if data else missing(user)

    @router.get("/desk/stats")
    async def stats(request: Request, period: str = "", scope: str = ""):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            with session_scope() as s:
                return statistics_page.render_stats_page(s, user.agency_id, period[:16] or None, scope[:32] or None)

        context = await run_in_threadpool(read)
        return desk_page("stats.html.j2", user, 400 if context["error"] else 200, **context)

    @router.get("/desk/stats.csv")
    async def stats_csv(request: Request, period: str = "", scope: str = "", table: str = ""):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            with session_scope() as s:
                try:
                    name, data = statistics_page.stats_csv(s, user.agency_id, period[:16], scope[:32] or None,
                                                           table[:40])
                except StatisticsError as e:
                    return None, str(e)
                auth.log_download(s, user, client(request), f"stats-csv:{name}")
                return name, data

        name, data = await run_in_threadpool(read)
        if name is None:
            return desk_page("stats.html.j2", user, 400, error=data, periods=[], scopes=[], panels=[])
        return _download(data, name, "text/csv; charset=utf-8")

    @router.get("/desk/report.docx")
    async def year_report_docx(request: Request, period: str = "", scope: str = ""):
        user = await run_in_threadpool(user_of, request)
        if user is None:
            return to_signin()

        def read():
            if not (period.isdigit() and len(period) == 4):
                return None, "统计期间：年度报告须选一个年度（如 2026）"
            with session_scope() as s:
                try:
                    report = year_report.year_report(s, user.agency_id, int(period), scope[:32] or None)
                except StatisticsError as e:
                    return None, str(e)
                auth.log_download(s, user, client(request), f"year-report:{report.stem}")
                return report, ""

        report, error = await run_in_threadpool(read)
        if report is None:
            return desk_page("stats.html.j2", user, 400, error=error, periods=[], scopes=[], panels=[])
        return _download(report.docx, f"{report.stem}.docx", DOCX)

    return router
