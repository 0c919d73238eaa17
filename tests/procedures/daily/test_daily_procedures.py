"""Daily-inspection procedures against a real database (no Prefect): deadlines the calendar
cannot give yet, and the sweep that computes them once it can (第十七条)."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from adapters import db
from adapters import settings as settings_module
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session, add_supervisor
from models import CaseEvent, InspectionCase, OutboxMessage
from procedures.daily import dispatch, opening
from procedures.daily import sweep as deadline_sweep
from procedures.daily.record import submit_record
from procedures.daily.views import record_markdown
from regulation.calendar import DeclaredYear, WorkingCalendar
from tests.postgres_server import free_port


def declare_year(year: int, days_off=None, working_days=()) -> None:
    """The year as staff declare it (the database table every process reads)."""
    from procedures.casework.calendar_declarations import Declaration, declare

    decl = Declaration(year, f"国办发明电〔{year - 1}〕1号", f"国务院办公厅关于{year}年部分节假日安排的通知",
                       {d: "测试" for d in (days_off or [date(year, 1, 1)])}, {d: "测试" for d in working_days})
    with session_scope() as s:
        assert declare(s, decl, "测试管理员").stored


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'supervision.db'}"
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))  # nobody listens: mail stays pending
    settings_module.get_settings.cache_clear()
    db.reset_engines()
    upgrade(url)
    with session_scope() as s:
        add_agencies(s)
        inst = add_institution(s, "测试机构CAL", "T-CAL", city="A", email="inst-cal@institution.example.cn")
        add_supervisor(s, "督导CAL", "A", 901, year=2024, term_start=date(2097, 1, 1))
        batches = [add_session(s, f"PC-CAL-{n}", inst, date(2098, 12, 28 + n)).batch_number for n in range(2)]
    yield batches
    settings_module.get_settings.cache_clear()
    db.reset_engines()


def test_missing_calendar_year_leaves_the_deadline_unknown_tells_the_admin_once_and_the_sweep_computes_it(
        app_db, monkeypatch):
    first = opening.open_case("run-cal-1", app_db[0], "2098-12-28", None)
    second = opening.open_case("run-cal-2", app_db[1], "2098-12-29", None)
    assert (first.status, first.record_due) == ("dispatching", None)
    assert "2098年的法定节假日安排尚未录入，期限待定" in first.record_due_reason and second.record_due is None
    with session_scope() as s:
        admin = s.exec(select(OutboxMessage).where(OutboxMessage.subject.startswith("【工作日历缺失】"))).all()
    assert len(admin) == 1 and admin[0].recipient_kind == "agency"  # once per agency and year

    summary = deadline_sweep.sweep_deadlines(date(2098, 12, 29))
    assert summary.due_computed == [] and any("2098" in e for e in summary.calendar_errors)

    # Staff declare 2098 (supervise calendar declare): the next sweep computes the deadline.
    declare_year(2098)
    declared = WorkingCalendar(declared=(DeclaredYear(2098, frozenset({date(2098, 1, 1)}), frozenset()),))
    summary = deadline_sweep.sweep_deadlines(date(2098, 12, 29))
    assert sorted(summary.due_computed) == sorted(app_db)
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == "run-cal-1")).one()
        events = s.exec(select(CaseEvent.key).where(CaseEvent.case_id == case.id)).all()
    assert case.record_due == declared.add_working_days(date(2098, 12, 28), 2) and case.record_due_reason == ""
    assert "due-unknown" in events and "due-computed" in events
    assert deadline_sweep.sweep_deadlines(date(2098, 12, 29)).due_computed == []  # once


def test_second_case_for_the_same_batch_is_refused_with_the_first_runs_link(app_db):
    opening.open_case("run-once-1", app_db[0], "2098-12-28", None)
    again = opening.open_case("run-once-2", app_db[0], "2098-12-28", None)
    assert again.status == "refused" and "/runs/flow-run/run-once-1" in again.refusal_reason


def test_impossible_as_of_date_is_refused_naming_the_field(app_db):
    case = opening.open_case("run-bad-date", app_db[0], "2098-02-30", None)
    assert case.status == "refused" and case.refusal_reason.startswith("业务日期：应为有效日期")


def test_stated_later_end_never_undoes_an_overdue_report_already_sent(tmp_path, monkeypatch):
    from adapters.assignment_codes import code_for
    from models import Dispatch, InspectionRecord
    from regulation.checklists import load_checklist

    url = f"sqlite:///{tmp_path / 'late.db'}"
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SUPERVISION_SMTP_PORT", str(free_port()))
    settings_module.get_settings.cache_clear()
    db.reset_engines()
    upgrade(url)
    with session_scope() as s:
        add_agencies(s)
        inst = add_institution(s, "测试机构LATE", "T-LATE", city="A", email="inst-late@institution.example.cn")
        card = add_supervisor(s, "督导LATE", "A", 902, year=2024).card_code
        batch = add_session(s, "PC-LATE", inst, date(2026, 11, 13)).batch_number  # Fri: due Tue 11-17
    try:
        case = opening.open_case("run-late", batch, "2026-11-16", None)
        case = dispatch.dispatch(case.case_id, [card], 1)
        assert case.record_due == date(2026, 11, 17)
        assert deadline_sweep.sweep_deadlines(date(2026, 11, 18)).overdue == [batch]
        with session_scope() as s:
            code = code_for(s.exec(select(Dispatch).where(Dispatch.case_id == case.case_id)).one().id)
        cl = load_checklist("theory")
        answers = {"assignment_code": code, "inspection_ended_on": "2026-11-16", "methods": ["数据比对"],
                   "later_end_reason": "评价结束后进行数据比对", "overall_evaluation": "规范。",
                   "supervisor_verdict": "合格"} | {f"veto_{v.no}": "否" for v in cl.veto_items} | {
                   f"item_{i.no:02d}": "是" for i in cl.items} | {"remark_03": "考场座位表张贴位置偏僻"}
        assert submit_record(case.case_id, "record-1", answers).accepted
        with session_scope() as s:
            record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.case_id)).one()
        # Counted from the stated end the record is in time (due 11-18), but the overdue report stands.
        assert (record.due_on, record.late) == (date(2026, 11, 18), True)
        # the business date (as_of) counts for the deadline; the true date received is what 提交 shows
        from adapters import clock
        from models import OutboxMessage

        assert (record.submitted_on, record.received_on) == (date(2026, 11, 16), clock.today())
        with session_scope() as s:
            mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"record-received:{case.case_id}")).one()
        from adapters.templates import chinese_date

        assert f"于 {chinese_date(clock.today())} 提交（业务日期 2026年11月16日，期限按业务日期计算）" in mail.text_body
        shown = record_markdown(case.case_id)
        assert f"提交：{clock.today()}（业务日期 2026-11-16" in shown
        # a remark under an item answered 是 reaches staff too (only failed items' remarks were shown)
        assert "## 其他项的备注" in shown and "考场座位表张贴位置偏僻" in shown
    finally:
        settings_module.get_settings.cache_clear()
        db.reset_engines()


def test_a_pending_record_date_is_told_to_each_supervisor_and_moves_the_record_link_once_declared(app_db):
    """第十七条 with 期限待定: the dispatch mail says so in the shared words (no administrator's
    command to outsiders), the link lasts the provisional bound (2 working days can never end
    after it), and once the year is declared the supervisor is told the date and the link moves."""
    from models import PortalLink
    from procedures.casework.unknown_dues import provisional_end

    view = opening.open_case("run-cal-3", app_db[0], "2098-12-01", None)
    dispatch.dispatch(view.case_id, None, 1)
    with session_scope() as s:
        (notice,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("dispatch-notice:")))
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "record")).one()
        case = s.get(InspectionCase, view.case_id)
    assert "另行通知的日期（期限待定，2098年法定节假日安排公布后确定）" in notice.text_body
    assert "supervise calendar declare" not in notice.text_body + notice.html_body
    offset = case.clock_offset_days
    assert link.deadline.date() == provisional_end(date(2098, 12, 28), 2) - timedelta(days=offset)

    declare_year(2098)
    deadline_sweep.sweep_deadlines(date(2098, 12, 2))
    deadline_sweep.sweep_deadlines(date(2098, 12, 3))
    with session_scope() as s:
        told = s.exec(select(OutboxMessage).where(OutboxMessage.subject.startswith("【期限已确定】"))).all()
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "record")).one()
    assert len(told) == 1 and told[0].recipient_kind == "supervisor" and "2098年12月30日" in told[0].text_body
    assert link.deadline.date() == date(2098, 12, 30) - timedelta(days=offset)


def test_a_letters_pending_report_date_names_the_year_the_last_day_moves_into(app_db):
    """民法典第二百零三条: 2099-12-31 declared off, a 30-day report from 2099-12-01 ends in 2100 —
    the letter's 期限待定 names 2100 (the undeclared year), not 2099."""
    from models import AgencyDecision
    from procedures.daily.decision import report_due_words

    declare_year(2099, days_off=[date(2099, 1, 1), date(2099, 12, 31)])
    decision = AgencyDecision(case_id=0, option="提醒函", proposed_option="提醒函", report_due=None, report_days=30,
                              handled_by="王审核", decided_on=date(2099, 12, 1))
    with session_scope() as s:
        words = report_due_words(s, decision)
        s.expunge_all()
    assert words == "另行通知的日期（期限待定，2100年法定节假日安排公布后确定）"


