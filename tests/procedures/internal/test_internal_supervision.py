"""Internal supervision (内督, 第十二条, 第十三条, 第十六条) as procedures on a real database (SQLite and
PostgreSQL): the contact is asked, assigns its own carded supervisor, the supervisor files the
附件3 record through the portal's form registry, a 不合格 record asks for the institution's
follow-up, and the sweep reminds and reports every session left uncovered — once."""

from datetime import date

import pytest
from sqlmodel import select

from adapters import clock, portal_tokens
from adapters.db import session_scope, upgrade
from cli.demo_data import (
    add_agencies,
    add_institution,
    add_session,
    add_supervisor,
)
from models import (
    ConflictDeclaration,
    EvaluationSession,
    InternalRecord,
    InternalSession,
    OutboxMessage,
    PortalLink,
    PortalSubmission,
)
from procedures.internal import sweep
from procedures.portal import forms as portal_forms
from procedures.portal import submissions
from procedures.supervisors import cards, people
from regulation.identity import make_number
from tests.app_env import app_env
from tests.flows.world import answers

ALL_FIVE = {n: True for n in "一二三四五"}
D0 = date(2026, 3, 2)
MONDAY = date(2026, 11, 30)  # the sweep's day: 5 working days ahead is Monday 12-07
FRIDAY = date(2026, 12, 4)  # the session's day (ends the same day; its record is due Tuesday 12-08)


@pytest.fixture
def db(db_url, tmp_path):
    from tests.postgres_server import free_port

    # an SMTP port nobody listens on: the sweep's mail stays in the outbox (never a running catcher's)
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
                  "SUPERVISION_SMTP_PORT": str(free_port())}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            inst = add_institution(s, "某职业培训学校", "37010020240001", category="social_org",
                                   internal_contact_name="李联系", internal_contact_email="neidu@school.example.cn")
            other = add_institution(s, "另一机构", "37010020240002", category="social_org")
            s.flush()
            ids = {"inst": inst.id, "other": other.id}
        yield ids


def internal_supervisor(n: int, institution_id: int) -> int:
    with session_scope() as s:
        reg = people.register(s, person_key=make_number("370102", date(1985, 1, 1 + n), n), name=f"内督{n}",
                              email=f"nd{n}@school.example.cn", on=D0, attestations=ALL_FIVE, kind="internal")
        people.record_assessment(s, reg.person_key, "training", D0, True)
        people.record_assessment(s, reg.person_key, "assessment", D0, True)
        return cards.issue_internal_card(s, reg.id, "S", institution_id, D0).id


def a_session(batch: str, institution_id: int, day: date = FRIDAY, **kw) -> int:
    with session_scope() as s:
        from models import Institution
        return add_session(s, batch, s.get(Institution, institution_id), day, internal_supervisors=[], **kw).id


def internal_of(session_id: int) -> InternalSession:
    with session_scope() as s:
        row = s.exec(select(InternalSession).where(InternalSession.session_id == session_id)).one()
        s.expunge(row)
        return row


def token(key: str) -> str:
    return portal_tokens.token_for(key)


def submit(kind: str, key: str, fields: dict, files=()):
    form = portal_forms.forms()[kind]
    posted = {k: (v if isinstance(v, list) else [v]) for k, v in fields.items()}
    return submissions.submit_form(token(key), form, posted, list(files))


def mails(subject_part: str) -> list[OutboxMessage]:
    with session_scope() as s:
        return [m for m in s.exec(select(OutboxMessage)) if subject_part in m.subject]


def assigned(db, batch: str, *supervisors: int) -> tuple[int, int]:
    sid = a_session(batch, db["inst"])
    with session_scope() as s:
        sweep.open_due_sessions(s, MONDAY)
    row = internal_of(sid)
    result = submit("internal_assign", f"internal_session:{row.id}:assign",
                    {"recorder": str(supervisors[0]), "others": [str(i) for i in supervisors[1:]], "signed_by": "李联系"})
    assert result.status == "stored", result.errors
    return sid, row.id


def record_fields(card_code: str, negatives=(), vetoes=(), **extra) -> dict:
    a = answers("theory", "", str(FRIDAY), negatives=negatives, vetoes=vetoes, **extra)
    a.pop("assignment_code")
    return a | {"card_code": card_code}


def card_of(supervisor_id: int) -> str:
    from models import Supervisor

    with session_scope() as s:
        return s.get(Supervisor, supervisor_id).card_code


