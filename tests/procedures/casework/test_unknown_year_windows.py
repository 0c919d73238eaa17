"""A missing calendar year never stops a procedure (the special inspection's windows, the
sanctions' periods): the end is 期限待定 with its reason, the person is told so, the agency's
administrator once per agency and year, and the sweep computes the date once staff declare the
year — and never closes or escalates on a date it does not know. Real database, no Prefect.

2099 is declared here (the year the window opens in); 2100 is not, until the test declares it:
the situation of every December before the State Council's notice. Each test runs on SQLite and
on PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import col, select

from adapters import clock
from adapters.db import session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution, add_supervisor
from models import (
    Document,
    Institution,
    OutboxMessage,
    PortalLink,
    RegisterEntry,
    SanctionCase,
    SpecialInspectionDeadline,
)
from procedures.casework import staff
from procedures.casework.calendar_declarations import Declaration, declare
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.case_file import proposal_markdown
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import invite_args, record_defence
from procedures.sanctions.proposal import start_case
from procedures.sanctions.service import carry_out
from procedures.special import decisions, notices, opening, sweep
from tests.app_env import app_env
from tests.postgres_server import free_port
from tests.procedures.sanctions.test_sanctions import notify_opened

MISSING_2100 = "2100年的法定节假日安排尚未录入，期限待定；请管理员用 supervise calendar declare 录入"
PENDING_2100 = "另行通知的日期（期限待定，2100年法定节假日安排公布后确定）"


def declare_year(year: int) -> None:
    decl = Declaration(year, f"国办发明电〔{year - 1}〕1号", "", {date(year, 1, 1): "测试"}, {})
    with session_scope() as s:
        assert declare(s, decl, "测试管理员").stored


@pytest.fixture
def world(tmp_path, db_url):
    """On SQLite and on PostgreSQL (conftest's db_url): the window's end, the administrator's key and
    the sweep's fix are rows (issue 17 point 6)."""
    values = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"),
              "SUPERVISION_DATABASE_URL": db_url,
              "SUPERVISION_SMTP_PORT": str(free_port()),  # nothing listens: mail stays in the outbox
              "SUPERVISION_SMTP_TIMEOUT_SECONDS": "1",
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            add_institution(s, "青岛年末评价中心", "T-Y-1", city="B", email="inst-y@institution.example.cn")
            add_institution(s, "济南年末评价中心", "T-Y-2", city="A", email="inst-y2@institution.example.cn")
            for n, employer in enumerate(["甲大学", "乙公司", "丙协会", "丁学院"]):
                add_supervisor(s, f"督导Y{n}", "B", 700 + n, year=2097, term_start=date(2098, 1, 1),
                               employer=employer, email=f"y-{n}@supervisor.example.cn")
        declare_year(2099)
        yield


def _mails(prefix: str) -> list[OutboxMessage]:
    with session_scope() as s:
        return list(s.exec(select(OutboxMessage).where(col(OutboxMessage.subject).startswith(prefix))))


def _windows() -> dict[str, SpecialInspectionDeadline]:
    with session_scope() as s:
        return {r.step_key: r for r in s.exec(select(SpecialInspectionDeadline))}


def _special() -> int:
    view = opening.open_special("run-y", opening.Opening(
        institution="T-Y-1", origin="投诉举报", matters=[2, 6], planned_start="2099-12-28", planned_end="2099-12-29",
        complaint_source="群众举报", complaint_received_on="2099-12-20", complaint_content="超范围开展焊工评价",
        complainant="匿名", as_of="2099-12-25"))
    assert view.status == "special_open", view.refusal_reason
    return view.case_id


def test_a_special_inspection_window_into_an_undeclared_year_is_pending_and_the_sweep_fixes_it_once(world):
    case_id = _special()
    notices.send_notices(case_id)  # 2099-12-25: five working days run into 2100
    rows = _windows()
    self_report = rows["self-report"]
    assert self_report.due is None and self_report.due_reason == MISSING_2100 and self_report.working_days == 5
    assert {r.due for k, r in rows.items() if k.startswith("findings-")} == {date(2099, 12, 31)}  # known: 2099
    with session_scope() as s:
        notice = s.exec(select(Document).where(Document.title.contains("专项督导"))).one()
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "self-report")).one()
    assert PENDING_2100 in docx_text(notice.content) and "None" not in docx_text(notice.content)
    # open until a bound the window cannot pass: 2·5 + 30 days in the case's time (links live in real time)
    assert (link.deadline.date() - clock.today()).days == 40
    (admin,) = _mails("【工作日历缺失】2100年")
    assert admin.recipient_kind == "agency" and "supervise calendar declare" in admin.text_body
    assert "calendar-overrides" not in admin.text_body and "holidays 包" not in admin.text_body

    swept = sweep.sweep(date(2100, 1, 20))  # the date is unknown: nothing closes on it
    assert swept.closed == [] and _windows()["self-report"].status == "open"

    declare_year(2100)
    sweep.sweep(date(2099, 12, 30))
    sweep.sweep(date(2099, 12, 30))
    fixed = _windows()["self-report"]
    assert fixed.due == date(2100, 1, 4) and fixed.due_reason == ""  # 12-28..31, then 01-04 (01-01 off)
    with session_scope() as s:  # the portal form now shows the computed day (in real time)
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "self-report")).one()
    assert (link.deadline.date() - clock.today()).days == (date(2100, 1, 4) - date(2099, 12, 25)).days
    (told,) = _mails("【期限已确定】自评（自查）报告提交期限")
    assert told.recipient_kind == "institution" and "2100年1月4日" in told.text_body
    assert len(_mails("【工作日历缺失】")) == 1  # once per agency and year


