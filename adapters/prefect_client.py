"""Prefect's API client with one TLS context per process (I/O only).

Prefect builds a new SSL context for every client it makes and loads the whole CA bundle into
it: ~23 ms of CPU per `get_client()`, before any request. A poll loop, the portal's resumer
and every `ask()` make many clients; they share one context here, built as Prefect builds it
(PREFECT_API_TLS_INSECURE_SKIP_VERIFY, PREFECT_API_SSL_CERT_FILE, else certifi's bundle).
"""

import ssl
from functools import cache


@cache
def _tls_context(insecure: bool, cert_file: str) -> ssl.SSLContext:
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    return ssl.create_default_context(cafile=cert_file)


def tls_context() -> ssl.SSLContext:
    import certifi
    from prefect.settings import PREFECT_API_SSL_CERT_FILE, PREFECT_API_TLS_INSECURE_SKIP_VERIFY

    return _tls_context(bool(PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value()),
                        PREFECT_API_SSL_CERT_FILE.value() or certifi.where())


def sync_client():
    """`get_client(sync_client=True)` for the current Prefect settings, on the shared context."""
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True, httpx_settings={"verify": tls_context()})
