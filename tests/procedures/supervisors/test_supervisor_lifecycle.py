"""A supervisor from registration to dismissal, on a real database (procedures, no Prefect)."""

from datetime import date

import pytest
from sqlmodel import select

from adapters import clock
from adapters.cards_docx import to_pdf
from adapters.db import session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution
from models import Agency, AppointmentTerm, Document, OutboxMessage, Supervisor
from models.lifecycle import MisconductCase, SupervisionBan, SupervisorFileEntry
from procedures.casework.dispatching import agency_facts, supervisor_facts
from procedures.supervisors import cards, misconduct, misconduct_hearing, people, terms
from regulation.dispatch import pool_exclusions
from regulation.identity import make_number
from regulation.reasons import RuleViolation

ALL_FIVE = {n: True for n in "一二三四五"}
D0 = date(2026, 3, 2)


@pytest.fixture
def db(db_url):
    upgrade(db_url)
    with session_scope(db_url) as s:
        add_agencies(s)
    return db_url


def carded(s, n: int, agency="CITY-A", on=D0) -> Supervisor:
    reg = people.register(s, person_key=make_number("370102", date(1980, 1, 1 + n), n), name=f"督导{n}",
                               email=f"s{n}@example.cn", employer="某技师学院", city_letter="A", on=on,
                               attestations=ALL_FIVE)
    people.record_assessment(s, reg.person_key, "training", on, True)
    people.record_assessment(s, reg.person_key, "assessment", on, True)
    return cards.issue_card(s, reg.id, agency, on)


def test_registration_needs_all_five_conditions_of_article_6(db):
    with session_scope(db) as s, pytest.raises(RuleViolation, match="（四）"):
        people.register(s, person_key=make_number("370102", date(1980, 1, 1), 1), name="甲",
                             email="a@example.cn", on=D0, attestations={**ALL_FIVE, "四": False})


def test_card_only_after_passed_assessment_and_next_code_per_issuer_and_year(db):
    with session_scope(db) as s:
        reg = people.register(s, person_key=make_number("370102", date(1980, 1, 1), 1), name="甲",
                                   email="a@example.cn", on=D0, attestations=ALL_FIVE)
        people.record_assessment(s, reg.person_key, "training", D0, True)
        people.record_assessment(s, reg.person_key, "assessment", D0, False)
        with pytest.raises(RuleViolation, match="考核合格"):
            cards.issue_card(s, reg.id, "CITY-A", D0)
        people.record_assessment(s, reg.person_key, "assessment", date(2026, 3, 9), True)
        first = cards.issue_card(s, reg.id, "CITY-A", date(2026, 3, 9))
        assert first.card_code == "R3726A001" and first.card_issued_on == date(2026, 3, 9)
        assert cards.issue_card(s, reg.id, "CITY-A", date(2026, 3, 9)).id == first.id  # idempotent
        assert carded(s, 2).card_code == "R3726A002"
        assert carded(s, 3, agency="PROV").card_code == "R37260001"


def test_printable_card_is_80_by_110_mm_front_and_back_with_annex_2_fonts(db):
    from io import BytesIO

    from docx import Document as Docx
    from docx.shared import Mm, Pt

    with session_scope(db) as s:
        sup = carded(s, 1)
        content = cards.card_docx(s, sup.id)
    doc = Docx(BytesIO(content))
    section = doc.sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (80, 110)
    text = docx_text(content)
    assert "R3726A001" in text and "督导1" in text and "印制单位" in text and "使用须知" in text
    title = doc.paragraphs[0]
    assert title.runs[0].font.name == "黑体" and title.runs[0].font.bold and title.runs[0].font.size == Pt(16)
    assert title.paragraph_format.line_spacing == Pt(24)
    body = next(p for p in doc.paragraphs if p.text.startswith("证卡编码"))
    assert body.runs[0].font.size == Pt(12) and body.paragraph_format.line_spacing == Pt(22)
    row = doc.tables[0].rows[0]
    assert round(row.height / Mm(1)) == 35 and "照片" in row.cells[0].text
    pdf = to_pdf(content)
    if pdf is not None:  # LibreOffice installed: exactly two pages (front, back)
        import re
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 2


