"""第二十六条 for supervisors, 第十条/第十二条 per person, and the agency's letterhead, through the
procedures and the portal's own submit path on a real database (SQLite and PostgreSQL), no Prefect."""

import re
from datetime import date, timedelta

import pytest
from sqlmodel import select

from adapters import clock, portal_tokens
from adapters import settings as settings_module
from adapters.db import get_engine, reset_engines, session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution
from models import Agency, AppointmentTerm, Document, OutboxMessage, PortalLink, Supervisor
from models.lifecycle import (
    MisconductCase,
    SupervisionBan,
    SupervisorFileEntry,
    SupervisorRegistration,
)
from procedures.casework.dispatching import agency_facts, supervisor_facts
from procedures.portal import submissions as portal_submissions
from procedures.portal.forms import forms
from procedures.supervisors import (
    cards,
    misconduct,
    misconduct_hearing,
    misconduct_internal,
    people,
    terms,
)
from regulation.deadlines import add_calendar_months
from regulation.dispatch import pool_exclusions
from regulation.identity import make_number
from regulation.reasons import RuleViolation
from tests.postgres_server import free_port

ALL_FIVE = {n: True for n in "一二三四五"}
D0 = date(2026, 3, 2)
HEARD = clock.today()  # the 告知书 goes out (and its period is counted) on the real day it is sent


@pytest.fixture
def db(db_url, tmp_path, monkeypatch):
    """The demo agencies on db_url, and every default session (the portal's too) pointing at it."""
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))  # nothing listens: mail stays in the outbox
    settings_module.get_settings.cache_clear()
    reset_engines()
    upgrade()
    with session_scope() as s:
        add_agencies(s)
    yield db_url
    get_engine().dispose()
    reset_engines()
    settings_module.get_settings.cache_clear()


@pytest.fixture
def travel(monkeypatch):
    """The procedures' real day moved on (adapters.clock.today), as the days of a period pass."""
    def to(day: date) -> date:
        monkeypatch.setattr(clock, "today", lambda: day)
        return day
    return to


def _due(case_id: int) -> date:
    with session_scope() as s:
        return s.get(MisconductCase, case_id).statement_due


def _person(s, n: int, kind="external", on=D0) -> SupervisorRegistration:
    reg = people.register(s, person_key=make_number("370102", date(1980, 1, n), n), name=f"督导{n}",
                               email=f"m{n}@example.cn", employer="某技师学院", city_letter="A", on=on,
                               attestations=ALL_FIVE, kind=kind)
    people.record_assessment(s, reg.person_key, "training", on, True)
    people.record_assessment(s, reg.person_key, "assessment", on, True)
    return reg


def _appointed(n: int) -> int:
    with session_scope() as s:
        sup = cards.issue_card(s, _person(s, n).id, "CITY-A", D0)
        terms.appoint(s, sup.id, date(2026, 4, 1), D0)
        return sup.id


def _heard(supervisor_id: int, proposed: str, item=4, months: int | None = None) -> int:
    with session_scope() as s:
        case = misconduct.open_case(s, supervisor_id, item, "督导期间干扰评价机构正常工作", HEARD, "赵六",
                                    f"registered:{supervisor_id}-{proposed}")
        misconduct_hearing.notify_hearing(s, case.id, HEARD, proposed, months)
        return case.id


def _statement_by_portal(case_id: int, text: str = "本人对事实无异议，请从轻处理") -> str:
    """The supervisor's own link, submitted as the portal does it (procedures.portal.submissions)."""
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.case_kind == "misconduct",
                                               PortalLink.case_id == case_id)).one()
        assert (link.kind, link.recipient_kind) == ("misconduct_statement", "supervisor")
        token = portal_tokens.token_for(link.link_key)
    result = portal_submissions.submit_form(token, forms()["misconduct_statement"], {"statement": [text]}, [])
    assert result.status == "stored", result.errors
    return result.receipt.receipt_number


def _decide(case_id: int, measure: str, on: date, **kw) -> MisconductCase:
    with session_scope() as s:
        return misconduct.decide(s, case_id, measure, on, "钱七", **kw)


def _doc(kind: str) -> str:
    with session_scope() as s:
        return docx_text(s.exec(select(Document).where(Document.kind == kind)).one().content)


