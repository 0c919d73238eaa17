"""The embedded mail server: an aiosmtpd catcher that stores every message as an .eml file."""

import email
import email.policy
import itertools
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class EmlStore:
    """aiosmtpd handler: write each message to `folder` and remember it."""

    def __init__(self, folder: Path, echo: bool = True):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()
        self._counter = itertools.count(len(list(self.folder.glob("*.eml"))) + 1)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            n = next(self._counter)
            (self.folder / f"{n:06d}.eml").write_bytes(raw)
            self.messages.append(msg)
        if self.echo:
            # One line per message; never the body (records stay private, 第八条).
            print(f"[mail] #{n} to {', '.join(envelope.rcpt_tos)}: {msg['subject']}", flush=True)
        return "250 Message accepted for delivery"


class SmtpCatcher:
    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025, echo: bool = True,
                 store: EmlStore | None = None):
        self.store = store or EmlStore(folder, echo)  # a store of the caller's: a test relay's behaviour
        self.host, self.port = host, port
        self._controller: Controller | None = None

    @property
    def messages(self):
        return self.store.messages

    def start(self) -> "SmtpCatcher":
        self._controller = Controller(self.store, hostname=self.host, port=self.port,
                                      decode_data=False, enable_SMTPUTF8=True)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None
