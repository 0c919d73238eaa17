"""The app's settings for a test: environment variables set, the cached settings and engine
dropped, and everything restored afterwards."""

import os
from contextlib import contextmanager


def _reset() -> None:
    from adapters import db, settings

    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()


@contextmanager
def app_env(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    _reset()
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _reset()