def test_misconduct_hearing_period_ends_only_by_the_supervisors_portal_statement_or_by_time(db, travel):
    first, second = _appointed(1), _appointed(2)
    by_portal, by_time = _heard(first, "dismissal"), _heard(second, "suspension", months=3)
    with pytest.raises(RuleViolation, match="期满前不得决定"):
        _decide(by_portal, "dismissal", HEARD)
    empty = portal_submissions.submit_form(
        portal_tokens.token_for(f"misconduct:{by_portal}:statement:supervisor:m1@example.cn"),
        forms()["misconduct_statement"], {"statement": ["  "]}, [])
    assert empty.status == "invalid" and "陈述和申辩：未填写" in empty.field_errors["statement"]
    receipt = _statement_by_portal(by_portal)
    with session_scope() as s:
        case = s.get(MisconductCase, by_portal)
        assert (case.statement_receipt, case.statement_received_on) == (receipt, HEARD)
    assert _decide(by_portal, "dismissal", HEARD).measure == "dismissal"
    # no statement: the period ends by time only (its last day still refused)
    with pytest.raises(RuleViolation, match="本人的陈述申辩链接"):
        _decide(by_time, "suspension", travel(_due(by_time)), suspension_months=2)
    after = travel(_due(by_time) + timedelta(days=1))
    assert _decide(by_time, "suspension", after, suspension_months=2).suspended_until == add_calendar_months(after, 2)


def test_misconduct_notice_names_the_proposed_measure_only_and_a_heavier_one_needs_a_new_notice(db, travel):
    case_id = _heard(_appointed(1), "suspension", months=6)
    hearing = _doc("misconduct_hearing")
    assert "拟对你作出如下处理：暂停质量督导任务委派6个月。" in hearing
    assert "批评教育" not in hearing and "解聘" not in hearing and "取消" not in hearing
    with session_scope() as s:
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-hearing-mail:{case_id}")
                      ).one()
        assert "暂停质量督导任务委派" in mail.text_body and "/l/" in mail.text_body  # the supervisor's own link
    with pytest.raises(RuleViolation, match="须重新告知"):
        _decide(case_id, "dismissal", travel(_due(case_id) + timedelta(days=1)))
    assert _decide(case_id, "criticism", clock.today()).measure == "criticism"  # lighter: on the same hearing


def test_misconduct_referral_to_judicial_authorities_is_a_recorded_measure_with_its_letter(db):
    sid = _appointed(1)
    case_id = _heard(sid, "referral", item=6)
    _statement_by_portal(case_id)
    with pytest.raises(RuleViolation, match="司法机关名称"):
        _decide(case_id, "referral", HEARD)
    case = _decide(case_id, "referral", HEARD, referral_authority="济南市公安局")
    assert (case.measure, case.referral_authority) == ("referral", "济南市公安局")
    assert "移送济南市公安局依法追究刑事责任" in case.decision_text
    letter = _doc("misconduct_referral")
    assert "济南市公安局：" in letter and "依法追究其刑事责任" in letter and "第二十六条（六）" in letter
    with session_scope() as s:
        sup = s.get(Supervisor, sid)
        assert (sup.card_status, sup.status) == ("revoked", "dismissed") and s.get(SupervisionBan, sup.person_key)
        kinds = [e.kind for e in s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.supervisor_id == sid))]
        assert "referral" in kinds and "dismissal" in kinds
        (mail,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-referral-mail:{case_id}"))
        assert mail.recipient.startswith("city-a@") and "移送函" in mail.text_body


def test_misconduct_of_an_internal_supervisor_is_proposed_to_the_institution_that_appointed_them(db):
    with session_scope() as s:
        inst = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer",
                               email="hr@company.example.cn")
        sup = cards.issue_internal_card(s, _person(s, 3, kind="internal").id, "Y", inst.id, D0)
        case = misconduct.open_case(s, sup.id, 2, "未按规定履行内部督导职责", HEARD, "赵六", "registered:in-1")
        sid, case_id = sup.id, case.id
        with pytest.raises(RuleViolation, match="只能向其提出处理建议"):
            misconduct_hearing.notify_hearing(s, case_id, HEARD, "suspension")
    with session_scope() as s:
        case = misconduct_internal.propose_to_appointing_body(s, case_id, HEARD, "suspension", months=3)
        assert (case.status, case.appointing_body, case.proposal_sent_on) == ("proposed", "济南某公司评价中心", HEARD)
        (mail,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-proposal-mail:{case_id}"))
        assert mail.recipient == "hr@company.example.cn" and "处理建议" in mail.subject
    proposal = _doc("misconduct_proposal")
    assert "济南某公司评价中心：" in proposal and "建议你单位对其作出如下处理：暂停质量督导任务委派3个月" in proposal
    with pytest.raises(RuleViolation, match="委派机构（济南某公司评价中心，第十二条）"):
        _decide(case_id, "criticism", HEARD)
    with session_scope() as s:
        assert s.get(Supervisor, sid).card_status == "valid"  # the agency took no measure
        entry = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.key == f"misconduct-proposal:{case_id}")).one()
        assert "提出处理建议" in entry.text