def test_a_session_within_five_working_days_asks_the_contact_once(db):
    soon, later = a_session("SOON", db["inst"], FRIDAY), a_session("LATER", db["inst"], date(2026, 12, 9))
    with session_scope() as s:
        assert sweep.open_due_sessions(s, MONDAY) == ["SOON"]  # 12-09 is 7 working days ahead
    with session_scope() as s:
        assert sweep.open_due_sessions(s, MONDAY) == []  # once
    row = internal_of(soon)
    assert row.status == "asked" and row.asked_on == MONDAY and row.agency_id == "CITY-A"
    assert row.record_due == date(2026, 12, 8)  # 第十七条: 2 working days after the scheduled end
    (mail,) = mails("安排内督员")
    assert mail.recipient == "neidu@school.example.cn" and "/l/" in mail.text_body
    with session_scope() as s:
        assert s.exec(select(InternalSession).where(InternalSession.session_id == later)).first() is None


def test_roster_named_own_card_is_taken_as_assigned_and_the_recorder_gets_the_link(db):
    sup = internal_supervisor(1, db["inst"])
    with session_scope() as s:
        from models import Institution, Supervisor
        one = s.get(Supervisor, sup)
        sess = add_session(s, "NAMED", s.get(Institution, db["inst"]), FRIDAY,
                           internal_supervisors=[{"name": one.name, "card_code": one.card_code, "person_key": one.person_key}])
        sid = sess.id
    with session_scope() as s:
        sweep.open_due_sessions(s, MONDAY)
    row = internal_of(sid)
    assert row.status == "assigned" and row.recorder_id == sup and row.assigned_by == "名册登记"
    assert not mails("安排内督员")
    assert [m.recipient for m in mails("内督日常督导情况记录表")] == ["nd1@school.example.cn"]


def test_assignment_refuses_an_examiner_a_declared_conflict_an_external_supervisor_and_a_foreign_card(db):
    own, conflicted, examiner = (internal_supervisor(n, db["inst"]) for n in (1, 2, 3))
    foreign = internal_supervisor(4, db["other"])
    with session_scope() as s:
        from models import Supervisor
        exam = s.get(Supervisor, examiner)
        s.add(ConflictDeclaration(supervisor_id=conflicted, institution_id=db["inst"], declared_on=D0, reason="亲属"))
    sid = a_session("RECUSE", db["inst"], examiners=[{"name": exam.name, "person_key": exam.person_key}])
    with session_scope() as s:
        sweep.open_due_sessions(s, MONDAY)
    row = internal_of(sid)
    key = f"internal_session:{row.id}:assign"
    for chosen, expected in ((conflicted, "利害关系"), (examiner, "考评人员"), (foreign, "第十二条")):
        result = submit("internal_assign", key, {"recorder": str(chosen), "signed_by": "李联系"})
        assert result.status == "invalid" and any(expected in e for e in result.errors), result.errors
    result = submit("internal_assign", key, {"recorder": str(own), "signed_by": ""})
    assert result.status == "invalid" and "signed_by" in result.field_errors
    assert internal_of(sid).status == "asked"
    with session_scope() as s:
        assert not s.exec(select(PortalSubmission)).all()  # nothing stored by a refusal
    assert submit("internal_assign", key, {"recorder": str(own), "signed_by": "李联系"}).status == "stored"
    row = internal_of(sid)
    assert row.status == "assigned" and row.supervisor_ids == [own]
    with session_scope() as s:
        assert [p["card_code"] for p in s.get(EvaluationSession, sid).internal_supervisors] == [card_of(own)]


def test_an_external_supervisor_dispatched_to_the_session_may_not_be_its_internal_supervisor(db):
    from models import Dispatch, Supervisor

    own = internal_supervisor(1, db["inst"])
    sid = a_session("BOTH", db["inst"])
    with session_scope() as s:
        person = s.get(Supervisor, own).person_key
        ext = add_supervisor(s, "外督甲", "A", 1, person_key=person)
        s.add(Dispatch(session_id=sid, supervisor_id=ext.id, agency_id="CITY-A", institution_id=db["inst"],
                       dispatched_on=MONDAY))
    with session_scope() as s:
        sweep.open_due_sessions(s, MONDAY)
    row = internal_of(sid)
    result = submit("internal_assign", f"internal_session:{row.id}:assign", {"recorder": str(own), "signed_by": "李"})
    assert result.status == "invalid" and any("外督员不得兼任同场次内督员" in e for e in result.errors)


