"""What stands between the portal and the open network: security headers, a request-size
limit, an access log that never prints a token, and a limit on wrong tokens per address."""

import logging
import re
import time

from sqlalchemy import delete
from sqlmodel import Session, col, select

from adapters.db import session_scope
from models import PortalTokenMiss

log = logging.getLogger("portal.access")

# CSS and one small script from our own origin only (no inline script, no eval), forms post
# back to us, no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_LINK_PATH = re.compile(r"^/l/[^/]*")


def redact(path: str) -> str:
    """A path fit for the log: a link's token replaced (the query is never logged)."""
    return _LINK_PATH.sub("/l/[链接]", path)


class BodyTooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: headers on every response, the size limit, the redacted access log."""

    def __init__(self, app, max_request_bytes: int):
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 0}
        limit = self.max_request_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        scope.setdefault("state", {})["declared_too_large"] = (
            declared is not None and declared.isdigit() and int(declared) > limit)
        seen = {"bytes": 0}

        async def limited_receive():
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > limit:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        finally:
            log.info("%s %s %s %.0fms", scope["method"], redact(scope["path"]), status["code"],
                     (time.perf_counter() - started) * 1000)


class WrongTokenLimit:
    """At most `limit` wrong tokens per client address within `window` seconds; past that,
    every link request from that address is refused until the window has moved on. Counted in
    the database (portal_token_miss), so every worker process of the portal sees one count."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window

    def blocked_for(self, address: str, s: Session | None = None) -> float:
        """Seconds until this address may try again (0: not blocked); read in `s` when given (the
        portal asks in the session that then looks the link up: one transaction per request)."""
        at = time.time()
        query = (select(PortalTokenMiss.at).where(PortalTokenMiss.address == address[:64],
                                                  PortalTokenMiss.at > at - self.window)
                 .order_by(col(PortalTokenMiss.at).desc()).limit(self.limit))
        if s is None:
            with session_scope() as own:
                times = list(own.exec(query))
        else:
            times = list(s.exec(query))
        if len(times) < self.limit:
            return 0
        return max(1.0, times[-1] + self.window - at)  # when the limit-th newest miss ages out

    def miss(self, address: str) -> None:
        at = time.time()
        with session_scope() as s:
            s.exec(delete(PortalTokenMiss).where(col(PortalTokenMiss.at) <= at - self.window))
            s.add(PortalTokenMiss(address=address[:64], at=at))