def test_card_issue_appointment_draw_term_end_and_renewal_refused_after_three_terms(db):
    with session_scope(db) as s:
        for n in range(1, 6):
            carded(s, n)
        result = terms.draw_appointments(s, "CITY-A", 3, date(2026, 4, 1), "seed-2026-04", D0)
        draw = result.draw
        from regulation.dispatch import replay_draw
        assert tuple(draw.chosen) == replay_draw("seed-2026-04", draw.candidates, 3)
        assert len(draw.candidates) == 5 and len(result.documents) == 3
        letter = docx_text(result.documents[0].content)
        assert "聘期三年" in letter and "2026年4月1日" in letter and "2029年3月31日" in letter
        again = terms.draw_appointments(s, "CITY-A", 3, date(2026, 4, 1), "seed-2026-04", D0)
        assert again.draw.id == draw.id and len(list(s.exec(select(AppointmentTerm)))) == 3
        chosen = s.exec(select(Supervisor).where(Supervisor.card_code == draw.chosen[0])).one()
        # a second draw for the same start skips those in office
        second = terms.draw_appointments(s, "CITY-A", 2, date(2026, 4, 1), "seed-b", D0)
        assert set(second.draw.candidates).isdisjoint(draw.chosen)
        sid = chosen.id

    end = date(2029, 3, 31)
    with session_scope(db) as s:
        assert terms.sweep_terms(s, date(2029, 1, 29)).warned == []  # 61 days ahead
        swept = terms.sweep_terms(s, date(2029, 1, 30))  # 60 days ahead
        assert chosen.card_code in swept.warned
        assert terms.sweep_terms(s, date(2029, 1, 31)).warned == []  # once
        mails = [m.recipient_kind for m in s.exec(select(OutboxMessage)) if "聘期届满提醒" in m.subject
                 and chosen.name in m.subject]
        assert sorted(mails) == ["agency", "supervisor"]
    with session_scope(db) as s:
        assert terms.in_office(s, sid, end)
        assert chosen.card_code in terms.sweep_terms(s, date(2029, 4, 1)).ended
        assert not terms.in_office(s, sid, date(2029, 4, 1))
        with pytest.raises(RuleViolation, match="考核合格"):
            terms.appoint(s, sid, date(2029, 4, 1), date(2029, 4, 1))

    with session_scope(db) as s:
        person = s.get(Supervisor, sid).person_key
        people.record_assessment(s, person, "renewal", date(2029, 3, 1), True)
        t2, doc2 = terms.appoint(s, sid, date(2029, 4, 1), date(2029, 4, 1))
        assert "第2届" in docx_text(doc2.content)
        people.record_assessment(s, person, "renewal", date(2032, 3, 1), True)
        terms.appoint(s, sid, date(2032, 4, 1), date(2032, 4, 1))
        people.record_assessment(s, person, "renewal", date(2035, 3, 1), True)
        with pytest.raises(RuleViolation, match="连续聘任不得超过3届"):
            terms.appoint(s, sid, date(2035, 4, 1), date(2035, 4, 1))
        entries = [e.kind for e in s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.supervisor_id == sid))]
        assert entries.count("appointment") == 3 and "term_end" in entries


def _on(monkeypatch, day: date) -> date:
    """The real day the procedures see (adapters.clock.today), moved to `day`: a 告知书's period
    runs from the real sending day and a decision is never dated ahead of it."""
    monkeypatch.setattr(clock, "today", lambda: day)
    return day


