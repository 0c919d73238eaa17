"""Secrets of the portal: link tokens and CSRF tokens, both HMACs under one server secret.

A link token is derived from the link's key, not drawn at random: a replayed flow that
mails its link again gets the same token, and the database keeps only the token's SHA-256.
32 bytes of HMAC-SHA256 are as unguessable as `secrets.token_urlsafe(32)` without the key.
The secret comes from SUPERVISION_PORTAL_SECRET or, on the embedded default, a file created
once under var/ (mode 0600).
"""

import base64
import hashlib
import hmac
import re
import secrets

from adapters.server_secret import server_secret
from adapters.settings import get_settings

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _secret() -> bytes:
    settings = get_settings()
    return server_secret(settings.portal_secret.get_secret_value(), settings.var_dir / "portal-secret")


def _mac(purpose: str, value: str) -> bytes:
    return hmac.new(_secret(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def mac_hex(purpose: str, value: str, length: int = 32) -> str:
    """An HMAC under the server secret, as hex (for other proofs than links, e.g. a staff signature)."""
    return _mac(purpose, value).hex()[:length]


def token_for(link_key: str) -> str:
    """The link's token (43 URL-safe characters), the same every time for the same key."""
    return base64.urlsafe_b64encode(_mac("portal-link", link_key)).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    return TOKEN_SHAPE.fullmatch(token) is not None


def new_browser_key() -> str:
    """The random value of the CSRF cookie, one per browser."""
    return secrets.token_urlsafe(32)


def csrf_token(browser_key: str, link_id: int) -> str:
    """The hidden form field: bound to this browser's cookie and this link."""
    return _mac("portal-csrf", f"{browser_key}:{link_id}").hex()


def csrf_ok(browser_key: str | None, link_id: int, submitted: str | None) -> bool:
    if not browser_key or not submitted:
        return False
    return hmac.compare_digest(csrf_token(browser_key, link_id), submitted)
