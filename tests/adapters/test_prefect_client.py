"""Every Prefect client of ours shares one TLS context per process (adapters/prefect_client.py):
Prefect's own get_client() loads the whole CA bundle into a new context for each client."""

import ssl

from prefect.settings import (
    PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
    PREFECT_API_URL,
    temporary_settings,
)

from adapters.prefect_client import sync_client


def _context(client) -> ssl.SSLContext:
    return client._client._transport._pool._ssl_context


def test_two_clients_share_one_tls_context_that_verifies_certificates():
    with temporary_settings(updates={PREFECT_API_URL: "https://prefect.example.cn/api"}):
        with sync_client() as first, sync_client() as second:
            assert first is not second
            assert _context(first) is _context(second)
            assert _context(first).verify_mode == ssl.CERT_REQUIRED and _context(first).check_hostname


def test_the_insecure_setting_gets_its_own_context_that_skips_verification():
    updates = {PREFECT_API_URL: "https://prefect.example.cn/api", PREFECT_API_TLS_INSECURE_SKIP_VERIFY: True}
    with temporary_settings(updates=updates), sync_client() as client:
        assert _context(client).verify_mode == ssl.CERT_NONE
    with temporary_settings(updates={PREFECT_API_URL: "https://prefect.example.cn/api"}), sync_client() as client:
        assert _context(client).verify_mode == ssl.CERT_REQUIRED