def test_misconduct_case_ends_in_dismissal_and_the_person_is_never_drawn_again(db, monkeypatch):
    with session_scope(db) as s:
        sups = [carded(s, n) for n in range(1, 4)]
        terms.draw_appointments(s, "CITY-A", 3, date(2026, 4, 1), "s", D0)
        bad = sups[0]
        case = misconduct.open_case(s, bad.id, 5, "篡改督导记录", date(2026, 6, 1), "赵六", "registered:1")
        with pytest.raises(RuleViolation, match="陈述申辩"):
            misconduct.decide(s, case.id, "dismissal", date(2026, 6, 1), "钱七")
        misconduct_hearing.notify_hearing(s, case.id, _on(monkeypatch, date(2026, 6, 1)), "dismissal")
        with pytest.raises(RuleViolation, match="期满前"):
            misconduct.decide(s, case.id, "dismissal", _on(monkeypatch, date(2026, 6, 8)), "钱七")
        misconduct.decide(s, case.id, "dismissal", _on(monkeypatch, date(2026, 6, 9)), "钱七")  # ended by time
    with session_scope(db) as s:
        bad = s.get(Supervisor, bad.id)
        assert (bad.card_status, bad.status) == ("revoked", "dismissed")
        assert s.get(SupervisionBan, bad.person_key) is not None
        term = s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == bad.id)).one()
        assert term.end == date(2026, 6, 9)
        kinds = {d.kind for d in s.exec(select(Document))}
        assert {"misconduct_hearing", "misconduct_decision", "employer_notice"} <= kinds
        employer = s.exec(select(Document).where(Document.kind == "employer_notice")).one()
        assert "某技师学院" in docx_text(employer.content) and "解聘" in docx_text(employer.content)
        # never drawn again: out of the dispatch pool, the appointment draw, and no new card
        agency = agency_facts(s, s.get(Agency, "CITY-A"))
        (facts,) = supervisor_facts(s, [bad])
        assert pool_exclusions(facts, agency, date(2026, 6, 10))
        assert terms.appointable(s, bad, date(2029, 4, 1), date(2029, 4, 1)) is not None
        with pytest.raises(RuleViolation, match="第二十六条"):
            people.register(s, person_key=bad.person_key, name=bad.name, email="x@example.cn",
                                 on=date(2027, 1, 1), attestations=ALL_FIVE)
        entries = [e.kind for e in s.exec(select(SupervisorFileEntry).where(
            SupervisorFileEntry.person_key == bad.person_key))]
        assert "dismissal" in entries and entries.count("misconduct") >= 3


def test_overdue_marks_open_cases_and_suspension_is_lifted_by_the_sweep(db, monkeypatch):
    from cli.demo_data import add_session
    from models import Dispatch

    with session_scope(db) as s:
        sup = carded(s, 1)
        inst = add_institution(s, "机构", "37010020240001")
        sess = add_session(s, "B1", inst, date(2026, 5, 6))
        s.add(Dispatch(session_id=sess.id, supervisor_id=sup.id, agency_id="CITY-A", institution_id=inst.id,
                       dispatched_on=date(2026, 5, 1), overdue_on=date(2026, 5, 11)))
        s.flush()
        (case,) = misconduct.open_overdue_cases(s, date(2026, 5, 12))
        assert misconduct.open_overdue_cases(s, date(2026, 5, 13)) == []
        assert case.item == 2 and "B1" in case.facts
        misconduct_hearing.notify_hearing(s, case.id, _on(monkeypatch, date(2026, 5, 12)), "suspension", 2)
        misconduct.decide(s, case.id, "suspension", _on(monkeypatch, date(2026, 5, 25)), "钱七", suspension_months=2)
        assert s.get(Supervisor, sup.id).card_status == "suspended"
        assert s.get(MisconductCase, case.id).suspended_until == date(2026, 7, 25)
        assert terms.sweep_terms(s, date(2026, 7, 25)).suspensions_lifted == []
        assert terms.sweep_terms(s, date(2026, 7, 26)).suspensions_lifted == [sup.card_code]
        assert s.get(Supervisor, sup.id).card_status == "valid"


def test_internal_card_from_the_institution_filing_number(db):
    with session_scope(db) as s:
        inst = add_institution(s, "机构", "37010020240001", category="employer")
        reg = people.register(s, person_key=make_number("370102", date(1980, 1, 1), 1), name="内督甲",
                                   email="a@example.cn", on=D0, attestations=ALL_FIVE, kind="internal")
        people.record_assessment(s, reg.person_key, "training", D0, True)
        people.record_assessment(s, reg.person_key, "assessment", D0, True)
        sup = cards.issue_internal_card(s, reg.id, "Y", inst.id, D0)
        assert (sup.card_code, sup.kind, sup.issuer) == ("Y240001260001", "internal", "Y240001")
        assert "仅限本评价机构、本行业内部" in docx_text(cards.card_docx(s, sup.id))
        other = people.register(s, person_key=make_number("370102", date(1980, 1, 2), 2), name="乙",
                                     email="b@example.cn", on=D0, attestations=ALL_FIVE, kind="internal")
        people.record_assessment(s, other.person_key, "training", D0, True)
        people.record_assessment(s, other.person_key, "assessment", D0, True)
        with pytest.raises(RuleViolation, match="行业代码"):
            cards.issue_internal_card(s, other.id, "H", inst.id, D0)