def test_internal_record_is_signed_with_the_recorders_card_and_judged_by_the_twenty_percent_rule(db):
    sup = internal_supervisor(1, db["inst"])
    sid, rid = assigned(db, "REC", sup)
    key = f"internal_session:{rid}:record:{sup}"
    result = submit("internal_record", key, record_fields("S123456250001"))
    assert result.status == "invalid" and "card_code" in result.field_errors
    wrong = record_fields(card_of(sup), negatives=(1, 2, 3, 4, 5))
    wrong["supervisor_verdict"] = "合格"  # theory fails at 5 of 23 (附件3)
    result = submit("internal_record", key, wrong)
    assert result.status == "invalid" and "supervisor_verdict" in result.field_errors
    with session_scope() as s:
        assert not s.exec(select(InternalRecord)).all()
    assert submit("internal_record", key, record_fields(card_of(sup), negatives=(1, 2, 3, 4))).status == "stored"
    with session_scope() as s:
        rec = s.exec(select(InternalRecord)).one()
        assert (rec.verdict, rec.negative_count, rec.item_count) == ("合格", 4, 23)
        assert rec.due_on == date(2026, 12, 8) and rec.late == (clock.today() > rec.due_on)  # 第十七条
        assert rec.followup_due is None
    assert internal_of(sid).status == "recorded"
    (result_mail,) = mails("【内督记录表】")
    assert result_mail.recipient == "neidu@school.example.cn" and "评定合格" in result_mail.subject


def test_a_failed_internal_record_asks_the_institution_to_follow_up_and_an_overdue_one_is_reported(db):
    sup = internal_supervisor(1, db["inst"])
    sid, rid = assigned(db, "FAIL", sup)
    assert submit("internal_record", f"internal_session:{rid}:record:{sup}",
                  record_fields(card_of(sup), vetoes=(1,))).status == "stored"
    with session_scope() as s:
        rec = s.exec(select(InternalRecord)).one()
        due = rec.followup_due
    assert rec.verdict == "不合格" and due is not None
    assert [m.recipient for m in mails("内督不合格的整改说明")] == ["neidu@school.example.cn"]
    with session_scope() as s:
        assert sweep.report_followups(s, due) == []  # not before the day after
        assert sweep.report_followups(s, date.fromordinal(due.toordinal() + 1)) == ["FAIL"]
        assert sweep.report_followups(s, date.fromordinal(due.toordinal() + 2)) == []  # once
    (report,) = mails("【内督整改说明逾期】")
    assert report.recipient.startswith("city-a@") and "FAIL" in report.text_body
    result = submit("internal_followup", f"internal_session:{rid}:followup", {"measures": ""})
    assert result.status == "invalid" and "measures" in result.field_errors
    assert submit("internal_followup", f"internal_session:{rid}:followup",
                  {"measures": "已更换考场监控设备并培训考务人员。"}).status == "stored"
    with session_scope() as s:
        rec = s.exec(select(InternalRecord)).one()
        assert rec.followup_text.startswith("已更换") and rec.followup_on is not None


def test_an_unassigned_session_is_reminded_then_reported_to_the_agency_on_its_start_day(db):
    a_session("UNASSIGNED", db["inst"])
    with session_scope() as s:
        sweep.open_due_sessions(s, MONDAY)
        assert sweep.remind_unassigned(s, MONDAY) == []  # 4 days before
        assert sweep.remind_unassigned(s, date(2026, 12, 2)) == ["UNASSIGNED"]
        assert sweep.remind_unassigned(s, date(2026, 12, 3)) == []  # once
        assert sweep.report_unassigned(s, date(2026, 12, 3)) == []  # not started yet
        assert sweep.report_unassigned(s, FRIDAY) == ["UNASSIGNED"]
        assert sweep.report_unassigned(s, date(2026, 12, 5)) == []  # once
    (report,) = mails("【内督未安排】")
    assert report.recipient.startswith("city-a@") and "UNASSIGNED" in report.text_body and "第十六条" in report.text_body


def test_a_session_with_no_record_by_its_due_day_is_reported_once_the_day_after(db):
    sup = internal_supervisor(1, db["inst"])
    assigned(db, "NOREC", sup)
    with session_scope() as s:
        assert sweep.remind_records(s, date(2026, 12, 8)) == ["NOREC"]
        assert sweep.report_missing(s, date(2026, 12, 8)) == []  # the due day itself is still in time
        assert sweep.report_missing(s, date(2026, 12, 9)) == ["NOREC"]
        assert sweep.report_missing(s, date(2026, 12, 10)) == []
    assert len(mails("【内督记录缺失】")) == 1
    assert {m.recipient for m in mails("今日到期")} == {"nd1@school.example.cn", "neidu@school.example.cn"}


