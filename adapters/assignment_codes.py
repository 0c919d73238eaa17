"""One-time assignment codes: HMAC of the dispatch id under a server secret.

Derived, not stored: a replayed flow computes the same code, and the database keeps
only its SHA-256 for audit. The secret comes from SUPERVISION_ASSIGNMENT_SECRET or, on
the embedded default, a file created once under var/ (mode 0600).
"""

import hashlib
import hmac

from adapters.server_secret import server_secret
from adapters.settings import get_settings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from mail


def _secret() -> bytes:
    settings = get_settings()
    return server_secret(settings.assignment_secret.get_secret_value(), settings.var_dir / "assignment-secret")


def code_for(dispatch_id: int) -> str:
    digest = hmac.new(_secret(), f"dispatch:{dispatch_id}".encode(), hashlib.sha256).digest()
    chars = "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:8])
    return f"{chars[:4]}-{chars[4:]}"


def normalise(code: str) -> str:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()
