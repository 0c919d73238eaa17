"""Environment for the Prefect server and the runner: one place, used by `make run` and tests."""

import os
from pathlib import Path

# Prefect's basic authentication (a shared server): the server checks the first, every
# client (runner, run processes, portal, run watch, CLI) sends the second.
SERVER_AUTH = "PREFECT_SERVER_API_AUTH_STRING"
CLIENT_AUTH = "PREFECT_API_AUTH_STRING"


def auth_env(source: dict) -> dict:
    """The auth strings to pass on, from the environment or `.env`: each only when set (an
    empty one would switch the server's check on with an empty password); a client string
    defaults to the server's, so the service's own clients are let in."""
    server = source.get(SERVER_AUTH) or ""
    client = source.get(CLIENT_AUTH) or server
    return {k: v for k, v in ((SERVER_AUTH, server), (CLIENT_AUTH, client)) if v}


def _dotenv() -> dict:
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(".env").items() if k in (SERVER_AUTH, CLIENT_AUTH) and v}


def prefect_env(api_url: str, prefect_home: Path, extra: dict | None = None) -> dict:
    """Results persisted by default, so a flow replayed after a resume finds its task results."""
    env = {k: v for k, v in os.environ.items() if k not in (SERVER_AUTH, CLIENT_AUTH)}
    env.update(auth_env(_dotenv() | {k: v for k, v in os.environ.items() if v} | (extra or {})))
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
    env.update(_plain_http_ca(env["PREFECT_API_URL"], prefect_home, env))
    for key in (SERVER_AUTH, CLIENT_AUTH):
        if not env.get(key):
            env.pop(key, None)
    return env


def _plain_http_ca(api_url: str, prefect_home: Path, env: dict) -> dict:
    """A one-certificate CA file for Prefect's clients when its API is plain HTTP (the embedded
    default on 127.0.0.1). Prefect builds a TLS context and loads its CA bundle into it for every
    client it makes — 10 in each run process, ~370 ms of CPU per leg of a flow — though an
    http:// API never opens a TLS connection. An https API, or a CA file set by the operator,
    is left as it is."""
    import re

    if not api_url.startswith("http://") or env.get("PREFECT_API_SSL_CERT_FILE"):
        return {}
    path = prefect_home / "unused-ca.pem"
    if not path.exists():
        import certifi

        bundle = Path(certifi.where()).read_text(encoding="ascii")
        first = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", bundle, re.S).group(0)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(first, encoding="ascii")
        tmp.replace(path)  # two processes writing it at once each leave a whole file
    return {"PREFECT_API_SSL_CERT_FILE": str(path)}


def portal_command(python: str) -> list[str]:
    return [python, "-m", "portal"]


def server_command(python: str, host: str, port: int) -> list[str]:
    return [python, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]


def runner_command(python: str, module: str = "deployments.serve") -> list[str]:
    return [python, "-m", module]
