"""Mail survives a kill, through the real service (`make run`): a sender SIGKILLed between claiming
a message and sending it leaves it `sending`; the service takes the claim back at its start, and
while it runs takes back a claim over a minute old whose process is gone, and sends it."""

import time

import pytest

from adapters import mailer
from adapters.db import database_url, session_scope, upgrade
from models import OutboxMessage
from tests.adapters.test_mail_kill import _age_claim, _killed_at
from tests.flows import harness as h
from tests.flows.service_process import service_process

pytestmark = pytest.mark.flow


def _queue(key: str) -> int:
    with session_scope() as s:
        return mailer.enqueue(s, key, "委派机构 <agency@example.gov.cn>", "agency", f"【处理决定】{key}", "正文", "<p/>")


def _arrives(svc, subject: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not [m for m in h.messages(svc.root / "mail") if m["Subject"] == subject]:
        assert time.monotonic() < deadline, f"{subject} never arrived:\n{svc.log()[-2000:]}"
        time.sleep(0.3)


def test_mail_claimed_by_a_killed_sender_is_sent_by_the_service_at_start_and_while_running():
    with service_process() as svc:
        upgrade()
        port = int(svc.env["SUPERVISION_SMTP_PORT"])
        before = _queue("killed-before-start")
        _killed_at("claimed", database_url(), port, svc.root)
        svc.start()
        _arrives(svc, "【处理决定】killed-before-start")
        assert "took back 1 message(s)" in svc.log()

        during = _queue("killed-while-running")
        _killed_at("claimed", database_url(), port, svc.root)
        _age_claim(database_url(), during, 1.5)  # the sender died a minute and a half ago
        _arrives(svc, "【处理决定】killed-while-running")
        with session_scope() as s:
            assert {s.get(OutboxMessage, i).status for i in (before, during)} == {"sent"}
        assert mailer.unsent(0) == []