def test_a_stored_report_date_on_a_weekend_is_moved_to_the_next_working_day_and_the_institution_told_once(app_db):
    """A 提醒函's report date stored before the 民法典第二百零三条 rule, on a Saturday."""
    from models import AgencyDecision, Institution

    declare_year(2099)
    with session_scope() as s:
        inst = s.exec(select(Institution)).first()
        case = InspectionCase(flow_run_id="run-old", batch_number="PC-OLD", institution_id=inst.id,
                              agency_id="CITY-A", opened_on=date(2099, 1, 5), status="closed")
        s.add(case)
        s.flush()
        s.add(AgencyDecision(case_id=case.id, option="提醒函", proposed_option="提醒函", report_due=date(2099, 3, 7),
                             report_days=30, handled_by="王审核", decided_on=date(2099, 2, 5)))
    first = deadline_sweep.sweep_deadlines(date(2099, 3, 1))
    second = deadline_sweep.sweep_deadlines(date(2099, 3, 2))
    assert first.due_moved == ["PC-OLD"] and second.due_moved == []
    with session_scope() as s:
        assert s.exec(select(AgencyDecision)).one().report_due == date(2099, 3, 9)
        (told,) = s.exec(select(OutboxMessage).where(OutboxMessage.subject.startswith("【期限顺延】")))
    assert told.recipient == "inst-cal@institution.example.cn" and "顺延至2099年3月9日" in told.text_body


