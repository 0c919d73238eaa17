"""Environment for the Prefect server and the runner: one place, used by `make run` and tests."""

import os
from pathlib import Path


def prefect_env(api_url: str, prefect_home: Path, extra: dict | None = None) -> dict:
    """Results persisted by default, so a flow replayed after a resume finds its task results."""
    env = dict(os.environ)
    env.update({
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_LOCAL_STORAGE_PATH": str(prefect_home / "storage"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_RUNNER_POLL_FREQUENCY": env.get("PREFECT_RUNNER_POLL_FREQUENCY", "2"),  # resumes start within 2 s
        "PREFECT_LOGGING_LEVEL": env.get("PREFECT_LOGGING_LEVEL", "INFO"),
    })
    env.update(extra or {})
    return env


def server_command(python: str, host: str, port: int) -> list[str]:
    return [python, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]


def runner_command(python: str, module: str = "deployments.serve") -> list[str]:
    return [python, "-m", module]
