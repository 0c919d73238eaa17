"""民法典第二百零三条 for dates stored before the rule (or a day declared off afterwards): the
sweep moves an open case's last day off a day off, tells the institution once, never escalates
before the real last day; a date fixed after 期限待定 reaches the register and every round's
link. Real database (SQLite and PostgreSQL), no Prefect."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from adapters import clock
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution
from models import OutboxMessage, PortalLink, RegisterEntry, SanctionCase
from procedures.casework import staff
from procedures.portal.links import CaseStep, Contact, Recipient, create_link
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import invite_args, record_defence
from procedures.sanctions.rectification import (
    REVIEW_AGAIN,
    record_rectification_report,
    review_rectification,
)
from procedures.sanctions.service import carry_out
from tests.app_env import app_env
from tests.postgres_server import free_port
from tests.procedures.casework.test_unknown_year_windows import _mails, _sanction, declare_year
from tests.procedures.sanctions.support import submit_statement
from tests.procedures.sanctions.test_sanctions import notify_opened


@pytest.fixture
def world(db_url, tmp_path):
    """test_unknown_year_windows' world (2099 declared, 2100 not), on SQLite and PostgreSQL."""
    values = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"), "SUPERVISION_DATABASE_URL": db_url,
              "SUPERVISION_SMTP_PORT": str(free_port()), "SUPERVISION_SMTP_TIMEOUT_SECONDS": "1",
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            add_institution(s, "济南年末评价中心", "T-Y-2", city="A", email="inst-y2@institution.example.cn")
        declare_year(2099)
        yield

SATURDAY, SUNDAY, MONDAY, TUESDAY = date(2099, 3, 7), date(2099, 3, 8), date(2099, 3, 9), date(2099, 3, 10)


def _rectifying(on: str) -> int:
    with session_scope() as s:
        code = staff.add(s, "CITY-A", "王审核", "审核")[1]
    case_id = _sanction("T-Y-2", on, code)
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                                "requirements": "按规定设置考场，重新组织评价"}).accepted
    assert carry_out(case_id)["status"] == "rectifying"
    return case_id


def _store_old_due(case_id: int, due: date) -> None:
    """What a case opened before the rule holds: the nominal day, on a weekend."""
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        case.rectification_due = due
        s.add(case)
        entry = s.exec(select(RegisterEntry).where(RegisterEntry.key == f"sanction-{case_id}-rectification")).one()
        entry.until = due
        s.add(entry)
        create_link(s, CaseStep("sanction", case_id, "rectification-1", "run-x"),
                    Recipient("institution", "济南年末评价中心", "inst-y2@institution.example.cn"),
                    Contact("委派机构", "a@example.gov.cn"), "整改报告",
                    datetime.combine(due, time(23, 59), tzinfo=clock.tz()))


def test_a_stored_last_day_on_a_weekend_is_moved_to_the_next_working_day_and_the_institution_told_once(world):
    case_id = _rectifying("2098-12-01")
    _store_old_due(case_id, SATURDAY)
    first = sanction_sweep.sweep(date(2099, 3, 1), resume=False)
    second = sanction_sweep.sweep(date(2099, 3, 2), resume=False)
    assert first.due_moved == [case_id] and second.due_moved == []
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        entry = s.exec(select(RegisterEntry).where(RegisterEntry.key == f"sanction-{case_id}-rectification")).one()
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "rectification-1")).one()
    assert case.rectification_due == MONDAY and entry.until == MONDAY
    assert case.details["due_moved"][0]["from"] == str(SATURDAY)
    assert link.deadline.date() == MONDAY - timedelta(days=case.clock_offset_days)  # the link lives in real time
    (told,) = _mails("【期限顺延】")
    assert told.recipient == "inst-y2@institution.example.cn" and "顺延至2099年3月9日" in told.text_body


def test_the_sweep_never_escalates_before_the_real_last_day_of_a_stored_weekend_date(world):
    case_id = _rectifying("2098-12-01")
    _store_old_due(case_id, SATURDAY)
    assert sanction_sweep.sweep(SUNDAY, resume=False).escalated == []  # moved to Monday, not overdue
    assert sanction_sweep.sweep(MONDAY, resume=False).escalated == []
    assert sanction_sweep.sweep(TUESDAY, resume=False).escalated == [case_id]


