"""The institution's self-service of its internal supervisors (第六条, 第九条, 第十二条): the contact the
agency sets, the link the contact asks for, and the internal_people form through the portal's own
submit path, on a real database (SQLite and PostgreSQL), no Prefect."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from adapters import clock, portal_tokens
from adapters import settings as settings_module
from adapters.db import get_engine, reset_engines, session_scope, upgrade
from cli.demo_data import add_agencies, add_institution
from cli.internal_contacts import ContactError, check_contact, save_contact
from models import Institution, OutboxMessage, PortalLink, PortalSubmission, Supervisor
from models.lifecycle import SupervisorFileEntry, SupervisorRegistration
from procedures.portal import submissions as portal_submissions
from procedures.portal.forms import forms
from procedures.supervisors import internal_access, people
from regulation.identity import make_number
from tests.postgres_server import free_port

CONTACT = "NeiDu@Inst.example.cn"
GOOD_ID = make_number("370102", date(1985, 1, 3), 3)
BAD_ID = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")  # a wrong check character


@pytest.fixture
def db(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))  # nothing listens: mail stays in the outbox
    settings_module.get_settings.cache_clear()
    reset_engines()
    upgrade()
    with session_scope() as s:
        add_agencies(s)
        add_institution(s, "济南某社会培训评价组织", "SD-A-2024-000123", category="social_org")
        add_institution(s, "济南某制造有限公司", "SD-A-2024-000456", category="employer")
        add_institution(s, "济南某行业评价中心", "SD-A-2024-000789", category="industry", industry_code="110000")
    for number in ("SD-A-2024-000123", "SD-A-2024-000456", "SD-A-2024-000789"):
        save_contact(number, "王内督", CONTACT)
    yield db_url
    get_engine().dispose()
    reset_engines()
    settings_module.get_settings.cache_clear()


def _link(filing: str, what: str) -> str:
    """The contact asks (as the /internal page does); the token of the link mailed."""
    assert internal_access.request_link(filing, CONTACT.lower(), what)
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == filing)).one()
        link = s.exec(select(PortalLink).where(PortalLink.case_id == inst.id, PortalLink.accepted_at.is_(None),
                                               PortalLink.step_key.startswith(f"{what}-"))
                      .order_by(PortalLink.id.desc())).first()
        return portal_tokens.token_for(link.link_key)


def _person(n: int, **over) -> dict:
    fields = {"name": f"内督{n}", "person_key": make_number("370102", date(1985, 1, n), n), "phone": "13800000000",
              "email": f"nd{n}@inst.example.cn", "assessed_on": "2026-03-02", "assessment_passed": "是",
              **{f"attest_{i}": "是" for i in range(1, 6)}}
    return {k: [v] for k, v in (fields | over).items() if v is not None}


def _submit(token: str, fields: dict):
    return portal_submissions.submit_form(token, forms()["internal_people"], fields, [])


def _counts() -> tuple[int, int, int, int]:
    with session_scope() as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one()
                     for t in (Supervisor, SupervisorRegistration, SupervisorFileEntry, PortalSubmission))


def _card(name: str) -> Supervisor:
    with session_scope() as s:
        return s.exec(select(Supervisor).where(Supervisor.name == name)).one()


def test_contact_is_set_by_the_agency_with_a_checked_email_and_chinese_errors(db):
    with pytest.raises(ContactError, match="电子邮箱：“not-an-address”不是有效的电子邮箱地址"):
        check_contact("SD-A-2024-000123", "王内督", "not-an-address")
    with pytest.raises(ContactError, match="电子邮箱：未填写"):
        check_contact("SD-A-2024-000123", "王内督", " ")
    with pytest.raises(ContactError, match="备案编号：找不到“SD-X-0”"):
        save_contact("SD-X-0", "王内督", "a@b.cn")
    stored = save_contact("SD-A-2024-000123", "  李  联系 ", "li@inst.example.cn")
    assert (stored["name"], stored["email"], stored["previous_email"]) == ("李 联系", "li@inst.example.cn", CONTACT)
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == "SD-A-2024-000123")).one()
        assert inst.internal_contact == ("李 联系", "li@inst.example.cn")


def test_a_link_is_mailed_only_to_the_recorded_contact_and_never_for_a_revoked_institution(db):
    assert not internal_access.request_link("SD-A-2024-000123", "someone@else.cn", "register")
    assert not internal_access.request_link("SD-A-2024-999999", CONTACT, "register")
    assert not internal_access.request_link("SD-A-2024-000123", CONTACT, "nothing")
    assert internal_access.request_link("SD-A-2024-000123", " neidu@INST.example.cn ", "special")  # case-insensitive
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == "SD-A-2024-000456")).one()
        inst.status = "revoked"
        s.add(inst)
    assert not internal_access.request_link("SD-A-2024-000456", CONTACT, "register")
    with session_scope() as s:
        links = list(s.exec(select(PortalLink)))
        mails = list(s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("portal-link:"))))
    assert [(lk.kind, lk.recipient_email, lk.recipient_kind) for lk in links] == [("internal_special", CONTACT, "institution")]
    assert [m.recipient for m in mails] == [CONTACT]  # the address on record, never the one typed
    assert links[0].agency_email == "city-a@example.gov.cn"
    valid = portal_links_expiry(links[0]) - clock.now()
    assert timedelta(days=6, hours=23) < valid <= timedelta(days=7)


def portal_links_expiry(link: PortalLink):
    from procedures.portal.links import aware

    return aware(link.expires_at)


def test_the_contact_registers_a_trained_person_and_gets_an_S_card_for_a_social_org_Y_for_an_employer(db):
    result = _submit(_link("SD-A-2024-000123", "register"), _person(1))
    assert result.status == "stored", result.errors
    sup = _card("内督1")
    assert (sup.kind, sup.card_code[:7], sup.card_status) == ("internal", "S000123", "valid")
    assert sup.card_code in result.receipt.statement and "仅限本机构内部使用" in result.receipt.statement
    with session_scope() as s:
        reg = s.exec(select(SupervisorRegistration).where(SupervisorRegistration.name == "内督1")).one()
        assert reg.kind == "internal" and people.may_be_carded(s, reg.person_key, clock.today())
        sub = s.exec(select(PortalSubmission)).one()
        assert sub.payload["statement"] == result.receipt.statement and "********" in sub.payload["person_key"]
        assert sup.issuer_institution_id == s.exec(select(Institution.id).where(
            Institution.filing_number == "SD-A-2024-000123")).one()
    assert _submit(_link("SD-A-2024-000456", "register"), _person(2)).status == "stored"
    assert _card("内督2").card_code.startswith("Y000456")


@pytest.mark.parametrize("change, field, text", [
    ({"name": ""}, "name", "姓名：未填写"),
    ({"person_key": BAD_ID}, "person_key", "身份证号"),
    ({"phone": "12345"}, "phone", "联系电话"),
    ({"email": "no-at-sign"}, "email", "电子邮箱"),
    ({"attest_3": None}, "attest", "（三）未确认"),
    ({"assessed_on": "2099-01-01"}, "assessed_on", "晚于今天"),
    ({"assessed_on": "昨天"}, "assessed_on", "请填写日期"),
    ({"assessment_passed": None}, "assessment_passed", "须经本机构培训并考核合格"),
])
def test_each_refused_registration_names_its_field_and_writes_nothing(db, change, field, text):
    token = _link("SD-A-2024-000123", "register")
    before = _counts()
    result = _submit(token, _person(3, **change))
    assert result.status == "invalid" and text in result.field_errors[field], result.field_errors
    assert _counts() == before


def test_an_institution_that_is_not_an_employer_or_social_org_cannot_issue_a_card_itself(db):
    before = _counts()
    result = _submit(_link("SD-A-2024-000789", "register"), _person(4))
    assert result.status == "invalid" and "行业部门内督证卡（H）由行业部门经委派机构办理" in result.field_errors["action"]
    assert _counts() == before  # the trial registration rolled back with the refusal


def test_the_contact_suspends_and_restores_only_its_own_cards_never_a_revoked_one(db):
    assert _submit(_link("SD-A-2024-000123", "register"), _person(5)).status == "stored"
    assert _submit(_link("SD-A-2024-000456", "register"), _person(6)).status == "stored"
    own, other = _card("内督5"), _card("内督6")
    suspended = _submit(_link("SD-A-2024-000123", "cards"),
                        {"action": ["suspend"], "card": [str(own.id)], "reason": ["离职交接期间"]})
    assert suspended.status == "stored" and _card("内督5").card_status == "suspended"
    with session_scope() as s:
        entry = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.supervisor_id == own.id,
                                                         SupervisorFileEntry.text.contains("暂停"))).one()
        assert "离职交接期间" in entry.text
    # another institution's card: refused beside the card, nothing written
    before = _counts()
    stolen = _submit(_link("SD-A-2024-000123", "cards"), {"action": ["suspend"], "card": [str(other.id)], "reason": ["x"]})
    assert stolen.status == "invalid" and "不是本机构核发的内督证卡" in stolen.field_errors["card"]
    assert _counts() == before and _card("内督6").card_status == "valid"
    # a register-link cannot suspend, a cards-link cannot register
    wrong = _submit(_link("SD-A-2024-000123", "register"), {"action": ["suspend"], "card": [str(own.id)], "reason": ["x"]})
    assert wrong.status == "invalid" and "办理事项" in wrong.field_errors["action"]
    assert _submit(_link("SD-A-2024-000123", "cards"), {"action": ["restore"], "card": [str(own.id)],
                                                       "reason": ["交接完毕"]}).status == "stored"
    assert _card("内督5").card_status == "valid"
    with session_scope() as s:
        sup = s.get(Supervisor, own.id)
        sup.card_status = "revoked"
        s.add(sup)
    revoked = _submit(_link("SD-A-2024-000123", "cards"), {"action": ["restore"], "card": [str(own.id)], "reason": ["x"]})
    assert revoked.status == "invalid" and "已注销" in revoked.field_errors["card"]


def test_a_card_usable_only_inside_its_institution_is_the_one_issued_there(db):
    """第十二条: the card the self-service issues passes the existing rule at its own institution only."""
    from regulation.internal_supervision import InstitutionIssuer, internal_card_refusal

    assert _submit(_link("SD-A-2024-000123", "register"), _person(7)).status == "stored"
    code = _card("内督7").card_code
    assert internal_card_refusal(code, InstitutionIssuer("city", "SD-A-2024-000123")) is None
    assert internal_card_refusal(code, InstitutionIssuer("city", "SD-A-2024-000456")).article == "第十二条"


def test_a_link_of_an_institution_revoked_after_it_was_mailed_is_refused(db):
    token = _link("SD-A-2024-000123", "register")
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == "SD-A-2024-000123")).one()
        inst.status = "revoked"
        s.add(inst)
    before = _counts()
    result = _submit(token, _person(8))
    assert result.status == "invalid" and "备案回执已撤销" in result.field_errors["action"]
    assert _counts() == before


def test_registering_a_person_already_carded_here_is_refused_beside_the_identity_number_and_keeps_the_link(db):
    assert _submit(_link("SD-A-2024-000123", "register"), _person(9)).status == "stored"
    token = _link("SD-A-2024-000123", "register")
    again = _submit(token, _person(9))
    assert again.status == "invalid" and "已持有本机构内督证卡" in again.field_errors["person_key"]
    assert _submit(token, _person(10)).status == "stored"  # the same link still registers another person
    with session_scope() as s:
        assert len(list(s.exec(select(Supervisor).where(Supervisor.name == "内督9")))) == 1
