"""The 处理决定书's 送达回执 (第二十五条): served by mail with a one-time portal link, where the
institution opens the decision, downloads it and signs for it. A real portal process over HTTP, a
real database; the measure never waits for the receipt, and the daily sweep reminds once."""

import re
from datetime import date

import pytest
from sqlmodel import col, select

from adapters.clock import now
from adapters.db import session_scope
from models import (
    Document,
    InstitutionHistory,
    OutboxMessage,
    PortalLink,
    PortalSubmission,
    SanctionCase,
)
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import record_defence
from procedures.sanctions.service import carry_out, service_text
from tests.portal_client import browser, open_form, portal_env, running_portal
from tests.procedures.sanctions.test_sanctions import _inst, _staff, _start, notify_opened

LINK = re.compile(r"(http://[^\s\"<]+/l/[A-Za-z0-9_-]{43})")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("sanction-receipt")) as e:
        yield e


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log") as p:
        yield p


def _decided(tag: str) -> int:
    """A 第二十二条 case heard (no defence), decided and carried out: the decision is served."""
    code, inst_id = _staff(), _inst(tag)
    case_id = _start(f"run-{tag}", inst_id, "第二十二条（二）")["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "requirements": "规范评价组织", "staff_code": code}).accepted
    carry_out(case_id)
    return case_id


def _mail(key: str) -> OutboxMessage:
    with session_scope() as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def _receipt_url(case_id: int, portal) -> str:
    url = LINK.search(_mail(f"sanction-decision:{case_id}").text_body).group(1)
    return portal.url + url[url.index("/l/"):]


def test_the_decision_is_served_by_mail_with_a_receipt_link_and_the_measure_does_not_wait_for_it(env, portal):
    case_id = _decided("RC1")
    mail = _mail(f"sanction-decision:{case_id}")
    assert "送达回执" in mail.text_body and LINK.search(mail.html_body)  # the link in both bodies
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        assert case.status == "rectifying"  # the measure went on at once
        assert (case.decision_served_on, case.receipt_due, case.receipt_signed_at) == (date(2026, 3, 2),
                                                                                     date(2026, 3, 9), None)
        decision = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-decision")).one()
    assert "请于2026年3月9日前" in mail.text_body and decision.number in mail.text_body
    assert "已于 2026-03-02 电子邮件送达，送达回执待签收" in proposal_markdown(case_id)

    b, url = browser(), _receipt_url(case_id, portal)
    page = b.get(url)
    assert page.status_code == 200 and "处理决定书送达回执" in page.text and decision.number in page.text
    download = b.get(f"{url}?document=decision")
    assert download.status_code == 200 and download.headers["content-type"] == DOCX
    assert download.content == decision.content


def test_the_institution_signs_for_the_decision_and_the_case_shows_who_and_when(env, portal):
    case_id = _decided("RC2")
    b, url = browser(), _receipt_url(case_id, portal)
    refused = b.post(url, data={"csrf_token": open_form(b, url), "signer": "  "})
    assert refused.status_code == 400 and "签收人姓名：未填写" in refused.text
    with session_scope() as s:
        assert s.get(SanctionCase, case_id).receipt_signed_at is None  # nothing stored
    before = now()
    signed = b.post(url, data={"csrf_token": open_form(b, url), "signer": "张三"})
    assert signed.status_code == 303
    receipt = b.get(url)
    assert "已收到" in receipt.text and "签收人：张三" in receipt.text
    assert "再次下载决定书" in receipt.text and "附件（0 个）" not in receipt.text  # nothing to attach to a signature
    assert b.get(f"{url}?document=decision").status_code == 200  # still there after signing
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        assert case.receipt_signer == "张三" and case.receipt_signed_at is not None
        (entry,) = s.exec(select(InstitutionHistory).where(InstitutionHistory.sanction_case_id == case_id,
                                                           InstitutionHistory.kind == "decision-receipt"))
        (sub,) = s.exec(select(PortalSubmission).join(PortalLink, PortalLink.id == PortalSubmission.link_id)
                        .where(PortalLink.case_kind == "sanction", PortalLink.case_id == case_id))
    signed_at = service_text(case)
    assert signed_at.startswith("已送达（签收人：张三，") and f"{before:%Y-%m-%d}" in signed_at
    assert entry.text.startswith("处理决定书已送达（签收人：张三，")
    assert sub.resume_status == "none"  # evidence for the case: no run waits for it
    assert signed_at in proposal_markdown(case_id)
    assert sanction_sweep.sweep(date(2026, 3, 10), resume=False).receipts_reminded.count(case_id) == 0


def test_an_unsigned_receipt_is_reminded_and_the_agency_told_once_though_the_sweep_runs_twice(env, portal):
    case_id = _decided("RC3")
    assert case_id not in sanction_sweep.sweep(date(2026, 3, 9), resume=False).receipts_reminded  # the due day
    first = sanction_sweep.sweep(date(2026, 3, 10), resume=False)
    again = sanction_sweep.sweep(date(2026, 3, 10), resume=False)
    assert case_id in first.receipts_reminded and case_id not in again.receipts_reminded
    reminder = _mail(f"sanction-receipt-remind:{case_id}")
    assert reminder.recipient_kind == "institution" and LINK.search(reminder.text_body)
    assert LINK.search(reminder.text_body).group(1) == LINK.search(_mail(f"sanction-decision:{case_id}").text_body).group(1)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        told = [m for m in s.exec(select(OutboxMessage).where(
            col(OutboxMessage.idempotency_key).startswith("sanction-receipt-missing:"))) if f"案件 {case.number}（" in m.text_body]
    assert case.number.startswith("处理-")  # the agency reads its cases by number, not by the table's id
    assert "签收期限为2026年3月9日" in reminder.text_body
    assert len(told) == 1 and told[0].recipient_kind == "agency" and "电子邮件送达仍然有效" in told[0].text_body
    assert case.receipt_reminded_on == date(2026, 3, 10) and case.status == "rectifying"
    assert "2026-03-10 已提醒并告知委派机构" in proposal_markdown(case_id)


def test_the_case_file_names_the_notice_the_decider_and_the_decision_and_shows_the_signer_as_text(env, portal):
    # Issue 23.14: the 告知书 by its number, who decided what and why; the signer is outside text.
    case_id = _decided("RC4")
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        hearing_doc, decider = case.details["hearing_doc"], case.decided_by
    text = proposal_markdown(case_id)
    assert f"事先告知书 {hearing_doc}" in text.replace("\\", "")
    assert f"由 {decider} 作出：**采纳拟处理意见**" in text.replace("\\", "") and "第二十二条" in text
    b, url = browser(), _receipt_url(case_id, portal)
    assert b.post(url, data={"csrf_token": open_form(b, url), "signer": "<img src=x onerror=alert(1)>"}).status_code == 303
    text = proposal_markdown(case_id)
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text