def test_no_session_of_an_active_institution_ends_without_a_record_or_a_report(db):
    """Every session the sweep saw, day by day over three weeks: recorded, or reported by name."""
    sup = internal_supervisor(1, db["inst"])
    ids = [a_session(f"S{n}", db["inst"], date(2026, 12, d)) for n, d in enumerate((1, 2, 3, 4), 1)]
    suspended = a_session("SUSP", db["other"], date(2026, 12, 2))
    with session_scope() as s:
        from models import Institution
        s.get(Institution, db["other"]).status = "suspended"
    day = date(2026, 11, 23)
    while day <= date(2026, 12, 14):
        sweep.sweep_internal(day)
        if day == date(2026, 11, 27):  # the contact answers one of the four
            row = internal_of(ids[3])
            assert submit("internal_assign", f"internal_session:{row.id}:assign",
                          {"recorder": str(sup), "signed_by": "李联系"}).status == "stored"
        day = date.fromordinal(day.toordinal() + 1)
    with session_scope() as s:
        rows = {r.session_id: r for r in s.exec(select(InternalSession))}
        assert set(rows) == set(ids)  # the suspended institution's session is the daily inspection's finding
        assert suspended not in rows
        for sid in ids:
            assert rows[sid].status == "recorded" or rows[sid].missing_reported_on is not None
        assert all(rows[sid].unassigned_reported_on for sid in ids[:3])
    sent = mails("【内督记录缺失】")
    assert sorted(b for m in sent for b in ("S1", "S2", "S3", "S4") if b in m.text_body) == ["S1", "S2", "S3", "S4"]


def test_a_record_link_of_a_session_already_recorded_resumes_nothing_and_refuses_a_second_record(db):
    sup = internal_supervisor(1, db["inst"])
    _sid, rid = assigned(db, "TWICE", sup)
    key = f"internal_session:{rid}:record:{sup}"
    assert submit("internal_record", key, record_fields(card_of(sup))).status == "stored"
    again = submit("internal_record", key, record_fields(card_of(sup)))
    assert again.status != "stored"
    with session_scope() as s:
        assert len(s.exec(select(InternalRecord)).all()) == 1
        link = s.exec(select(PortalLink).where(PortalLink.link_key == key)).one()
        sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
        assert sub.resume_status == "none"  # no Prefect run waits for an institution's own supervision


def test_the_follow_up_period_ending_on_a_day_off_runs_to_the_next_working_day_and_is_reported_only_after_it(db):
    """民法典第二百零三条, our reading for every calendar-day period (issue 17 point 5): the 15 days an
    institution has for its account of a 不合格 internal record end on the next working day when the
    15th is a day off; a stored day off is reported only after the working day it moves to, and never
    while its year has no official schedule."""
    from procedures.internal.followup import followup_due

    with session_scope() as s:
        assert followup_due(s, date(2026, 9, 16), 15) == (date(2026, 10, 8), True)  # 10-01: National Day
        assert followup_due(s, date(2026, 12, 4), 15) == (date(2026, 12, 21), True)  # 12-19: a Saturday
        assert followup_due(s, date(2026, 12, 9), 15) == (date(2026, 12, 24), True)  # a Thursday: as is
        assert followup_due(s, date(2099, 12, 20), 15) == (date(2100, 1, 4), False)  # 2100 not official yet
    sup = internal_supervisor(1, db["inst"])
    sid, rid = assigned(db, "FOFF", sup)
    assert submit("internal_record", f"internal_session:{rid}:record:{sup}",
                  record_fields(card_of(sup), vetoes=(1,))).status == "stored"
    (link,) = mails("内督不合格的整改说明")
    with session_scope() as s:
        due = s.exec(select(InternalRecord)).one().followup_due
    assert f"请于{due.year}年{due.month}月{due.day}日前提交" in link.text_body  # the day as letters write it

    def stored(due: date) -> None:  # as a record stored before the rule (or in an undeclared year) holds it
        with session_scope() as s:
            rec = s.exec(select(InternalRecord)).one()
            rec.followup_due = due
            s.add(rec)

    stored(date(2100, 1, 2))
    with session_scope() as s:
        assert sweep.report_followups(s, date(2100, 2, 1)) == []  # its real last day is not known yet
    stored(date(2026, 12, 19))  # a Saturday
    with session_scope() as s:
        assert sweep.report_followups(s, date(2026, 12, 21)) == []  # Monday is its last day
    with session_scope() as s:
        assert sweep.report_followups(s, date(2026, 12, 22)) == ["FOFF"]
