"""The portal's retry loop: hands stored submissions to their waiting runs (now, when poked
after a submit, and every few seconds while Prefect refuses or is down) and sends the
receipt mail. The daily sweep does the same as a backstop; database claims keep the two
from doing anything twice."""

import logging
import threading
import time

from adapters import mailer
from procedures.portal import resumes as portal_resumes

log = logging.getLogger("portal.resume")


class Resumer:
    def __init__(self, interval: float, quiet: float = 0.0, longest: float = 2.0):
        self.interval, self.quiet, self.longest = interval, quiet, longest
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="portal-resume", daemon=True)
        self._last_waiting = 0

    def start(self) -> "Resumer":
        self._thread.start()
        return self

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=2)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            self._settle()
            if self._stop.is_set():
                break
            self.round()

    def _settle(self) -> None:
        """Let a burst of submits finish first (no poke for `quiet` seconds, at most `longest`):
        a resume costs CPU here (Prefect's client) and on the server and runner (the run's new
        process), which would otherwise slow the submits still being parsed and stored."""
        started = time.monotonic()
        while self.quiet and time.monotonic() - started < self.longest and self._wake.wait(self.quiet):
            self._wake.clear()
            if self._stop.is_set():
                return

    def round(self) -> None:
        try:
            report = portal_resumes.resume_pending()
            if report.resumed or len(report.waiting) != self._last_waiting:
                log.info("resumed %d run(s); %d waiting for Prefect", len(report.resumed), len(report.waiting))
            self._last_waiting = len(report.waiting)
        except Exception as exc:  # noqa: BLE001 — the database or Prefect may be busy; next round
            log.warning("resume round skipped: %s", type(exc).__name__)
        try:
            mailer.deliver_pending(tries=1)
        except Exception as exc:  # noqa: BLE001 — SMTP down: the mail stays in the outbox
            log.warning("mail round skipped: %s", type(exc).__name__)
