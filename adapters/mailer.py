"""Email through an outbox: every message is written first (with its idempotency key),
then sent by `deliver_pending`; an SMTP outage leaves it pending for the next sweep.

A message is claimed (pending → sending) in its own transaction before the SMTP call,
so two processes never send the same message. The claim records who holds it (pid, host,
time), so a sender killed mid-send loses nothing:
- at start the service takes back every claim (`release_claims`: it is then the only sender);
- while it runs, a claim older than DEAD_CLAIM_AFTER whose process is gone from this host is
  taken back (`release_abandoned`), and a claim older than CLAIM_TIMEOUT is taken back
  whoever holds it (a sender on another host, or a pid reused by another process);
- `unsent` lists what is still unsent after N minutes (`supervise mail check`).
A message taken back after the SMTP server accepted it (the kill fell between acceptance
and marking it sent) goes out a second time with the same Message-ID, derived from the
idempotency key: a receiving system drops the duplicate.
"""

import hashlib
import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import Row, bindparam, insert, or_, update
from sqlmodel import Session, col, select

from adapters.clock import now
from adapters.db import session_scope
from adapters.holds import hold
from adapters.settings import Settings, get_settings
from models import Document, OutboxMessage

CLAIM_TIMEOUT = timedelta(minutes=10)  # whoever holds it: no send takes this long
DEAD_CLAIM_AFTER = timedelta(minutes=1)  # a claim of a process gone from this host
# Tests only: "claimed:FILE" or "accepted:FILE" holds the sender at that point (after the
# claim; after the SMTP server accepted the message, before it is marked sent), writing its
# pid to FILE, so a test kills it there and not by a race.
TEST_HOLD = "SUPERVISION_TEST_MAIL_HOLD"
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def enqueue(
    s: Session, key: str, recipient: str, recipient_kind: str, subject: str, text: str, html: str,
    case_id: int | None = None, document_ids: list[int] | None = None,
) -> int:
    """Write a message to the outbox once; the same key returns the message already there (its
    id). Core statements, not an ORM object: the portal writes its receipt inside the one turn
    every submit waits for (procedures/portal/submissions._store)."""
    s.flush()  # the session's own pending writes first (a message may name a case just added)
    conn = s.connection()
    existing = conn.execute(_FIND_MESSAGE, {"key": key}).scalar()
    if existing is not None:
        return existing
    return conn.execute(_INSERT_MESSAGE, {
        "idempotency_key": key, "case_id": case_id, "recipient": recipient, "recipient_kind": recipient_kind,
        "subject": subject, "text_body": text, "html_body": html, "document_ids": list(document_ids or []),
        "status": "pending", "attempts": 0, "last_error": "", "created_at": now(),
    }).scalar_one()


_OUTBOX = OutboxMessage.__table__
_FIND_MESSAGE = select(_OUTBOX.c.id).where(_OUTBOX.c.idempotency_key == bindparam("key"))
_INSERT_MESSAGE = insert(_OUTBOX).returning(_OUTBOX.c.id)