def test_a_person_with_an_internal_card_who_qualifies_as_external_gets_an_r_card_under_the_same_registration(db):
    with session_scope() as s:
        inst = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer")
        reg = _person(s, 4, kind="internal")
        internal = cards.issue_internal_card(s, reg.id, "Y", inst.id, D0)
        again = people.register(s, person_key=reg.person_key, name=reg.name, email=reg.email, on=D0,
                                     attestations=ALL_FIVE, kind="external")
        assert again.id == reg.id  # one person, one registration
        external = cards.issue_card(s, reg.id, "CITY-A", D0)
        assert (internal.card_code[0], external.card_code) == ("Y", "R3726A001")
        assert external.person_key == internal.person_key and external.kind == "external"
        assert cards.issue_card(s, reg.id, "CITY-A", D0).id == external.id  # once
        assert cards.issue_internal_card(s, reg.id, "Y", inst.id, D0).id == internal.id  # once
        assert s.get(SupervisorRegistration, reg.id).supervisor_id == external.id  # the newest card


def test_consecutive_terms_are_counted_per_person_across_a_reissued_card_and_another_issuer(db):
    with session_scope() as s:
        reg = _person(s, 5)
        city = cards.issue_card(s, reg.id, "CITY-A", D0)
        for start in (date(2017, 4, 1), date(2020, 4, 1)):
            s.add(AppointmentTerm(supervisor_id=city.id, start=start, end=date(start.year + 3, 3, 31),
                                  assessment_passed=True))
        people.record_assessment(s, reg.person_key, "renewal", date(2023, 3, 1), True)
        terms.appoint(s, city.id, date(2023, 4, 1), date(2023, 3, 1))  # the 3rd in a row
        city.card_status = "revoked"  # moved to the province: the card is re-issued there
        s.add(city)
        s.flush()
        province = cards.issue_card(s, reg.id, "PROV", D0)
        assert province.id != city.id and province.card_code.startswith("R37260")
        people.record_assessment(s, reg.person_key, "renewal", date(2026, 3, 1), True)
        with pytest.raises(RuleViolation, match="连续聘任不得超过3届"):
            terms.appoint(s, province.id, date(2026, 4, 1), date(2026, 3, 2))
        assert "连续聘任" in terms.appointable(s, province, date(2026, 4, 1), date(2026, 3, 2))
        # a 4th term recorded without the check (an imported roster) is not dispatched either
        s.add(AppointmentTerm(supervisor_id=province.id, start=date(2026, 4, 1), end=date(2029, 3, 31),
                              assessment_passed=True))
        s.flush()
        (facts,) = supervisor_facts(s, [province])
        reasons = pool_exclusions(facts, agency_facts(s, s.get(Agency, "PROV")), date(2026, 6, 1))
        assert any("连续第4届" in r.text for r in reasons)