def test_a_stored_date_in_an_undeclared_year_is_never_escalated_on_until_the_year_is_declared(world):
    case_id = _rectifying("2099-10-01")
    saturday_2100 = date(2100, 1, 2)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        case.rectification_due, case.escalated_on = saturday_2100, None
        s.add(case)
    assert sanction_sweep.sweep(date(2100, 1, 10), resume=False).escalated == []
    declare_year(2100)
    assert sanction_sweep.sweep(date(2100, 1, 10), resume=False).escalated == [case_id]


def test_a_rectification_date_fixed_after_pending_reaches_the_public_register(world):
    case_id = _rectifying("2099-11-30")  # 3 months: 2100-02-28, year not declared
    with session_scope() as s:
        assert s.exec(select(RegisterEntry).where(
            RegisterEntry.key == f"sanction-{case_id}-rectification")).one().until is None
    declare_year(2100)
    sanction_sweep.sweep(date(2100, 1, 5), resume=False)
    with session_scope() as s:
        assert s.exec(select(RegisterEntry).where(
            RegisterEntry.key == f"sanction-{case_id}-rectification")).one().until == date(2100, 3, 1)


def test_a_re_hearings_pending_period_fixes_its_own_link_and_each_round_is_told(world):
    case_id = _sanction("T-Y-2", "2099-12-25", "")
    assert notify_opened(case_id)["hearing_due"] == "期限待定"
    with session_scope() as s:  # the hearing reopened after a change: round 2, its link defence-2
        case = s.get(SanctionCase, case_id)
        case.details = case.details | {"hearing_round": 2}
        s.add(case)
        create_link(s, CaseStep("sanction", case_id, "defence-2", "run-x"),
                    Recipient("institution", "济南年末评价中心", "inst-y2@institution.example.cn"),
                    Contact("委派机构", "a@example.gov.cn"), "陈述和申辩",
                    datetime.combine(date(2100, 2, 3), time(23, 59), tzinfo=clock.tz()))
        s.add(OutboxMessage(idempotency_key=f"deadline-fixed:sanction:{case_id}:hearing_due", recipient="x@y",
                            recipient_kind="institution", subject="round 1", text_body="", html_body="",
                            created_at=clock.now()))
    declare_year(2100)
    sanction_sweep.sweep(date(2099, 12, 28), resume=False)
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "defence-2")).one()
        offset = s.get(SanctionCase, case_id).clock_offset_days
        assert link.deadline.date() == date(2100, 1, 4) - timedelta(days=offset)
        assert s.exec(select(OutboxMessage).where(
            col(OutboxMessage.idempotency_key) == f"deadline-fixed:sanction:{case_id}:hearing_due:2")).first()


def test_a_new_rectification_date_typed_on_a_day_off_is_moved_to_the_next_working_day_and_said_on_the_case(world):
    case_id = _rectifying("2098-12-01")
    with session_scope() as s:
        code = staff.add(s, "CITY-A", "李审核", "审核")[1]
    sid = submit_statement(case_id, "run-T-Y-2-2098-12-01", "rectification-1", "整改报告")
    record_rectification_report(case_id, sid)
    undeclared = review_rectification(case_id, "review-1-1", {
        "outcome": REVIEW_AGAIN, "staff_code": code, "requirements": "补充考场照片", "new_due": "2100-01-04"})
    assert not undeclared.accepted and "2100年法定节假日安排尚未录入" in undeclared.field_errors["new_due"]
    assert review_rectification(case_id, "review-1-2", {
        "outcome": REVIEW_AGAIN, "staff_code": code, "requirements": "补充考场照片",
        "new_due": str(SUNDAY)}).accepted
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
    assert case.rectification_due == MONDAY
    assert invite_args(case_id, "rectification-2")["deadline"].date() == \
        MONDAY - timedelta(days=case.clock_offset_days)
    assert "（2099-03-08为法定休假日，依民法典第二百零三条顺延至2099-03-09）" in proposal_markdown(case_id) + str(
        case.details)
