"""The outbox against a real SMTP server on 127.0.0.1: once, never lost, Chinese intact."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from adapters import settings as settings_module
from adapters.clock import now
from adapters.db import session_scope, upgrade
from adapters.mailer import deliver_pending, enqueue
from adapters.smtp_catcher import EmlStore, SmtpCatcher
from models import Document, OutboxMessage
from tests.postgres_server import free_port


@pytest.fixture
def mail_env(tmp_path, monkeypatch, sqlite_url):
    port = free_port()
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(port))
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    settings_module.get_settings.cache_clear()
    upgrade(sqlite_url)
    catcher = SmtpCatcher(tmp_path / "mail", port=port, echo=False)
    yield sqlite_url, catcher
    catcher.stop()
    settings_module.get_settings.cache_clear()


def _queue(url, key="k1", with_doc=False):
    with session_scope(url) as s:
        doc_ids = []
        if with_doc:
            from cli.demo_data import add_agencies
            add_agencies(s)
            doc = Document(idempotency_key="d1", agency_id="PROV", kind="reminder_letter", number="鲁就人督〔2026〕1号",
                           title="提醒函", filename="关于某机构的提醒函（鲁就人督〔2026〕1号）.docx",
                           issued_on=now().date(), html="<p>x</p>", content=b"PK-docx-bytes")
            s.add(doc)
            s.flush()
            doc_ids = [doc.id]
        return enqueue(s, key, "评价机构 <inst@example.cn>", "institution", "【提醒函】鲁就人督〔2026〕1号",
                       "正文", "<p>正文</p>", document_ids=doc_ids)


def test_enqueue_twice_with_one_key_writes_one_message(mail_env):
    url, _ = mail_env
    assert _queue(url) == _queue(url)
    with session_scope(url) as s:
        assert len(s.exec(select(OutboxMessage)).all()) == 1


def test_chinese_subject_and_attachment_name_arrive_intact(mail_env, tmp_path):
    url, catcher = mail_env
    catcher.start()
    _queue(url, with_doc=True)
    assert len(deliver_pending(url).sent) == 1
    raw = next((tmp_path / "mail").glob("*.eml")).read_bytes()
    assert b"=?utf-8?" in raw.lower()  # RFC 2047 encoded-word in the Subject
    # RFC 2231 parameter for the attachment, possibly split into continuations (filename*0*=…)
    assert re.search(rb"filename\*(0\*)?=utf-8''", raw, re.IGNORECASE)
    (msg,) = catcher.messages
    assert msg["Subject"] == "【提醒函】鲁就人督〔2026〕1号"
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "关于某机构的提醒函（鲁就人督〔2026〕1号）.docx"
    assert att.get_content() == b"PK-docx-bytes"


def test_every_mail_carries_a_date_and_a_message_id(mail_env):
    from email.utils import parsedate_to_datetime

    url, catcher = mail_env
    catcher.start()
    _queue(url)
    deliver_pending(url)
    (msg,) = catcher.messages
    sent = parsedate_to_datetime(msg["Date"])
    assert abs((sent - now()).total_seconds()) < 120 and sent.utcoffset() == timedelta(hours=8)
    assert re.fullmatch(r"<[^@<>]+@[^@<>]+>", msg["Message-ID"])


def test_smtp_outage_leaves_message_pending_then_sent_exactly_once(mail_env):
    url, catcher = mail_env
    _queue(url)
    report = deliver_pending(url, tries=2, backoff_seconds=0.01)  # nobody listening
    assert report.sent == [] and len(report.pending) == 1
    with session_scope(url) as s:
        msg = s.exec(select(OutboxMessage)).one()
        assert (msg.status, msg.attempts) == ("pending", 1) and "Connection" in msg.last_error
    catcher.start()
    assert len(deliver_pending(url).sent) == 1
    assert deliver_pending(url).sent == []
    assert len(catcher.messages) == 1


def test_message_claimed_by_another_sender_is_left_alone_until_the_claim_is_stale(mail_env):
    url, catcher = mail_env
    catcher.start()
    message_id = _queue(url)
    with session_scope(url) as s:
        msg = s.get(OutboxMessage, message_id)
        msg.status, msg.claimed_at = "sending", now()
        s.add(msg)
    assert deliver_pending(url).sent == [] and catcher.messages == []
    with session_scope(url) as s:
        s.get(OutboxMessage, message_id).claimed_at = now() - timedelta(minutes=11)
    assert deliver_pending(url).sent == [message_id] and len(catcher.messages) == 1


class _PeerStore(EmlStore):
    """The catcher's store, remembering which connection (the client's port) carried each message;
    with `per_connection`, a relay that refuses a further message on a connection (421, as relays
    limit messages per connection)."""

    def __init__(self, folder, per_connection: int | None = None):
        super().__init__(folder, echo=False)
        self.peers, self.per_connection, self.refused = [], per_connection, 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.per_connection is not None and self.peers.count(session.peer) >= self.per_connection:
            self.refused += 1
            return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def _catcher_with(store, port) -> SmtpCatcher:
    return SmtpCatcher(store.folder, port=port, store=store).start()


def test_a_delivery_round_sends_its_mails_over_one_smtp_conversation(mail_env, tmp_path):
    url, _ = mail_env
    store = _PeerStore(tmp_path / "peers")
    catcher = _catcher_with(store, settings_module.get_settings().smtp_port)
    try:
        for key in ("k1", "k2", "k3"):
            _queue(url, key)
        assert len(deliver_pending(url).sent) == 3
    finally:
        catcher.stop()
    assert len(store.peers) == 3 and len(set(store.peers)) == 1, store.peers


def test_a_relay_that_ends_the_conversation_gets_the_next_mail_on_a_new_one_without_losing_it(mail_env, tmp_path):
    url, _ = mail_env
    store = _PeerStore(tmp_path / "peers", per_connection=1)
    catcher = _catcher_with(store, settings_module.get_settings().smtp_port)
    try:
        for key in ("k1", "k2", "k3"):
            _queue(url, key)
        report = deliver_pending(url, tries=1)  # only the new conversation can carry the 2nd and 3rd
    finally:
        catcher.stop()
    assert (len(report.sent), report.pending, report.errors) == (3, [], [])
    assert store.refused == 2 and len(set(store.peers)) == 3
    with session_scope(url) as s:
        assert {(m.status, m.attempts) for m in s.exec(select(OutboxMessage))} == {("sent", 1)}


def _self_signed(tmp_path):
    """A relay certificate for 127.0.0.1 that no system CA signed: (cert file, key file)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "市局邮件中继")])
    moment = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(moment - datetime.timedelta(hours=1))
            .not_valid_after(moment + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "relay.pem", tmp_path / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_relay(mail_env, tmp_path, monkeypatch):
    """A relay on 127.0.0.1 that requires STARTTLS, with a certificate of its own CA."""
    import ssl

    from aiosmtpd.controller import Controller

    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    store = EmlStore(tmp_path / "tls-mail", echo=False)
    monkeypatch.setenv("SUPERVISION_SMTP_STARTTLS", "true")
    settings_module.get_settings.cache_clear()
    relay = Controller(store, hostname="127.0.0.1", port=settings_module.get_settings().smtp_port,
                       tls_context=context, require_starttls=True)
    relay.start()
    yield mail_env[0], store, cert_file
    relay.stop()


def test_starttls_sends_nothing_to_a_relay_whose_certificate_cannot_be_verified(tls_relay):
    url, store, _ = tls_relay
    _queue(url)
    report = deliver_pending(url, tries=1)
    assert report.sent == [] and len(report.pending) == 1 and "CERTIFICATE_VERIFY_FAILED" in report.errors[0]
    assert store.messages == []
    with session_scope(url) as s:
        assert s.exec(select(OutboxMessage)).one().status == "pending"  # kept, for when it is configured


def test_starttls_sends_to_a_relay_certified_by_the_agencys_own_ca(tls_relay, monkeypatch):
    url, store, cert_file = tls_relay
    monkeypatch.setenv("SUPERVISION_SMTP_CA_FILE", str(cert_file))
    settings_module.get_settings.cache_clear()
    _queue(url)
    assert len(deliver_pending(url, tries=1).sent) == 1
    assert [m["Subject"] for m in store.messages] == ["【提醒函】鲁就人督〔2026〕1号"]