def test_letters_go_out_under_the_agencys_letterhead_as_the_data_names_it(db):
    case_id = _heard(_appointed(1), "criticism")
    with session_scope() as s:
        doc = s.exec(select(Document).where(Document.kind == "misconduct_hearing")).one()
        lines = docx_text(doc.content).splitlines()
        assert lines[0] == "济南市人力资源和社会保障局" and "济南市人力资源和社会保障局" in lines[-2:]
        assert "济南市技能人才评价管理部门" not in doc.html
        prov = s.get(Agency, "PROV")
        assert prov.letterhead_name == "山东省就业人才中心（受山东省人力资源和社会保障厅委托）"
        prov.letterhead = ""
        assert prov.letterhead_name == "山东省就业人才中心"  # none stored: the agency's name
    with pytest.raises(RuleViolation, match="期满前不得决定"):  # criticism too waits once a notice is out
        _decide(case_id, "criticism", HEARD)
    _statement_by_portal(case_id)
    assert _decide(case_id, "criticism", HEARD).measure == "criticism"
    with session_scope() as s:
        (mail,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-decision-mail:{case_id}"))
        assert "济南市人力资源和社会保障局" in mail.text_body and "技能人才评价管理部门" not in mail.text_body


def test_misconduct_period_counts_from_the_real_sending_day_whatever_registration_date_is_typed(db, travel):
    sid = _appointed(1)
    with session_scope() as s:
        case = misconduct.open_case(s, sid, 4, "干扰评价机构正常工作", HEARD - timedelta(days=20), "赵六", "registered:past")
        case = misconduct_hearing.notify_hearing(s, case.id, HEARD - timedelta(days=20), "dismissal")  # typed: 20 days ago
        case_id, due = case.id, case.statement_due
        assert case.hearing_notified_on == HEARD and due > HEARD
    assert f"{due.year}年{due.month}月{due.day}日前" in _doc("misconduct_hearing")
    with pytest.raises(RuleViolation, match="期满前不得决定"):
        _decide(case_id, "dismissal", HEARD)  # the same day the notice went out
    with pytest.raises(RuleViolation, match="早于告知书发出之日"):
        _decide(case_id, "dismissal", HEARD - timedelta(days=1))


def test_misconduct_dates_later_than_today_are_refused(db):
    sid = _appointed(1)
    case_id = _heard(sid, "dismissal")
    with pytest.raises(RuleViolation, match="决定日期：.*晚于今天"):
        _decide(case_id, "dismissal", HEARD + timedelta(days=30))  # past the period, but not yet today
    with session_scope() as s:
        case = misconduct.open_case(s, sid, 4, "另一事实", HEARD, "赵六", "registered:future")
        with pytest.raises(RuleViolation, match="登记日期：.*晚于今天"):
            misconduct_hearing.notify_hearing(s, case.id, HEARD + timedelta(days=1), "criticism")


def test_misconduct_notice_for_another_measure_on_a_heard_case_is_refused_with_what_to_do(db):
    case_id = _heard(_appointed(1), "criticism")
    with session_scope() as s:
        assert misconduct_hearing.notify_hearing(s, case_id, HEARD, "criticism").id == case_id  # the same: once
        with pytest.raises(RuleViolation, match="请以该处理重新登记违规情形"):
            misconduct_hearing.notify_hearing(s, case_id, HEARD, "dismissal")
        assert s.get(MisconductCase, case_id).proposed_measure == "criticism"


def test_dismissal_cancels_every_card_of_the_person_and_tells_each_issuer(db):
    with session_scope() as s:
        inst = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer",
                               email="hr@company.example.cn")
        reg = _person(s, 6)
        internal = cards.issue_internal_card(s, reg.id, "Y", inst.id, D0)
        external = cards.issue_card(s, reg.id, "CITY-A", D0)
        terms.appoint(s, external.id, date(2026, 4, 1), D0)
        internal_id, external_id = internal.id, external.id
    case_id = _heard(external_id, "dismissal")
    _statement_by_portal(case_id)
    _decide(case_id, "dismissal", HEARD)
    with session_scope() as s:
        assert s.get(Supervisor, internal_id).card_status == "revoked"
        (mail,) = s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"misconduct-card-cancelled-mail:{case_id}:{internal_id}"))
        assert mail.recipient == "hr@company.example.cn" and "已一并取消" in mail.text_body
        entry = s.exec(select(SupervisorFileEntry).where(
            SupervisorFileEntry.key == f"misconduct-card-cancelled:{case_id}:{internal_id}")).one()
        assert "一并取消" in entry.text


