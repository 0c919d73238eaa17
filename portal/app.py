"""The portal: pages for people outside the agency, reached only through one-time links.

GET /l/<token> shows the step's form (or says why the link does not work); POST /l/<token>
submits it. The token is in the path (a mail link must open in one tap), so the access
log is our own and prints `/l/[链接]` instead; Referrer-Policy keeps it out of Referer.
The portal calls procedures/ only, and never exposes Prefect's API.
"""

import logging
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from adapters import portal_tokens, prefect_resume
from adapters.db import session_scope
from adapters.settings import get_settings
from adapters.uploads import ALLOWED_TEXT
from portal import pages
from portal.desk import desk_router
from portal.guard import BodyTooLarge, Guard, WrongTokenLimit
from portal.internal import internal_router
from portal.pages import TEMPLATES, page, problem
from portal.plans import router as plans_router
from portal.register import router as register_router
from portal.resumer import Resumer
from procedures.portal import forms as portal_forms
from procedures.portal import links as portal_links
from procedures.portal import submissions as portal_submissions
from procedures.portal.submissions import IncomingFile

log = logging.getLogger("portal")
CSRF_COOKIE = "portal_csrf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSS = (TEMPLATES / "portal" / "portal.css").read_text(encoding="utf-8")
JS = (TEMPLATES / "portal" / "portal.js").read_text(encoding="utf-8")
DESK_CSS = (TEMPLATES / "portal" / "desk" / "desk.css").read_text(encoding="utf-8")


def limits() -> dict:
    s = get_settings()
    return {"max_file_mb": f"{s.portal_max_file_mb:g}", "max_request_mb": f"{s.portal_max_request_mb:g}",
            "max_files": s.portal_max_files, "max_chars": s.portal_statement_max_chars, "allowed": ALLOWED_TEXT}