def test_the_weighing_form_accepts_its_default_report_period_in_december_and_the_opinion_says_pending(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "李审核", "审核")
    case_id = _special()
    answers = {"requirements": "规范考点管理", "report_days": 20, "rating_2": "不符合", "rating_6": "符合",
               "staff_code": code}
    outcome = decisions.weigh_rebuttal(case_id, "weighing", answers)
    assert outcome.accepted, outcome.field_errors
    assert "calendar-overrides" not in str(outcome.field_errors)
    decisions.issue_opinion(case_id)
    assert _windows()["report-1"].due is None
    with session_scope() as s:
        opinion = s.exec(select(Document).where(Document.title.contains("质量督导意见书"))).one()
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "report-1")).one()
    assert (link.deadline.date() - clock.today()).days == 70  # 2·20 + 30
    assert PENDING_2100 in docx_text(opinion.content)
    assert "None" not in link.instructions and "期限待定" in link.instructions


def _sanction(filing: str, on: str, code: str) -> int:
    v = start_case(f"run-{filing}-{on}", filing_number=filing, article="第二十二条（二）",
                   facts="考场未按规定设置", as_of=date.fromisoformat(on))
    return v["case_id"]


def test_a_hearing_period_into_an_undeclared_year_is_pending_never_closed_and_fixed_once_declared(world):
    case_id = _sanction("T-Y-2", "2099-12-25", "")
    v = notify_opened(case_id)
    assert v["status"] == "hearing" and v["hearing_due"] == "期限待定"
    assert "陈述申辩期限：另行通知的日期（期限待定，2100年" in proposal_markdown(case_id)
    with session_scope() as s:
        letter = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-hearing")).one()
        case = s.get(SanctionCase, case_id)
    assert PENDING_2100 in docx_text(letter.content)
    assert case.details["due_pending"]["hearing_due"]["reason"] == MISSING_2100
    bound = invite_args(case_id, "defence")["deadline"]  # the link's bound, in real time
    assert (bound.date() - clock.today()).days == 40
    (admin,) = _mails("【工作日历缺失】2100年")
    assert admin.recipient == "city-a@example.gov.cn"

    summary = sanction_sweep.sweep(date(2100, 2, 1), resume=False)
    assert summary.hearings_closed == []  # never closed on a date it does not know

    declare_year(2100)
    summary = sanction_sweep.sweep(date(2099, 12, 28), resume=False)
    assert summary.due_computed == [case_id]
    assert sanction_sweep.sweep(date(2099, 12, 28), resume=False).due_computed == []
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
    assert case.hearing_due == date(2100, 1, 4) and case.details["due_pending"] == {}
    (told,) = _mails("【期限已确定】陈述和申辩期限")
    assert told.recipient == "inst-y2@institution.example.cn"


