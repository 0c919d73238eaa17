"""`make run`: the whole service on embedded defaults, in the foreground.

Database upgraded to head; the local SMTP catcher (var/mail/*.eml, one line per message);
a Prefect server with its UI on 127.0.0.1:4200 (its database a PostgreSQL cluster in
var/prefect-pg when the machine has the server binaries, else SQLite under var/prefect);
every deployment served, the daily deadline sweep included; the portal (one-time links for
people outside the agency) on 127.0.0.1:4300.

Stops and crashes lose nothing:
- One Ctrl-C, or one SIGTERM to make, to this process or to the whole process group, stops
  everything within 10 s. The children live in sessions of their own, so only this process
  gets the signal, and it stops them in order: the runner first — frozen (SIGSTOP), so it
  neither starts a leg nor cancels one ("Runner is shutting down" would cancel the case) —
  then the legs in flight get a few seconds to finish, whatever is left is cut, and a cut
  leg is continued at the next start; then the server, PostgreSQL, the mail catcher.
- A SIGKILL to this process takes the server and the runner with it (PR_SET_PDEATHSIG); a
  watchdog (deployments/watchdog.py, in a session of its own) then kills the run legs in
  flight and stops PostgreSQL; anything an earlier instance still left behind carries the
  service mark and is killed at start, and a PostgreSQL still running is reused.
- At start, and every few seconds, runs whose process is gone are continued
  (procedures/casework/run_health.py).
- Mail survives a kill (adapters/mailer.py): at start every outbox claim is taken back (no
  sender is running yet), and every few seconds a claim older than a minute whose process
  is gone; what is taken back is sent from here at once, with the same Message-ID.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from adapters import mailer, processes
from adapters.db import database_url, upgrade
from adapters.settings import Settings, get_settings
from adapters.smtp_catcher import SmtpCatcher
from deployments.environment import (
    CLIENT_AUTH,
    portal_command,
    prefect_env,
    runner_command,
    server_command,
)
from deployments.postgres import LocalPostgres, find_bin_dir
from procedures.portal import resumes


def wait_healthy(url: str, seconds: float = 120, process: subprocess.Popen | None = None,
                 path: str = "/health") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}{path}", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def say(tag: str, text: str) -> None:
    print(f"[{tag}] {text}", flush=True)


class Service:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.mark = processes.mark_value(settings.var_dir)
        self.stopping = threading.Event()
        # Set by the signal handler, which must not touch the Event: a handler runs in the main
        # thread between two bytecodes, possibly while that thread holds the Event's lock inside
        # wait() or set(); Event.set() there deadlocked a stop for good (seen in CI: SIGINT, then
        # the group's SIGTERM and make's forwarded one, the main thread parked in Event.wait).
        self.signalled = ""
        self.server: subprocess.Popen | None = None
        self.runners: list[subprocess.Popen] = []  # the runner serving the deployments (deployments/pool.py: workers)
        self.portal: subprocess.Popen | None = None
        self.postgres: LocalPostgres | None = None
        self.catcher: SmtpCatcher | None = None
        self.watch: threading.Thread | None = None
        self.mail_taken_back: list[int] = []

    # -- start ---------------------------------------------------------------------------
    def start(self) -> None:
        s = self.settings
        os.environ[processes.MARK] = self.mark  # every child inherits it, and passes it on
        left = processes.kill_marked(self.mark)
        if left:
            say("start", f"stopped {len(left)} process(es) an earlier run left behind: {left}")
        upgrade()
        say("db", f"upgraded to head: {database_url().split('@')[-1]}")
        self.mail_taken_back = [m.id for m in mailer.release_claims()]  # this is the only sender now
        if self.mail_taken_back:
            say("mail", f"took back {len(self.mail_taken_back)} message(s) a stopped sender had claimed")
        resumes_taken_back = resumes.release_claims()  # and its portal the only one resuming runs
        if resumes_taken_back:
            say("portal", f"took back {len(resumes_taken_back)} resume(s) a stopped portal had claimed")
        self.catcher = SmtpCatcher(s.resolved_mail_dir(), s.smtp_host, s.smtp_port).start()
        say("mail", f"SMTP catcher on {s.smtp_host}:{s.smtp_port} → {s.resolved_mail_dir()}")
        api = s.prefect_api_url()
        home = s.var_dir / "prefect"
        env = prefect_env(api, home, {processes.MARK: self.mark,
                                      "PREFECT_SERVER_DATABASE_CONNECTION_URL": self._prefect_database(home)})
        os.environ.update(PREFECT_API_URL=api, PREFECT_HOME=str(home))  # this process's client (run watch)
        if CLIENT_AUTH in env:
            os.environ[CLIENT_AUTH] = env[CLIENT_AUTH]
        self.server = subprocess.Popen(server_command(sys.executable, s.prefect_host, s.prefect_port), env=env,
                                       preexec_fn=processes.child_setup)
        wait_healthy(api, process=self.server)
        self._continue_stranded(grace=0)  # no run of ours is alive yet: every Running one was cut
        self._start_runners(env)
        say("prefect", f"UI: http://{s.prefect_host}:{s.prefect_port}  ·  sample data: .venv/bin/supervise demo-data")
        self.portal = subprocess.Popen(portal_command(sys.executable), env=env, preexec_fn=processes.child_setup)
        wait_healthy(f"http://{s.portal_host}:{s.portal_port}", process=self.portal, path="/healthz")
        say("portal", f"{s.resolved_portal_url()} (one-time links for supervisors and institutions)")
        self.watch = threading.Thread(target=self._watch, name="run-watch", daemon=True)
        self.watch.start()

    def _start_runners(self, env: dict) -> None:
        self.runners = [subprocess.Popen(runner_command(sys.executable), env=env, preexec_fn=processes.child_setup)]

    def _prefect_database(self, home) -> str:
        choice = self.settings.prefect_database
        if choice == "postgres" or (choice == "auto" and find_bin_dir() is not None):
            self.postgres = LocalPostgres(self.settings.var_dir / "prefect-pg").start(owner=os.getpid())
            self._start_watchdog(self.postgres.root)
            self.postgres.create_database("prefect", exist_ok=True)
            self._load_restored_prefect(self.postgres.url("prefect"))
            say("prefect", f"database: PostgreSQL on 127.0.0.1:{self.postgres.port} ({self.postgres.data})")
            return self.postgres.url("prefect", driver="asyncpg")
        home.mkdir(parents=True, exist_ok=True)
        say("prefect", "database: SQLite (no PostgreSQL server binaries found; fine for a few cases at once)")
        return f"sqlite+aiosqlite:///{home / 'prefect.db'}"

    def _load_restored_prefect(self, url: str) -> None:
        """A restore (procedures/backups/restore.py) leaves Prefect's PostgreSQL dump for the
        first start to load into the new cluster's empty database; then it is removed."""
        from adapters.backup import pg_restore
        from procedures.backups.sources import PREFECT_RESTORE

        dump = self.settings.var_dir / PREFECT_RESTORE
        if dump.is_file():
            pg_restore(url, dump)
            dump.unlink()
            say("prefect", "loaded the Prefect database from the restored backup")

    def _start_watchdog(self, pg_root) -> None:
        env = {k: v for k, v in os.environ.items() if k != processes.MARK}  # a new start must not kill it
        subprocess.Popen([sys.executable, "-m", "deployments.watchdog", str(os.getpid()), self.mark, str(pg_root)],
                         env=env, start_new_session=True, stdin=subprocess.DEVNULL)

    # -- stranded runs ---------------------------------------------------------------------
    def _continue_stranded(self, grace: float | None = None) -> None:
        from procedures.casework import run_health

        kw = {} if grace is None else {"grace": grace}
        findings = run_health.check(stranded_only=True, **kw)
        for f in run_health.repair(findings):
            say("runs", f"continued {f.named} (run {f.run_id[:8]}): {f.problem}")

    def _watch(self) -> None:
        while not self.stopping.wait(self.settings.run_watch_seconds):
            try:
                self._continue_stranded()
            except Exception as exc:  # noqa: BLE001 — the server may be busy; look again next time
                say("runs", f"watch skipped: {type(exc).__name__}: {exc}")
            try:
                self._mail_taken_back()
            except Exception as exc:  # noqa: BLE001 — the database may be busy; look again next time
                say("mail", f"watch skipped: {type(exc).__name__}: {exc}")

    def _mail_taken_back(self) -> None:
        """Send what was taken back from a killed sender (at start, or a dead claim now): for a
        closed case nobody else would send it before the next day's sweep."""
        for m in mailer.release_abandoned():
            say("mail", f"took back message {m.id} ({m.key}) from {m.claimed_by or 'a sender'} that is gone")
            self.mail_taken_back.append(m.id)
        if self.mail_taken_back:
            report = mailer.deliver_pending(only=self.mail_taken_back, tries=1)
            if report.sent:
                say("mail", f"sent {len(report.sent)} message(s) taken back")
            self.mail_taken_back = report.pending  # an SMTP outage: again next round

    # -- run and stop ------------------------------------------------------------------------
    def wait(self) -> None:
        while not (self.stopping.is_set() or self.signalled) and self._children_running():
            time.sleep(0.5)  # not Event.wait: a signal may arrive now (see `signalled`)
        if self.signalled:
            say("stop", f"{self.signalled} received, stopping")

    def _children_running(self) -> bool:
        """False (and says which) once a child the service cannot do without has exited."""
        return self._all_running((("server", self.server), *(("runner", r) for r in self.runners),
                                  ("portal", self.portal)))

    @staticmethod
    def _all_running(children) -> bool:
        for name, child in children:
            if child is not None and child.poll() is not None:
                say("stop", f"the {name} exited ({child.returncode}); stopping the service")
                return False
        return True

    def stop(self) -> None:
        self.stopping.set()
        started = time.monotonic()
        runners = [r for r in self.runners if r.poll() is None]
        if runners:
            for runner in runners:
                runner.send_signal(signal.SIGSTOP)
            legs = [leg for runner in runners for leg in processes.children(runner.pid)]
            cut = processes.wait_gone(legs, self.settings.stop_grace_seconds)
            processes.signal_all([*(r.pid for r in runners), *cut], signal.SIGKILL)
            for runner in runners:
                runner.wait()
            processes.wait_gone(cut, 2)
            say("stop", f"runner stopped; {len(legs) - len(cut)} run leg(s) finished, "
                        f"{len(cut)} cut (continued at the next start)")
        if self.portal is not None and self.portal.poll() is None:
            self.portal.terminate()  # uvicorn finishes the requests in flight
            try:
                self.portal.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.portal.kill()
                self.portal.wait()
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=4)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        if self.postgres is not None:
            with self.postgres.lock():
                self.postgres.stop("fast")
                self.postgres.set_owner(None)  # stopped in order: the watchdog has nothing to do
        if self.catcher is not None:
            self.catcher.stop()
        stray = processes.kill_marked(self.mark)
        if stray:
            say("stop", f"killed {len(stray)} stray process(es): {stray}")
        say("stop", f"stopped in {time.monotonic() - started:.1f} s")


def main(service_class: type[Service] = Service) -> None:
    service = service_class(get_settings())

    def on_signal(signum, _frame):
        # Only a plain attribute, nothing that takes a lock or writes to a stream (the main
        # thread may be inside either); a second signal (make forwards SIGTERM to us, and a
        # group SIGTERM reaches us as well) must not interrupt the ordered stop.
        if not service.signalled:
            service.signalled = signal.Signals(signum).name

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        service.start()
        service.wait()
    finally:
        service.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    main()
