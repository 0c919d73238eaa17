"""`make run`: the whole service on embedded defaults, in the foreground.

Database upgraded to head; the local SMTP catcher (var/mail/*.eml, one line per message);
a Prefect server with its UI on 127.0.0.1:4200 (its own SQLite under var/prefect);
every deployment served, the daily deadline sweep included. One Ctrl-C stops all of it.
"""

import signal
import subprocess
import sys
import time
import urllib.request

from adapters.db import database_url, upgrade
from adapters.settings import get_settings
from adapters.smtp_catcher import SmtpCatcher
from deployments.environment import prefect_env, runner_command, server_command

HOST, PORT = "127.0.0.1", 4200


def wait_healthy(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"Prefect server did not answer at {url} within {seconds:.0f} s")


def _stop(signum, _frame):
    raise KeyboardInterrupt


def _child_signals() -> None:
    # A process started in the background of a non-interactive shell inherits SIGINT
    # *ignored*; children get the default back so that Ctrl-C reaches them too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def main() -> None:
    # Ctrl-C or a service manager's SIGTERM: stop everything, whatever we inherited.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    settings = get_settings()
    upgrade()
    print(f"[db] upgraded to head: {database_url().split('@')[-1]}", flush=True)
    catcher = SmtpCatcher(settings.resolved_mail_dir(), settings.smtp_host, settings.smtp_port).start()
    print(f"[mail] SMTP catcher on {settings.smtp_host}:{settings.smtp_port} → {settings.resolved_mail_dir()}",
          flush=True)
    api = f"http://{HOST}:{PORT}/api"
    env = prefect_env(api, settings.var_dir / "prefect")
    children = [subprocess.Popen(server_command(sys.executable, HOST, PORT), env=env, preexec_fn=_child_signals)]
    try:
        wait_healthy(api)
        print(f"[prefect] UI: http://{HOST}:{PORT}  ·  sample data: .venv/bin/supervise demo-data", flush=True)
        children.append(subprocess.Popen(runner_command(sys.executable), env=env, preexec_fn=_child_signals))
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in reversed(children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        catcher.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    main()