def build_email(msg: OutboxMessage | Row, documents: list[Document], settings: Settings) -> EmailMessage:
    """The MIME message: Chinese subject (RFC 2047) and attachment names (RFC 2231) intact; a
    Date (when it is sent, Beijing time) and a Message-ID, both required of an originating
    message (RFC 5322 3.6). The Message-ID is the idempotency key's digest and nothing else
    (no time, pid or random part): every send of one message carries the same one, so a
    receiving system drops a re-delivery."""
    email = EmailMessage()
    email["From"] = settings.mail_from
    name, addr = parseaddr(msg.recipient)
    email["To"] = formataddr((name, addr)) if name else addr
    email["Subject"] = msg.subject
    email["Date"] = format_datetime(now())
    email["Message-ID"] = message_id_for(msg.idempotency_key, settings.mail_from)
    email["X-Idempotency-Key"] = _digest(msg.idempotency_key)  # the same, for filters that read headers
    email.set_content(msg.text_body)
    email.add_alternative(msg.html_body, subtype="html")
    for doc in documents:
        email.add_attachment(doc.content, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=doc.filename)
    return email


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def message_id_for(key: str, mail_from: str) -> str:
    """`<sha256(key)[:32]@domain of the sender>`: the same for every send of one message."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "supervision.local"
    return f"<{_digest(key)}@{domain}>"


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _claim(message_id: int, url: str | None, settings: Settings) -> EmailMessage | None:
    """Claim the message (pending, or a claim gone stale → sending) and build it, in one
    transaction: the claim's UPDATE returns the row (one statement and one commit a message fewer
    than claiming, then reading it — the sweep's round mails hundreds). None: sent, or being sent
    by another process."""
    with session_scope(url) as s:
        conn = s.connection()
        msg = conn.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == message_id)
            .where(or_(_OUTBOX.c.status == "pending",
                       (_OUTBOX.c.status == "sending") & (_OUTBOX.c.claimed_at < now() - CLAIM_TIMEOUT)))
            .values(status="sending", claimed_at=now(), claimed_pid=os.getpid(), claimed_host=_HOST)
            .returning(_OUTBOX.c.idempotency_key, _OUTBOX.c.recipient, _OUTBOX.c.subject, _OUTBOX.c.text_body,
                       _OUTBOX.c.html_body, _OUTBOX.c.document_ids)).first()
        if msg is None:
            return None
        return build_email(msg, [s.get(Document, d) for d in msg.document_ids], settings)


_HOST = socket.gethostname()[:255]


@dataclass
class Unsent:
    id: int
    key: str
    case_id: int | None
    recipient_kind: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    claimed_at: datetime | None
    claimed_by: str  # "pid@host" while claimed


def _take_back(s: Session, ids: list[int]) -> list[Unsent]:
    """Claims back to pending, each only if still claimed by the same holder (a sender that
    finished meanwhile keeps its `sent`); returns the messages taken back, as they were."""
    taken = []
    for m in s.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids))).all() if ids else []:
        before = _unsent(m)
        done = s.exec(update(OutboxMessage)
                      .where(col(OutboxMessage.id) == m.id, col(OutboxMessage.status) == "sending",
                             col(OutboxMessage.claimed_at) == m.claimed_at)
                      .values(status="pending", claimed_at=None, claimed_pid=None, claimed_host=None)
                      .execution_options(synchronize_session=False))
        if done.rowcount == 1:
            taken.append(before)
    return taken


def release_claims(url: str | None = None) -> list[Unsent]:
    """At the service's start: every claim is taken back. No sender of ours is running yet, so
    each one was cut by a stop or a kill; whether the SMTP server accepted the message before
    is unknown, and sending it again (same Message-ID) is the safe side."""
    with session_scope(url) as s:
        ids = list(s.exec(select(OutboxMessage.id).where(OutboxMessage.status == "sending")))
        return _take_back(s, ids)


def release_abandoned(url: str | None = None) -> list[Unsent]:
    """While the service runs: a claim older than DEAD_CLAIM_AFTER whose process is gone from this
    host (the sender was killed) is taken back; one older than CLAIM_TIMEOUT whatever holds it
    (a sender on another host cannot be checked from here; a pid may have been reused)."""
    from adapters.processes import alive

    moment = now()
    with session_scope(url) as s:
        claims = s.exec(select(OutboxMessage.id, OutboxMessage.claimed_at, OutboxMessage.claimed_pid,
                               OutboxMessage.claimed_host)
                        .where(OutboxMessage.status == "sending",
                               col(OutboxMessage.claimed_at) < moment - DEAD_CLAIM_AFTER)).all()
        ids = [i for i, at, pid, host in claims
               if at < moment - CLAIM_TIMEOUT or (host == _HOST and pid is not None and not alive(pid))]
        return _take_back(s, ids)


def unsent(minutes: float, url: str | None = None) -> list[Unsent]:
    """Messages written more than `minutes` ago and not sent yet (pending or claimed)."""
    with session_scope(url) as s:
        rows = s.exec(select(OutboxMessage).where(col(OutboxMessage.status) != "sent",
                                                  col(OutboxMessage.created_at) < now() - timedelta(minutes=minutes))
                      .order_by(OutboxMessage.id))
        return [_unsent(m) for m in rows]


def _unsent(m: OutboxMessage) -> Unsent:
    return Unsent(id=m.id, key=m.idempotency_key, case_id=m.case_id, recipient_kind=m.recipient_kind,
                  subject=m.subject, status=m.status, attempts=m.attempts, last_error=m.last_error,
                  created_at=m.created_at, claimed_at=m.claimed_at,
                  claimed_by=f"{m.claimed_pid}@{m.claimed_host}" if m.claimed_pid else "")


def _hold(point: str) -> None:
    """The test hook (TEST_HOLD): stop here until killed."""
    hold(TEST_HOLD, point)


class _Relay:
    """One SMTP conversation for a delivery round: opened for its first message and kept for the
    next (one connection, STARTTLS and login per round instead of per message: the province's
    sweep mails 230 institutions in one round), closed at the end. After any error it is dropped;
    a message that failed on a conversation already used is tried once more on a new one at once
    (the relay may have ended it: idle timeout, messages per connection), which counts as one try."""

    def __init__(self, settings: Settings):
        self.settings, self.smtp = settings, None  # kept only after a message went through it

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_starttls:
                # Python's default for starttls() is an unverified context: anyone between us and
                # the relay could take the login. Verified here, by the system's CAs or the agency's.
                smtp.starttls(context=ssl.create_default_context(cafile=s.smtp_ca_file or None))
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, email: EmailMessage) -> None:
        if self.smtp is not None:
            try:
                self.smtp.send_message(email)
                return
            except (OSError, smtplib.SMTPException):
                self.close()  # then once more on a new conversation, below
        smtp = self._open()
        try:
            smtp.send_message(email)
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def deliver_pending(
    url: str | None = None, case_id: int | None = None, tries: int = 3, backoff_seconds: float | None = None,
    only: list[int] | None = None,
) -> DeliveryReport:
    """Send every pending message (of one case, or all, or the ids in `only`); each with `tries`
    attempts."""
    settings = get_settings()
    if backoff_seconds is None:
        backoff_seconds = settings.smtp_retry_seconds
    report = DeliveryReport()
    with session_scope(url) as s:
        query = select(OutboxMessage.id).where(col(OutboxMessage.status).in_(["pending", "sending"]))
        if case_id is not None:
            query = query.where(OutboxMessage.case_id == case_id)
        if only is not None:
            query = query.where(col(OutboxMessage.id).in_(only))
        ids = list(s.exec(query.order_by(OutboxMessage.id)))
    relay = _Relay(settings)
    try:
        for message_id in ids:
            _deliver_one(message_id, url, settings, relay, tries, backoff_seconds, report)
    finally:
        relay.close()
    return report


def _deliver_one(message_id: int, url: str | None, settings: Settings, relay: _Relay, tries: int,
                 backoff_seconds: float, report: DeliveryReport) -> None:
    email = _claim(message_id, url, settings)
    if email is None:
        return  # sent, or being sent by another process
    _hold("claimed")
    error = ""
    for attempt in range(tries):
        try:
            relay.send(email)
            error = ""
            break
        except (OSError, smtplib.SMTPException) as exc:
            # Only the class and SMTP's own words: never credentials or the body.
            error = f"{type(exc).__name__}: {exc}"[:300]
            if attempt + 1 < tries:
                time.sleep(backoff_seconds * (2**attempt))
    if not error:
        _hold("accepted")
    # attempts counts delivery rounds, each of up to `tries` SMTP attempts; one statement.
    outcome = {"status": "pending", "claimed_at": None, "last_error": error} if error else \
        {"status": "sent", "sent_at": now(), "last_error": ""}
    with session_scope(url) as s:
        s.connection().execute(update(_OUTBOX).where(_OUTBOX.c.id == message_id)
                               .values(attempts=_OUTBOX.c.attempts + 1, claimed_pid=None, claimed_host=None, **outcome))
    (report.pending if error else report.sent).append(message_id)
    if error:
        report.errors.append(error)
