"""A province-year (issue 20, part 5): the SMTP catcher's folder read as mail arrives.

Each message is parsed once (the folder holds thousands by the end); a daily inspection's
dispatch notice (第十五条(一)1, 督导派遣通知) gives the supervisor's address, the portal link and
the assignment code that the record form (附件3) asks for.
"""

import email
import email.policy
import re
import threading
import time
from pathlib import Path

from tests.flows import harness as h

LINK = re.compile(r"https?://\S+/l/[A-Za-z0-9_-]{43}")
NOTICE = "【督导派遣通知】"


class MailIndex:
    def __init__(self, folder: Path):
        self.folder, self.seen, self.keys = folder, set(), []
        self.notices: dict[str, tuple[str, str, str]] = {}  # batch → (address, link, assignment code)
        self.lock = threading.Lock()

    def scan(self) -> None:
        with self.lock:
            for path in sorted(self.folder.glob("*.eml")):
                if path.name in self.seen:
                    continue
                self.seen.add(path.name)
                m = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                self.keys.append(m["X-Idempotency-Key"])
                subject = m["Subject"] or ""
                if subject.startswith(NOTICE):
                    batch = subject[len(NOTICE):].split()[0]
                    body = m.get_body(("plain",)).get_content()
                    self.notices[batch] = (m["To"].addresses[0].addr_spec, LINK.search(body).group(0),
                                           h.assignment_code(m))

    def notice(self, batch: str, timeout: float = 120) -> tuple[str, str, str]:
        """The dispatch notice of `batch` (delivered just after the run's transaction)."""
        deadline = time.monotonic() + timeout
        while batch not in self.notices:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no dispatch notice of {batch} within {timeout:.0f} s")
            time.sleep(0.5)
            self.scan()
        return self.notices[batch]

    def doubled(self) -> int:
        """Messages delivered more than once (the same idempotency key)."""
        self.scan()
        return len(self.keys) - len(set(self.keys))