def create_app(resume_in_background: bool = True) -> FastAPI:
    settings = get_settings()
    max_request_bytes = int(settings.portal_max_request_mb * 1024 * 1024)
    resumer = Resumer(settings.portal_resume_retry_seconds, settings.portal_resume_quiet_ms / 1000)
    wrong_tokens = WrongTokenLimit(settings.portal_bad_token_limit, settings.portal_bad_token_window_seconds)

    @asynccontextmanager
    async def lifespan(_app):
        await run_in_threadpool(portal_forms.forms)  # each procedure registers its forms at start
        await run_in_threadpool(pages.warm)
        if resume_in_background:
            await run_in_threadpool(prefect_resume.warm)
            resumer.start()
            resumer.poke()  # whatever an earlier portal left pending
        yield
        if resume_in_background:
            resumer.stop()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.resumer = resumer
    secure_cookie = settings.resolved_portal_url().startswith("https://")

    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    def rate_problem(wait: float) -> Response:
        return problem("rate", 429, detail=f"请约 {int(wait // 60) + 1} 分钟后再试。")

    async def refused(request: Request) -> Response | None:
        wait = await run_in_threadpool(wrong_tokens.blocked_for, client(request))
        return rate_problem(wait) if wait else None

    def browser_key(request: Request) -> tuple[str, bool]:
        key = request.cookies.get(CSRF_COOKIE, "")
        if portal_tokens.TOKEN_SHAPE.fullmatch(key):
            return key, False
        return portal_tokens.new_browser_key(), True

    def with_cookie(response: Response, key: str, new: bool) -> Response:
        if new:
            response.set_cookie(CSRF_COOKIE, key, httponly=True, samesite="strict", secure=secure_cookie, path="/")
        return response

    def form_page(request: Request, link, status=200, errors=(), statement=""):
        key, new = browser_key(request)
        response = page("form.html.j2", status, link=link, errors=list(errors), statement=statement,
                        csrf=portal_tokens.csrf_token(key, link.id), limits=limits(),
                        deadline=portal_links.aware(link.deadline), expires_at=portal_links.aware(link.expires_at))
        return with_cookie(response, key, new)

    def kind_page(request: Request, link, status=200, errors=(), field_errors=None, answers=None):
        """A form of the registry (procedures/portal/forms.py), by the link's kind."""
        form = portal_forms.forms()[link.kind]
        key, new = browser_key(request)
        response = page(form.template, status, link=link, errors=list(errors), field_errors=field_errors or {},
                        answers=answers or {}, csrf=portal_tokens.csrf_token(key, link.id), limits=limits(),
                        deadline=portal_links.aware(link.deadline), expires_at=portal_links.aware(link.expires_at),
                        staff=link.recipient_kind == "staff", **form.context(link))
        return with_cookie(response, key, new)

    def served_document(link) -> Response:
        form = portal_forms.forms().get(link.kind)
        found = form.document(link) if form and form.document else None
        if found is None:
            return problem("not_found", 404)
        name, content = found
        return Response(content, media_type=DOCX, headers={
            "Content-Disposition": f"attachment; filename=\"document.docx\"; filename*=UTF-8''{quote(name)}"})

    async def too_large(request: Request, found, registered) -> Response:
        """Over the request-size limit: the form again (the browser restores its answers from its
        own storage, portal.js), saying which limit was passed; nothing was read or stored."""
        link = found.link
        if found.problem == "used":
            return problem("too_large", 413, link=link, detail=_too_large_detail())
        declared = dict(request.scope.get("headers") or []).get(b"content-length", b"")
        message = _too_large_message(int(declared) if declared.isdigit() else None)
        if registered:
            return await run_in_threadpool(kind_page, request, link, 413, [message], {"files": message})
        return form_page(request, link, 413, [message])

    async def read_fields(form) -> tuple[dict, list]:
        fields: dict[str, list[str]] = {}
        files = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if value.filename == "" and not data:
                    continue  # the browser's empty file input
                files.append((name, IncomingFile(value.filename or "", data)))
            elif name != "csrf_token":
                fields.setdefault(name, []).append(value)
        return fields, files

    def look(token: str, address: str):
        """The rate limit and the link in one transaction (each costs a turn in the threadpool)."""
        with session_scope() as s:
            wait = wrong_tokens.blocked_for(address, s)
            if wait:
                return wait, None, None
            found = portal_links.lookup(s, token)
            receipt = portal_submissions.receipt_for(s, found.link) if found.problem == "used" else None
            return 0, found, receipt

    async def opened(token: str, request: Request):
        """What a token opens, or the answer that ends the request here (rate-limited, unknown or
        expired link): the same first step for showing and for submitting."""
        wait, found, receipt = await run_in_threadpool(look, token, client(request))
        if wait:
            return None, None, rate_problem(wait)
        if found.problem == "unknown":
            await run_in_threadpool(wrong_tokens.miss, client(request))
            return found, None, problem("unknown", 404)
        if found.problem == "expired":
            return found, None, problem("expired", 410, link=found.link)
        return found, receipt, None

    @app.api_route("/", methods=["GET", "HEAD"], response_class=Response)
    def home():
        return page("home.html.j2", register_url=settings.resolved_portal_url().rstrip("/") + "/register")

    @app.api_route("/healthz", methods=["GET", "HEAD"])
    def healthz():
        return PlainTextResponse("ok")

    @app.get("/favicon.ico")
    def favicon():
        return Response(status_code=204)

    @app.get("/static/portal.js")
    def js():
        return Response(JS, media_type="text/javascript; charset=utf-8")

    @app.get("/static/portal.css")
    def css():
        return Response(CSS, media_type="text/css; charset=utf-8")

    @app.get("/static/desk.css")
    def desk_css():
        return Response(DESK_CSS, media_type="text/css; charset=utf-8")

    @app.get("/l/{token}")
    async def show(token: str, request: Request, done: str = "", document: str = ""):
        found, receipt, stop = await opened(token, request)
        if stop is not None:
            return stop
        if document:  # the document the link serves (a decision to sign for), before and after signing
            return await run_in_threadpool(served_document, found.link)
        if found.problem == "used":
            return page("receipt.html.j2", link=found.link, receipt=receipt, again=done != "1")
        if found.link.kind in portal_forms.forms():
            return await run_in_threadpool(kind_page, request, found.link)
        return form_page(request, found.link)

    @app.post("/l/{token}")
    async def submit(token: str, request: Request):
        found, receipt, stop = await opened(token, request)
        if stop is not None:
            return stop
        link = found.link
        registered = portal_forms.forms().get(link.kind)
        if request.scope["state"].get("declared_too_large"):
            return await too_large(request, found, registered)
        try:
            # A text field may be as long as the whole request: the limits table then names the
            # field and its limit (Starlette's own 1 MiB per part would only say 提交格式有误).
            form = await request.form(max_files=settings.portal_max_files * 5,
                                      max_fields=registered.max_fields if registered else 20,
                                      max_part_size=max_request_bytes)
        except BodyTooLarge:
            return await too_large(request, found, registered)
        except (MultiPartException, StarletteHTTPException, ValueError):
            return problem("bad_form", 400, link=link)
        try:
            key = request.cookies.get(CSRF_COOKIE)
            submitted = form.get("csrf_token")
            if not portal_tokens.csrf_ok(key, link.id, submitted if isinstance(submitted, str) else None):
                return problem("csrf", 403, link=link)
            if found.problem == "used":  # a second submit: the first receipt
                return page("receipt.html.j2", link=link, receipt=receipt, again=True)
            if registered:
                fields, named_files = await read_fields(form)
            statement = form.get("statement")
            statement = statement if isinstance(statement, str) else None
            files = []
            for item in form.getlist("files"):
                if isinstance(item, UploadFile):
                    data = await item.read()
                    if item.filename == "" and not data:
                        continue  # the browser's empty file input
                    files.append(IncomingFile(item.filename or "", data))
        finally:
            await form.close()
        if registered:
            result = await run_in_threadpool(portal_submissions.submit_form, token, registered, fields, named_files,
                                             found=found)
        else:
            result = await run_in_threadpool(portal_submissions.submit, token, statement, files, found=found)
        if result.status == "invalid" and registered:
            return await run_in_threadpool(kind_page, request, link, 400, result.errors, result.field_errors,
                                           result.answers)
        if result.status == "invalid":
            return form_page(request, link, 400, result.errors, statement or "")
        if result.status in ("unknown", "expired"):
            return problem(result.status, 404 if result.status == "unknown" else 410, link=result.link)
        if result.status == "stored":
            resumer.poke()
        # Post/redirect/get: a reload of the receipt never posts again.
        return RedirectResponse(f"/l/{token}?done=1" if result.status == "stored" else f"/l/{token}",
                                status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 405:
            return problem("method", 405)
        if exc.status_code == 404 and request.url.path.startswith("/l/"):  # a mangled link
            if (blocked := await refused(request)) is not None:
                return blocked
            await run_in_threadpool(wrong_tokens.miss, client(request))
            return problem("unknown", 404)
        if exc.status_code == 404:
            return problem("not_found", 404)
        return problem("error", exc.status_code)

    @app.exception_handler(Exception)
    async def any_error(_request: Request, exc: Exception):
        log.error("unexpected %s", type(exc).__name__)  # the class only: never the record or the token
        return problem("error", 500)

    app.include_router(desk_router(CSRF_COOKIE, browser_key, client))  # agency staff's desk (issue 18)
    app.include_router(register_router)  # the public register (一公开), its own module
    app.include_router(plans_router)  # random inspection plans and their results (双随机、一公开)
    app.include_router(internal_router(  # 内督联系人：申请办理链接, its own module
        WrongTokenLimit(settings.portal_bad_token_limit, settings.portal_bad_token_window_seconds), CSRF_COOKIE,
        browser_key, with_cookie, client, rate_problem))
    return Guard(app, max_request_bytes)


def _too_large_message(size: int | None) -> str:
    lim = limits()
    sent = f"约 {size / 1024 / 1024:.1f} MB，" if size else ""
    return (f"「附件」：本次提交合计{sent}超过整张表单的上限 {lim['max_request_mb']} MB"
            f"（每个文件最大 {lim['max_file_mb']} MB，最多 {lim['max_files']} 个文件），未保存任何内容。"
            f"请删去或压缩较大的文件后重新选择；本浏览器已保存的填写内容会自动填回本页。")


def _too_large_detail() -> str:
    lim = limits()
    return (f"合计最大 {lim['max_request_mb']} MB，每个文件最大 {lim['max_file_mb']} MB，"
            f"最多 {lim['max_files']} 个文件。请压缩或拆分文件后，重新打开邮件中的链接提交。")