def test_internal_card_issuer_code_shared_by_two_cities_goes_to_the_institution_that_issued_it(db):
    with session_scope() as s:
        jinan = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer", email="jn@x.example.cn")
        qingdao = add_institution(s, "青岛某公司评价中心", "37020020240001", city="B", category="employer",
                                  email="qd@x.example.cn")
        with pytest.raises(RuleViolation, match="该机构为用人单位，不能核发社会培训评价组织内督证卡"):
            cards.issue_internal_card(s, _person(s, 14, kind="internal").id, "S", qingdao.id, D0)
        sup = cards.issue_internal_card(s, _person(s, 7, kind="internal").id, "Y", qingdao.id, D0)
        assert sup.issuer_institution_id == qingdao.id
        assert misconduct.appointing_body(s, sup)[2].id == qingdao.id
        assert misconduct.handling_agency(s, sup).id == "CITY-B"
        # a card from before 0014 (no institution stored): two fit, nothing is sent until staff say which
        sup.issuer_institution_id = None
        case = misconduct.open_case(s, sup.id, 2, "未履行内部督导职责", HEARD, "赵六", "registered:collide")
        with pytest.raises(RuleViolation, match="对应多个评价机构.*青岛某公司评价中心"):
            misconduct_internal.propose_to_appointing_body(s, case.id, HEARD, "criticism")
        with pytest.raises(RuleViolation, match="不是证卡"):
            misconduct_internal.propose_to_appointing_body(s, case.id, HEARD, "criticism", institution_id=jinan.id + 99)
        case = misconduct_internal.propose_to_appointing_body(s, case.id, HEARD, "criticism", institution_id=qingdao.id)
        assert case.appointing_body == "青岛某公司评价中心" and sup.issuer_institution_id == qingdao.id
        (mail,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-proposal-mail:{case.id}"))
        assert mail.recipient == "qd@x.example.cn"


def test_internal_h_card_goes_to_the_province_naming_the_industry_department_by_its_code(db):
    with session_scope() as s:
        inst = add_institution(s, "某行业评价中心", "37010020240002", category="industry", industry_code="110000")
        sup = cards.issue_internal_card(s, _person(s, 8, kind="internal").id, "H", inst.id, D0)
        name, email, found = misconduct.appointing_body(s, sup)
        assert (name, email, found) == ("颁发机构代码为 110000 的行业部门", "", None)
        assert misconduct.handling_agency(s, sup).id == "PROV"


def test_issuing_a_card_when_another_agency_holds_the_persons_card_is_refused_naming_it(db):
    with session_scope() as s:
        reg = _person(s, 9)
        city = cards.issue_card(s, reg.id, "CITY-A", D0)
        with pytest.raises(RuleViolation, match=f"已持有济南市技能人才评价管理部门核发的外督证卡 {city.card_code}"):
            cards.issue_card(s, reg.id, "PROV", D0)


def test_a_card_reissued_mid_term_by_the_same_agency_carries_the_term_as_the_same_appointment(db):
    with session_scope() as s:
        reg = _person(s, 10)
        old = cards.issue_card(s, reg.id, "CITY-A", D0)
        for start in (date(2020, 4, 1), date(2023, 4, 1)):
            s.add(AppointmentTerm(supervisor_id=old.id, start=start, end=date(start.year + 3, 3, 31),
                                  assessment_passed=True))
        people.record_assessment(s, reg.person_key, "renewal", date(2026, 3, 1), True)
        terms.appoint(s, old.id, date(2026, 4, 1), D0)  # the 3rd in a row
        old.card_status = "revoked"  # lost: the agency re-issues it
        s.add(old)
        s.flush()
        new = cards.issue_card(s, reg.id, "CITY-A", date(2026, 9, 1))
        (term,) = s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == new.id))
        assert (term.start, term.end) == (date(2026, 9, 1), date(2029, 3, 31))
        (facts,) = supervisor_facts(s, [new])
        reasons = pool_exclusions(facts, agency_facts(s, s.get(Agency, "CITY-A")), date(2026, 10, 1))
        assert not any(r.article == "第十条" for r in reasons), reasons  # in office, and still the 3rd term
        sweep = terms.sweep_terms(s, date(2026, 9, 1))
        assert old.card_code not in sweep.ended  # the old record's cut is no 聘期届满