def test_supervisors_read_the_agency_by_its_letterhead_in_the_dispatch_mail_and_on_the_record_link(app_db):
    """Issue 23: one name for the agency towards outsiders — the 发文机关 its letters carry."""
    from models import Agency, PortalLink

    view = opening.open_case("run-letterhead", app_db[1], "2098-12-01", None)
    dispatch.dispatch(view.case_id, None, 1)
    with session_scope() as s:
        (notice,) = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("dispatch-notice:")))
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "record")).one()
        agency = s.get(Agency, s.get(InspectionCase, view.case_id).agency_id)
    assert agency.letterhead and agency.letterhead != agency.name
    assert f"{agency.letterhead}委派你" in notice.text_body and agency.name not in notice.text_body
    assert link.agency_name == agency.letterhead


def test_deadline_sweep_reads_no_more_with_more_cases_waiting_that_nothing_is_due_for(app_db):
    """第十七条: the sweep acts on a record due today or past due and not yet reported. A case
    waiting for a record due later, or one already reported overdue, costs it nothing: with 1,000
    runs waiting (a province's peak, issue 20) the sweep must not read each of them."""
    from sqlalchemy import event

    def waiting(n: int, first: int, due: date, reported: date | None = None) -> None:
        with session_scope() as s:
            inst_id = s.exec(select(InspectionCase.institution_id)).first()
            for k in range(first, first + n):
                s.add(InspectionCase(flow_run_id=f"run-wait-{k}", batch_number=f"PC-WAIT-{k}", institution_id=inst_id,
                                     opened_on=date(2098, 12, 1), status="awaiting_record", record_due=due,
                                     overdue_reported_on=reported))

    def statements(day: date) -> int:
        count = [0]

        def counted(*_):
            count[0] += 1

        engine = db.get_engine()
        event.listen(engine, "before_cursor_execute", counted)
        try:
            deadline_sweep.sweep_deadlines(day)
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        return count[0]

    declare_year(2098)
    declare_year(2099)
    opening.open_case("run-wait-0", app_db[0], "2098-12-01", None)  # a case of the institution to copy
    day = date(2098, 12, 10)
    waiting(1, 1, day + timedelta(days=3))
    waiting(1, 2, day - timedelta(days=5), reported=day - timedelta(days=2))
    few = statements(day)
    waiting(40, 10, day + timedelta(days=3))  # due later
    waiting(40, 60, day - timedelta(days=5), reported=day - timedelta(days=2))  # reported already
    assert statements(day) == few
    with session_scope() as s:  # and nothing was done to them
        assert {(c.record_due > day, c.overdue_reported_on) for c in s.exec(select(InspectionCase).where(
            InspectionCase.batch_number.startswith("PC-WAIT-")))} == {(True, None), (False, day - timedelta(days=2))}
