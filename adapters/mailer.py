"""Email through an outbox: every message is written first (with its idempotency key),
then sent by `deliver_pending`; an SMTP outage leaves it pending for the next sweep.

A message is claimed (pending → sending) in its own transaction before the SMTP call,
so two processes never send the same message; a claim older than CLAIM_TIMEOUT (the
sender died mid-send) is released back to pending.
"""

import hashlib
import smtplib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from sqlalchemy import bindparam, insert, or_, update
from sqlmodel import Session, col, select

from adapters.clock import now
from adapters.db import session_scope
from adapters.settings import Settings, get_settings
from models import Document, OutboxMessage

CLAIM_TIMEOUT = timedelta(minutes=10)
DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def enqueue(
    s: Session, key: str, recipient: str, recipient_kind: str, subject: str, text: str, html: str,
    case_id: int | None = None, document_ids: list[int] | None = None,
) -> int:
    """Write a message to the outbox once; the same key returns the message already there (its
    id). Core statements, not an ORM object: the portal writes its receipt inside the one turn
    every submit waits for (procedures/portal_submissions._store)."""
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


def build_email(msg: OutboxMessage, documents: list[Document], settings: Settings) -> EmailMessage:
    """The MIME message: Chinese subject (RFC 2047) and attachment names (RFC 2231) intact; a
    Date (when it is sent, Beijing time) and a Message-ID fixed by the idempotency key (a
    re-delivery carries the same one), both required of an originating message (RFC 5322 3.6)."""
    email = EmailMessage()
    email["From"] = settings.mail_from
    name, addr = parseaddr(msg.recipient)
    email["To"] = formataddr((name, addr)) if name else addr
    email["Subject"] = msg.subject
    email["Date"] = format_datetime(now())
    digest = hashlib.sha1(msg.idempotency_key.encode()).hexdigest()
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "supervision.local"
    email["Message-ID"] = make_msgid(idstring=digest, domain=domain)
    email["X-Idempotency-Key"] = digest  # lets a receiving system drop a re-delivery
    email.set_content(msg.text_body)
    email.add_alternative(msg.html_body, subtype="html")
    for doc in documents:
        email.add_attachment(doc.content, maintype=DOCX_TYPE[0], subtype=DOCX_TYPE[1], filename=doc.filename)
    return email


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _claim(message_id: int, url: str | None) -> bool:
    with session_scope(url) as s:
        stale = now() - CLAIM_TIMEOUT
        result = s.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .where(or_(col(OutboxMessage.status) == "pending",
                       (col(OutboxMessage.status) == "sending") & (col(OutboxMessage.claimed_at) < stale)))
            .values(status="sending", claimed_at=now())
        )
        return result.rowcount == 1


def _smtp_send(email: EmailMessage, settings: Settings) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(email)


def deliver_pending(
    url: str | None = None, case_id: int | None = None, tries: int = 3, backoff_seconds: float = 0.5,
) -> DeliveryReport:
    """Send every pending message (of one case, or all); each with `tries` attempts."""
    settings = get_settings()
    report = DeliveryReport()
    with session_scope(url) as s:
        query = select(OutboxMessage.id).where(col(OutboxMessage.status).in_(["pending", "sending"]))
        if case_id is not None:
            query = query.where(OutboxMessage.case_id == case_id)
        ids = list(s.exec(query.order_by(OutboxMessage.id)))
    for message_id in ids:
        if not _claim(message_id, url):
            continue  # sent, or being sent by another process
        with session_scope(url) as s:
            msg = s.get(OutboxMessage, message_id)
            docs = [s.get(Document, d) for d in msg.document_ids]
            email = build_email(msg, docs, settings)
        error = ""
        for attempt in range(tries):
            try:
                _smtp_send(email, settings)
                error = ""
                break
            except (OSError, smtplib.SMTPException) as exc:
                # Only the class and SMTP's own words: never credentials or the body.
                error = f"{type(exc).__name__}: {exc}"[:300]
                if attempt + 1 < tries:
                    time.sleep(backoff_seconds * (2**attempt))
        with session_scope(url) as s:
            msg = s.get(OutboxMessage, message_id)
            msg.attempts += 1  # delivery rounds, each of up to `tries` SMTP attempts
            if error:
                msg.status, msg.claimed_at, msg.last_error = "pending", None, error
                report.pending.append(message_id)
                report.errors.append(error)
            else:
                msg.status, msg.sent_at, msg.last_error = "sent", now(), ""
                report.sent.append(message_id)
            s.add(msg)
    return report