def test_misconduct_suspension_proposed_states_its_months_and_the_decision_is_capped_there(db, travel):
    with session_scope() as s:
        case = misconduct.open_case(s, _appointed(1), 2, "未履行督导职责", HEARD, "赵六", "registered:months")
        with pytest.raises(RuleViolation, match="暂停委派须写明期限"):
            misconduct_hearing.notify_hearing(s, case.id, HEARD, "suspension")
        case_id = case.id
    case_id = _heard(_appointed(2), "suspension", months=2)
    assert "暂停质量督导任务委派2个月" in _doc("misconduct_hearing")
    after = travel(_due(case_id) + timedelta(days=1))
    with pytest.raises(RuleViolation, match="不得长于该期限"):
        _decide(case_id, "suspension", after, suspension_months=3)
    until = _decide(case_id, "suspension", after, suspension_months=2).suspended_until
    assert until == add_calendar_months(after, 2)
    decision = _doc("misconduct_decision")  # a letter writes its dates in Chinese (issue 17, Low)
    assert f"暂停质量督导任务委派2个月（至{until.year}年{until.month}月{until.day}日）" in decision
    assert not re.search(r"\d{4}-\d{2}-\d{2}", decision)


def test_appointing_bodys_dismissal_of_an_internal_supervisor_is_recorded_with_the_ban(db):
    with session_scope() as s:
        inst = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer", email="hr@c.example.cn")
        reg = _person(s, 12, kind="internal")
        sup = cards.issue_internal_card(s, reg.id, "Y", inst.id, D0)
        external = cards.issue_card(s, reg.id, "CITY-A", D0)  # the same person also holds an R card
        case = misconduct.open_case(s, sup.id, 5, "弄虚作假", HEARD, "赵六", "registered:body")
        with pytest.raises(RuleViolation, match="已向委派机构提出处理建议"):
            misconduct_internal.record_body_decision(s, case.id, "dismissal", HEARD, "赵六")
        misconduct_internal.propose_to_appointing_body(s, case.id, HEARD, "dismissal")
        with pytest.raises(RuleViolation, match="晚于今天"):
            misconduct_internal.record_body_decision(s, case.id, "dismissal", HEARD + timedelta(days=1), "赵六")
        case = misconduct_internal.record_body_decision(s, case.id, "dismissal", HEARD, "赵六")
        assert (case.status, case.body_measure, case.body_decided_on) == ("reported", "dismissal", HEARD)
        assert s.get(SupervisionBan, reg.person_key).misconduct_case_id == case.id
        assert (sup.card_status, s.get(Supervisor, external.id).card_status) == ("revoked", "revoked")
        entry = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.key == f"misconduct-reported:{case.id}")).one()
        assert "委派机构（济南某公司评价中心）" in entry.text and "解聘" in entry.text
        (mail,) = s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"misconduct-card-cancelled-mail:{case.id}:{external.id}"))
        assert mail.recipient.startswith("city-a@")  # the R card's issuer is told


def test_migration_0014_no_longer_takes_a_staff_typed_statement_for_the_supervisors_own(tmp_path):
    """Before 0012 staff could type a statement in; a case still in hearing with one and no portal
    receipt must not have its period ended early by it (第二十六条 interpretation)."""
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0013_mail")
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO agency (id, name, level, email, letter_prefix, city_letter, principal_id, letterhead) "
                       "VALUES ('CITY-A', 'A', 'city', 'a@x.cn', 'A', 'A', NULL, '')"))
        c.execute(text("INSERT INTO supervisor (id, name, person_key, kind, card_code, issuer, employer, status, "
                       "card_status, email, eligibility, phone, city_letter) VALUES (1, '甲', 'p', 'external', "
                       "'R3726A001', 'CITY-A', '', 'active', 'valid', 'm@x.cn', '{}', '', 'A')"))
        for n, status, receipt in ((1, "hearing", ""), (2, "hearing", "R-1"), (3, "decided", "")):
            c.execute(text("INSERT INTO misconduct_case (id, key, supervisor_id, item, facts, source, opened_on, "
                           "opened_by, status, statement, statement_received_on, statement_receipt, proposed_measure, measure, "
                           "appointing_body, referral_authority, decided_by, decision_text) VALUES (:n, :k, 1, 2, 'f', 'registered', "
                           "'2026-06-01', 'x', :st, '员工代填', '2026-06-02', :r, 'suspension', '', '', '', '', '')"),
                      {"n": n, "k": f"k{n}", "st": status, "r": receipt})
    upgrade(url)
    with engine.begin() as c:
        rows = dict(c.execute(text("SELECT id, statement_received_on FROM misconduct_case")).all())
    engine.dispose()
    assert rows[1] is None and rows[2] is not None and rows[3] is not None


