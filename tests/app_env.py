"""The app's settings for a test: environment variables set, the cached settings and engine
dropped, and everything restored afterwards."""

import os
from contextlib import contextmanager, nullcontext


def _reset() -> None:
    from adapters import db, settings

    settings.get_settings.cache_clear()
    db.reset_engines()


@contextmanager
def app_env(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    _reset()
    try:
        with _prefect_api(values.get("PREFECT_API_URL")):
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _reset()


def _prefect_api(url: str | None):
    """Prefect reads its settings once, when first imported: a test file that sets its own API
    address (often a dead port, to test "Prefect unreachable") must also tell a Prefect that an
    earlier test in the same worker already imported."""
    if not url:
        return nullcontext()
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: url})