def test_a_rectification_deadline_into_an_undeclared_year_is_pending_and_the_sweep_never_escalates_on_it(world):
    with session_scope() as s:
        code = staff.add(s, "CITY-A", "王审核", "审核")[1]
    case_id = _sanction("T-Y-2", "2099-11-30", code)
    assert notify_opened(case_id)["hearing_due"] == "2099-12-07"  # within 2099: known
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                                "requirements": "按规定设置考场，重新组织评价"}).accepted
    v = carry_out(case_id)
    assert v["status"] == "rectifying" and v["rectification_due"] == "期限待定"  # 2100-02-28: year unknown
    with session_scope() as s:
        notice = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-rectification")).one()
        decision = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-decision")).one()
        entry = s.exec(select(RegisterEntry)).one()
        assert s.get(Institution, s.get(SanctionCase, case_id).institution_id).status == "suspended"
    assert f"限期3个月（至{PENDING_2100}）" in docx_text(notice.content)
    assert PENDING_2100 in docx_text(decision.content) and entry.until is None
    from procedures.casework import register

    (shown,) = register.entries()  # the public register says 期限待定, never 「—」 (no deadline)
    assert shown["until"] == register.PENDING_UNTIL

    summary = sanction_sweep.sweep(date(2100, 4, 1), resume=False)
    assert summary.escalated == [] and summary.reminded == []

    declare_year(2100)
    sanction_sweep.sweep(date(2100, 1, 5), resume=False)
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
    assert case.rectification_due == date(2100, 3, 1)  # 02-28 is a Sunday (民法典第二百零三条)
    assert register.entries()[0]["until"] == "2100-03-01"
    (told,) = _mails("【期限已确定】整改期限")
    assert "2100年3月1日" in told.text_body


def test_a_letters_report_date_in_an_undeclared_year_is_pending_and_the_sweep_computes_it_once(world):
    from models import AgencyDecision, InspectionCase
    from procedures.daily import sweep as deadline_sweep

    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == "T-Y-1")).one()
        case = InspectionCase(flow_run_id="run-letter", batch_number="PC-Y-1", institution_id=inst.id,
                              agency_id="CITY-B", opened_on=date(2099, 12, 1), status="closed")
        s.add(case)
        s.flush()
        s.add(AgencyDecision(case_id=case.id, option="提醒函", proposed_option="提醒函", report_due=None,
                             report_days=30, handled_by="王审核", decided_on=date(2099, 12, 10)))
    deadline_sweep.sweep_deadlines(date(2099, 12, 11))
    with session_scope() as s:
        assert s.exec(select(AgencyDecision)).one().report_due is None  # 2100 unknown: still pending
    declare_year(2100)
    first = deadline_sweep.sweep_deadlines(date(2099, 12, 12))
    second = deadline_sweep.sweep_deadlines(date(2099, 12, 13))
    assert first.due_computed == ["PC-Y-1"] and second.due_computed == []
    with session_scope() as s:
        assert s.exec(select(AgencyDecision)).one().report_due == date(2100, 1, 11)  # 01-09 is a Saturday
    (told,) = _mails("【期限已确定】提醒函")
    assert told.recipient == "inst-y@institution.example.cn" and "2100年1月11日" in told.text_body
