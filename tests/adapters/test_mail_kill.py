"""Mail survives a kill: a real sender process is SIGKILLed at a chosen point (held there by
the mailer's test hook, so the kill is no race), against a real SMTP server on 127.0.0.1 and a
real database; after recovery the mail arrives, once or twice with one Message-ID."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapters import mailer
from adapters import settings as settings_module
from adapters.clock import now
from adapters.db import session_scope, upgrade
from adapters.settings import PROJECT_ROOT
from adapters.smtp_catcher import SmtpCatcher
from models import OutboxMessage
from tests.postgres_server import free_port

SENDER = "import sys; from adapters.mailer import deliver_pending; deliver_pending(sys.argv[1])"


@pytest.fixture
def outbox(tmp_path, monkeypatch, db_url):
    port = free_port()
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(port))
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    settings_module.get_settings.cache_clear()
    upgrade(db_url)
    catcher = SmtpCatcher(tmp_path / "mail", port=port, echo=False).start()
    with session_scope(db_url) as s:
        message_id = mailer.enqueue(s, "agency-notice-7", "委派机构 <agency@example.gov.cn>", "agency",
                                    "【处理决定】案件7", "正文", "<p>正文</p>")
    yield db_url, catcher, message_id, port
    catcher.stop()
    settings_module.get_settings.cache_clear()


def _killed_at(point: str, url: str, port: int, tmp_path: Path) -> int:
    """Start a real sender, wait until it is held at `point`, SIGKILL it; its pid."""
    held = tmp_path / f"held-{point}"
    env = os.environ | {"SUPERVISION_SMTP_PORT": str(port), "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
                        mailer.TEST_HOLD: f"{point}:{held}"}
    sender = subprocess.Popen([sys.executable, "-c", SENDER, url], env=env, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert sender.poll() is None, f"the sender exited ({sender.returncode}) before {point}"
            assert time.monotonic() < deadline, f"the sender never reached {point}"
            time.sleep(0.05)
        sender.send_signal(signal.SIGKILL)
    finally:
        sender.kill()
        sender.wait()
    assert sender.returncode == -signal.SIGKILL
    return sender.pid


def _row(url, message_id) -> OutboxMessage:
    with session_scope(url) as s:
        return s.get(OutboxMessage, message_id)


def _age_claim(url, message_id, minutes: float) -> None:
    with session_scope(url) as s:
        s.get(OutboxMessage, message_id).claimed_at = now() - timedelta(minutes=minutes)


def test_mail_claimed_by_a_killed_sender_arrives_after_the_service_starts(outbox, tmp_path):
    url, catcher, message_id, port = outbox
    pid = _killed_at("claimed", url, port, tmp_path)
    row = _row(url, message_id)
    assert (row.status, row.claimed_pid) == ("sending", pid) and catcher.messages == []
    assert mailer.deliver_pending(url).sent == []  # a fresh claim: another sender leaves it alone
    taken = mailer.release_claims(url)  # the service's start: every claim taken back
    assert [m.id for m in taken] == [message_id] and taken[0].claimed_by.startswith(f"{pid}@")
    assert mailer.deliver_pending(url, only=[message_id]).sent == [message_id]
    assert len(catcher.messages) == 1 and _row(url, message_id).status == "sent"


def test_claim_of_a_dead_sender_is_taken_back_after_a_minute_while_running(outbox, tmp_path):
    url, catcher, message_id, port = outbox
    _killed_at("claimed", url, port, tmp_path)
    assert mailer.release_abandoned(url) == []  # under a minute old: left alone
    _age_claim(url, message_id, 1.5)
    assert [m.id for m in mailer.release_abandoned(url)] == [message_id]
    assert mailer.deliver_pending(url).sent == [message_id] and len(catcher.messages) == 1


def test_claim_of_a_live_sender_is_not_taken_back_before_the_claim_timeout(outbox):
    url, catcher, message_id, _ = outbox
    with session_scope(url) as s:  # held by this very process, which is alive
        s.get(OutboxMessage, message_id).status = "sending"
        s.get(OutboxMessage, message_id).claimed_pid = os.getpid()
        s.get(OutboxMessage, message_id).claimed_host = mailer._HOST
    _age_claim(url, message_id, 5)
    assert mailer.release_abandoned(url) == []
    _age_claim(url, message_id, 11)  # past CLAIM_TIMEOUT: whoever holds it (a pid may be reused)
    assert [m.id for m in mailer.release_abandoned(url)] == [message_id]


def test_claim_of_a_sender_on_another_host_waits_for_the_claim_timeout(outbox):
    url, _, message_id, _ = outbox
    with session_scope(url) as s:
        msg = s.get(OutboxMessage, message_id)
        msg.status, msg.claimed_pid, msg.claimed_host = "sending", 999_999_999, "another-host"
    _age_claim(url, message_id, 5)
    assert mailer.release_abandoned(url) == []  # its process cannot be checked from here
    _age_claim(url, message_id, 11)
    assert [m.id for m in mailer.release_abandoned(url)] == [message_id]


def test_mail_accepted_before_the_kill_arrives_again_with_one_message_id(outbox, tmp_path):
    url, catcher, message_id, port = outbox
    _killed_at("accepted", url, port, tmp_path)
    assert len(catcher.messages) == 1 and _row(url, message_id).status == "sending"
    mailer.release_claims(url)
    assert mailer.deliver_pending(url).sent == [message_id]
    first, second = catcher.messages  # twice, by design: the sender died before marking it sent
    assert first["Message-ID"] == second["Message-ID"] == mailer.message_id_for("agency-notice-7",
                                                                                  settings_module.get_settings().mail_from)
    assert mailer.deliver_pending(url).sent == [] and len(catcher.messages) == 2


def test_message_id_is_fixed_by_the_idempotency_key():
    a = mailer.message_id_for("k1", "督导系统 <supervision@example.gov.cn>")
    assert a == mailer.message_id_for("k1", "督导系统 <supervision@example.gov.cn>")
    assert a != mailer.message_id_for("k2", "督导系统 <supervision@example.gov.cn>")
    assert a.endswith("@example.gov.cn>") and len(a.split("@")[0]) == 33  # "<" + 32 hex


def test_mail_check_lists_mail_unsent_for_longer_than_n_minutes_with_its_case(outbox):
    url, _, message_id, _ = outbox
    assert mailer.unsent(10, url) == []
    with session_scope(url) as s:
        s.get(OutboxMessage, message_id).created_at = now() - timedelta(minutes=15)
    (m,) = mailer.unsent(10, url)
    assert (m.id, m.key, m.status) == (message_id, "agency-notice-7", "pending")
    assert mailer.unsent(20, url) == []
    with session_scope(url) as s:
        assert s.exec(select(OutboxMessage)).one().status == "pending"
