"""The internal-supervision contact's way in, over HTTP (a real uvicorn, SQLite): /internal answers
the same whatever matched, mails a one-time link only to the contact on record, and that link
registers a person and issues the institution's own internal card (第十二条); the request page
is protected by its CSRF token and rate-limited per address."""

import re

import pytest
from sqlmodel import select

from adapters.db import session_scope
from cli.demo_data import add_institution
from cli.internal_contacts import save_contact
from models import OutboxMessage, Supervisor
from tests.portal_client import CSRF, browser, portal_env, post_fields, running_portal
from tests.procedures.supervisors.test_internal_self_service import _person

FILING, CONTACT = "SD-A-2024-000123", "neidu@inst.example.cn"
LIMIT = 6  # requests per address in the window (SUPERVISION_PORTAL_BAD_TOKEN_LIMIT)


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-internal")) as env:
        with session_scope() as s:
            add_institution(s, "济南某社会培训评价组织", FILING, category="social_org")
            add_institution(s, "济南某被撤销机构", "SD-A-2024-000999", category="social_org", status="revoked",
                            email=CONTACT)
        save_contact(FILING, "王内督", CONTACT)
        clean = {k: v for k, v in env.items() if not k.startswith("_")}
        with running_portal(clean, env["_root"] / "portal.log", bad_token_limit=str(LIMIT)) as p:
            yield p


def _ask(client, portal, filing: str, email: str, what: str = "register"):
    page = client.get(f"{portal.url}/internal")
    assert page.status_code == 200 and "内督联系人：申请办理链接" in page.text
    csrf = CSRF.search(page.text).group(1)
    first = client.post(f"{portal.url}/internal", data={"csrf_token": csrf, "filing_number": filing, "email": email,
                                                       "what": what})
    follow = client.get(str(first.url.join(first.headers["location"]))) if first.status_code == 303 else None
    return first, follow


def _link_mails() -> list[OutboxMessage]:
    with session_scope() as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("portal-link:"))
                           .order_by(OutboxMessage.id)))


def test_the_request_page_answers_identically_whatever_matched_and_mails_only_the_contact(portal):
    client = browser()
    answers = [_ask(client, portal, *args) for args in ((FILING, "wrong@inst.example.cn"),
                                                        ("SD-A-2024-000999", CONTACT),  # revoked: no link
                                                        ("SD-X-NOTHING", CONTACT),
                                                        (FILING, CONTACT.upper()))]
    assert {(a.status_code, a.headers["location"]) for a, _ in answers} == {(303, "/internal?sent=1")}
    assert len({b.text for _, b in answers}) == 1 and "如所填邮箱是该机构登记的内督联系人邮箱" in answers[0][1].text
    mails = _link_mails()
    assert [m.recipient for m in mails] == [CONTACT]  # the one that matched, to the address on record


def test_the_mailed_link_registers_a_person_and_issues_the_institutions_own_card(portal):
    before = len(_link_mails())
    _ask(browser(), portal, FILING, CONTACT)
    mail = _link_mails()[before]
    url = re.search(r"http://127\.0\.0\.1:\d+/l/[A-Za-z0-9_-]{43}", mail.text_body).group(0)
    assert url.startswith(portal.url) and "登记内督员并核发内督证卡" in mail.subject
    client = browser()
    page = client.get(url)
    assert page.status_code == 200 and "济南某社会培训评价组织" in page.text and "本机构尚无内督员" in page.text
    fields = {k: v for k, v in _person(11).items()} | {"name": ["<b>内督11</b>"]}
    refused = post_fields(client, url, fields | {"attest_2": []})
    assert refused.status_code == 400 and "（二）未确认" in refused.text and "&lt;b&gt;内督11" in refused.text
    receipt = post_fields(client, url, fields)
    assert receipt.status_code == 200 and "已收到" in receipt.text, receipt.text
    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.name == "<b>内督11</b>")).one()
    assert sup.card_code.startswith("S000123") and sup.card_code in receipt.text
    assert "<b>内督11" not in receipt.text  # outside text escaped on the receipt
    again = client.get(url)
    assert "此链接已经提交过" in again.text  # one action per link


def test_the_request_page_refuses_a_post_without_its_csrf_token(portal):
    client = browser()
    client.get(f"{portal.url}/internal")
    r = client.post(f"{portal.url}/internal", data={"filing_number": FILING, "email": CONTACT, "what": "register"})
    assert r.status_code == 403 and "页面已失效" in r.text


def test_the_request_page_is_rate_limited_per_address(portal):
    client = browser()
    statuses = [_ask(client, portal, FILING, f"x{n}@y.cn")[0].status_code for n in range(LIMIT + 1)]
    assert statuses[-1] == 429 and 303 in statuses
    assert "尝试次数过多" in client.post(f"{portal.url}/internal", data={}).text
