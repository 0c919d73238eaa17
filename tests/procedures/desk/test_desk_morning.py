"""The morning mail: once per working day per agency with something to do (the same list as the
desk, in short), nothing on a day off, nothing twice; outside text escaped in the HTML part."""

from datetime import date

import pytest
from sqlmodel import select

from adapters.db import session_scope
from models import InspectionCase, OutboxMessage
from procedures.desk.morning import mail_key, send_morning_mail
from tests.procedures.desk.world import build

TODAY = date(2026, 12, 7)


@pytest.fixture
def world(db):
    w = build(TODAY)
    with session_scope() as s:
        s.get(InspectionCase, w["soon"]).batch_number = "PC-<script>alert(1)</script>"
    return w


def _mails() -> dict[str, OutboxMessage]:
    with session_scope() as s:
        return {m.idempotency_key: m for m in s.exec(select(OutboxMessage))}


def test_each_agency_with_work_gets_one_mail_a_working_day_and_a_rerun_sends_nothing_new(world):
    summary, ids = send_morning_mail(TODAY, [])
    assert "4 个机构有待办" in summary and len(ids) == 4
    mails = _mails()
    assert set(mails) == {mail_key(a, TODAY) for a in ("PROV", "CITY-A", "CITY-B", "TP-001")}  # the rest: nothing
    a = mails[mail_key("CITY-A", TODAY)]
    assert a.recipient == "city-a@example.gov.cn" and "逾期2项" in a.subject and "近期到期4项" in a.subject
    assert "逾期3项" in mails[mail_key("PROV", TODAY)].subject and "近期到期1项" in mails[mail_key("TP-001", TODAY)].subject
    assert "督导员提交记录表（第十七条）" in a.text_body and "启动升级处理" in a.text_body
    assert "<script>" not in a.html_body and "&lt;script&gt;" in a.html_body
    again, ids2 = send_morning_mail(TODAY, [])
    assert sorted(ids2) == sorted(ids) and len(_mails()) == 4


def test_nothing_is_sent_on_a_day_off(world):
    summary, ids = send_morning_mail(date(2026, 12, 6), [])  # a Sunday
    assert ids == [] and "非工作日" in summary and _mails() == {}
