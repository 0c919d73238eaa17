"""/internal: 内督联系人：申请办理链接 — the institution's internal-supervision contact asks for a
one-time link (procedures/supervisors/internal_access.py: no passwords for 2,000 institutions).

Public, so: the same answer whatever matched (no enumeration of institutions or e-mails: a 303 to
/internal?sent=1 after every well-formed request); every such request counts against the client
address's limit as a wrong token does (portal/guard.py), in a count of its own ("internal:" +
address), so asking for links never locks a person out of the links they have; CSRF as the other
portal forms (a token bound to this browser's cookie, under the server secret).
"""

import hmac
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from adapters import portal_tokens
from portal.guard import BodyTooLarge, WrongTokenLimit
from portal.pages import page, problem
from procedures.supervisors import internal_access

FIELDS = ("csrf_token", "filing_number", "email", "what")
PURPOSE = "internal-request"  # the CSRF token's purpose under the server secret


def internal_router(limit: WrongTokenLimit, cookie: str, browser_key: Callable, with_cookie: Callable,
                    client: Callable, rate_problem: Callable) -> APIRouter:
    """The page's routes, sharing the portal's cookie, client address and rate-limit answer."""
    router = APIRouter()

    def form_page(request: Request, status=200, errors=None, answers=None, sent=False) -> Response:
        key, new = browser_key(request)
        response = page("internal_request.html.j2", status, errors=errors or {}, answers=answers or {}, sent=sent,
                        purposes={k: p.label for k, p in internal_access.PURPOSES.items()},
                        csrf=portal_tokens.mac_hex(PURPOSE, key, 64))
        return with_cookie(response, key, new)

    @router.get("/internal")
    async def internal_form(request: Request, sent: str = ""):
        return form_page(request, sent=sent == "1")

    @router.post("/internal")
    async def internal_request(request: Request):
        address = "internal:" + client(request)
        wait = await run_in_threadpool(limit.blocked_for, address)
        if wait:
            return rate_problem(wait)
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
        except (BodyTooLarge, MultiPartException, StarletteHTTPException, ValueError):
            return problem("bad_form", 400)
        answers = {name: value.strip()[:254] for name in FIELDS if isinstance(value := form.get(name), str)}
        await form.close()
        key = request.cookies.get(cookie) or ""
        expected = portal_tokens.mac_hex(PURPOSE, key, 64) if key else ""
        if not key or not hmac.compare_digest(expected, answers.get("csrf_token", "")):
            return problem("csrf", 403)
        errors = {}
        if not answers.get("filing_number"):
            errors["filing_number"] = "备案编号：未填写"
        if not answers.get("email"):
            errors["email"] = "内督联系人邮箱：未填写"
        if answers.get("what") not in internal_access.PURPOSES:
            errors["what"] = "办理事项：请选择一项"
        if errors:  # only the form's own shape: says nothing about any institution
            return form_page(request, 400, errors, answers)
        await run_in_threadpool(limit.miss, address)
        await run_in_threadpool(internal_access.request_link, answers["filing_number"], answers["email"],
                                answers["what"])
        return RedirectResponse("/internal?sent=1", status_code=303)

    return router