def test_dismissal_letters_say_the_date_in_chinese_and_a_proposal_asks_only_what_the_body_can_do(db):
    case_id = _heard(_appointed(1), "dismissal")
    _statement_by_portal(case_id)
    _decide(case_id, "dismissal", HEARD)
    assert f"已于{HEARD.year}年{HEARD.month}月{HEARD.day}日取消其质量督导员证卡" in _doc("employer_notice")
    with session_scope() as s:
        inst = add_institution(s, "济南某公司评价中心", "37010020240001", category="employer")
        sup = cards.issue_internal_card(s, _person(s, 13, kind="internal").id, "Y", inst.id, D0)
        case = misconduct.open_case(s, sup.id, 5, "弄虚作假", HEARD, "赵六", "registered:wording")
        misconduct_internal.propose_to_appointing_body(s, case.id, HEARD, "dismissal")
    proposal = _doc("misconduct_proposal")
    assert "取消其内部质量督导员证卡并予以解聘" in proposal and "不得再从事我省" not in proposal


def test_misconduct_period_running_into_a_year_without_calendar_is_pending_until_the_sweep_computes_it(db, travel):
    from procedures.casework.calendar_declarations import Declaration, declare

    sid = _appointed(1)
    travel(date(2026, 12, 28))  # 5 working days run into 2027, not yet loaded
    with session_scope() as s:
        case = misconduct.open_case(s, sid, 4, "干扰评价机构正常工作", date(2026, 12, 28), "赵六", "registered:cal")
        case = misconduct_hearing.notify_hearing(s, case.id, date(2026, 12, 28), "criticism")
        case_id = case.id
        assert (case.status, case.statement_due) == ("hearing", None)  # registered, not rolled back
        (admin,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == "calendar-missing-misconduct:CITY-A:2027"))
        assert "2027" in admin.subject
    assert "具体日期待定" in _doc("misconduct_hearing")
    with pytest.raises(RuleViolation, match="陈述申辩期限待定"):
        _decide(case_id, "criticism", travel(date(2027, 3, 1)))
    with session_scope() as s:  # staff declare 2027 (supervise calendar declare): 1 January off
        assert declare(s, Declaration(2027, "国办发明电〔2026〕1号", "", {date(2027, 1, 1): "元旦"}, {}), "管理员").stored
    with session_scope() as s:
        assert misconduct_hearing.compute_unknown_statement_dues(s) == [case_id]
        case = s.get(MisconductCase, case_id)
        assert case.statement_due == date(2027, 1, 5)  # 12-29, 12-30, 12-31, 1-4, 1-5
        link = s.exec(select(PortalLink).where(PortalLink.case_kind == "misconduct", PortalLink.case_id == case_id)).one()
        assert link.deadline.date() == case.statement_due
        assert s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"misconduct-due-mail:{case_id}")).one()
    assert _decide(case_id, "criticism", date(2027, 3, 1)).measure == "criticism"


def test_a_suspension_decision_states_the_supervisors_remedies_and_a_criticism_none(db, travel):
    criticised = _heard(_appointed(3), "criticism")
    _statement_by_portal(criticised)
    _decide(criticised, "criticism", HEARD)
    assert "行政复议" not in _doc("misconduct_decision")  # 批评教育: nothing a review could undo
    case_id = _heard(_appointed(2), "suspension", months=2)
    _decide(case_id, "suspension", travel(_due(case_id) + timedelta(days=1)), suspension_months=2)
    with session_scope() as s:
        letters = [docx_text(d.content) for d in s.exec(select(Document).where(Document.kind == "misconduct_decision"))]
    (decision,) = [text for text in letters if "暂停质量督导任务委派" in text]
    assert "你如对本决定不服，可以自收到本决定书之日起六十日内向济南市人民政府申请行政复议" in decision
    assert "六个月内依法向人民法院提起行政诉讼" in decision and "你单位" not in decision
