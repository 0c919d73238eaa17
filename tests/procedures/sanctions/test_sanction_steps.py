"""What each step of the 处理程序 hands the flow (flows/sanctions.py), on a real database (SQLite,
no Prefect): the flags that decide the next step — the hearing flag of a report-only case, the
status after the decision, a re-hearing round — and every due date a step stores, on the case and
in the portal link the institution answers through (陈述申辩 5 working days, 整改 3 months, 改进
and 书面说明 30 calendar days, 送达回执 5 working days, a new date staff set)."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from adapters.clock import tz
from adapters.db import session_scope
from cli.demo_data import add_institution
from models import Document, Institution, OutboxMessage, PortalLink, SanctionCase
from procedures.casework import staff
from procedures.portal.links import aware
from procedures.sanctions.common import read_view
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import invite_args, record_defence, skip_hearing
from procedures.sanctions.proposal import open_sanction, start_case
from procedures.sanctions.rectification import record_rectification_report, review_rectification
from procedures.sanctions.service import RECEIPT_STEP, carry_out
from tests.procedures.sanctions.support import submit_statement
from tests.procedures.sanctions.test_sanctions import notify_opened

D0 = date(2026, 3, 2)  # a Monday: the case's day in every test
FIVE_WORKING_DAYS = date(2026, 3, 9)  # 陈述申辩 (第二十五条), 送达回执
THREE_MONTHS = date(2026, 6, 2)  # 整改 (附件4 限期3个月)
THIRTY_DAYS = date(2026, 4, 1)  # 改进 (第二十七条), 书面说明 (第二十条): report_due_days
DETAILS = {"interview_time": "2026年3月20日上午9时", "interview_place": "济南市人社局会议室",
           "requirements": "完善考务管理制度", "problems": "考场未按规定设置"}




def _staff(agency: str) -> str:
    with session_scope() as s:
        return staff.add(s, agency, f"审核{agency}", "审核")[1]


def _started(tag: str, finding: str, authority="city", city="A", acting: str | None = None) -> dict:
    """A case on a new institution, opened (by `acting`, else the 属地 agency) and started by its run:
    the view the flow gets from start_case."""
    with session_scope() as s:
        inst = add_institution(s, f"测试机构{tag}", f"S-{tag}", authority=authority, city=city)
        case_id = open_sanction(s, f"test:{tag}", inst.id, finding, "考场未按规定设置", D0, "registered",
                                agency_id=acting).id
    return start_case(f"run-{tag}", sanction_case_id=case_id, as_of=D0)


def _case(case_id: int) -> SanctionCase:
    with session_scope() as s:
        case = s.get(SanctionCase, case_id)
        s.expunge(case)
        return case


def _deadline(case_id: int, due: date) -> datetime:
    """The end of `due` in the case's time, as a portal link states it (real time: the case's
    clock offset taken off)."""
    return datetime.combine(due - timedelta(days=_case(case_id).clock_offset_days), time(23, 59), tzinfo=tz())


def _heard_and_decided(tag: str, finding: str, answers: dict) -> tuple[int, str]:
    """Told (告知书), the period ended without a defence, decided with `answers`: (case id, staff code)."""
    v = _started(tag, finding)
    code = _staff("CITY-A")
    notify_opened(v["case_id"])
    record_defence(v["case_id"], 0)
    outcome = decide(v["case_id"], "decision-1", {"staff_code": code} | answers)
    assert outcome.accepted, outcome.errors
    return v["case_id"], code


# -- proposal: the hearing flag (第二十五条; 第二十条–第二十三条、第二十七条 「由负责备案的人社部门」) ---------------
@pytest.mark.parametrize(("tag", "authority", "city", "acting", "finding"), [
    ("RO1", "mohrss", None, None, "22.7"),  # ministry-filed: the province acts, and reports
    ("RO2", "province", None, "CITY-A", "21.3"),  # a city acting on a province-filed institution
    ("RO3", "city", "B", "CITY-A", "27.1"),  # another city's institution
    ("RO4", "mohrss", None, None, "20.1"),
])
def test_an_agency_that_did_not_file_the_institution_serves_no_hearing_of_its_own(db, tag, authority, city,
                                                                                  acting, finding):
    v = _started(tag, finding, authority, city, acting)
    assert (v["report_only"], v["hearing"]) == (True, False)
    case = _case(v["case_id"])
    assert case.report_only and case.proposal["report_only"]
    assert case.proposal["hearing"]  # the measure itself is heard — by the filing authority, not here


def test_the_filing_authority_serves_the_hearing_of_its_own_case(db):
    v = _started("FA1", "22.7")
    assert (v["report_only"], v["hearing"], v["defence_step"]) == (False, True, "defence")


def test_a_referral_is_never_announced_so_no_hearing_is_served(db):
    """第二十四条: the institution is not forewarned, though the acting agency filed it."""
    v = _started("RF1", "24.1")
    assert (v["measure"], v["report_only"], v["hearing"]) == ("referral", False, False)


# -- hearing: the period and the step the run waits at -------------------------------------------------
def test_the_hearing_period_is_5_working_days_on_the_case_the_view_and_the_defence_link(db):
    v = _started("H5", "22.2")
    _staff("CITY-A")
    v = notify_opened(v["case_id"])
    case_id = v["case_id"]
    assert (v["status"], v["hearing_due"], v["defence_step"]) == ("hearing", str(FIVE_WORKING_DAYS), "defence")
    assert _case(case_id).hearing_due == FIVE_WORKING_DAYS
    assert invite_args(case_id, "defence")["deadline"] == _deadline(case_id, FIVE_WORKING_DAYS)


def test_a_report_only_case_skips_the_hearing_and_waits_for_the_decision_without_a_notice_or_a_period(db):
    v = skip_hearing(_started("RO5", "22.7", "mohrss")["case_id"])
    assert (v["status"], v["hearing"], v["hearing_due"]) == ("awaiting_decision", False, "")
    with session_scope() as s:
        assert s.exec(select(Document).where(Document.idempotency_key.like(f"sanction-{v['case_id']}-hearing%"))) \
            .first() is None
        assert s.exec(select(OutboxMessage).where(OutboxMessage.recipient_kind == "institution")).first() is None


def test_a_defence_period_ended_without_a_defence_hands_the_flow_the_decision(db):
    v = _started("D0", "22.2")
    _staff("CITY-A")
    notify_opened(v["case_id"])
    v = record_defence(v["case_id"], 0)
    assert v["status"] == "awaiting_decision"
    assert _case(v["case_id"]).defence["closed_on"] == str(D0)


def test_a_change_the_last_notice_did_not_state_hands_the_flow_a_second_hearing_round(db):
    """第二十五条: an interview told, a revocation decided — the run goes round again: a new 告知书,
    a new 5-working-day period, and a wait at defence-2."""
    case_id, _code = _heard_and_decided("CH2", "21.3", {
        "decision": "变更处理", "changed_article": "第二十三条（四）", "reason": "核实为贩卖证书",
        "changed_facts": "该机构向未参加评价的人员出售证书。"})
    v = read_view(case_id)
    assert (v["status"], v["hearing"], v["hearing_round"], v["defence_step"], v["hearing_due"]) == \
        ("pending", True, 2, "defence-2", "")
    v = notify_opened(case_id)
    assert (v["status"], v["hearing_due"], v["defence_step"]) == ("hearing", str(FIVE_WORKING_DAYS), "defence-2")
    assert invite_args(case_id, "defence-2")["deadline"] == _deadline(case_id, FIVE_WORKING_DAYS)


# -- decision and service: the next status, the periods it stores ----------------------------------------
@pytest.mark.parametrize(("finding", "status", "due"), [
    ("21.3", "awaiting_minutes", None),  # 第二十一条: the minutes next
    ("20.1", "awaiting_report", THIRTY_DAYS),  # 第二十条: the institution's explanation
    ("22.2", "rectifying", THREE_MONTHS),  # 第二十二条: 整改, 3 months
    ("27.1", "improving", THIRTY_DAYS),  # 第二十七条: 改进
    ("23.4", "closed", None),  # 第二十三条: revoked, nothing to wait for
])
def test_a_decision_carried_out_hands_the_flow_its_next_status_and_stores_its_period(db, finding, status, due):
    case_id, _code = _heard_and_decided(f"N{finding}", finding, {"decision": "采纳拟处理意见"} | DETAILS)
    v = carry_out(case_id)
    assert (v["status"], v["rectification_due"]) == (status, str(due or ""))
    case = _case(case_id)
    assert case.rectification_due == due
    assert case.rectification_round == (1 if status in ("rectifying", "improving") else 0)
    if due is not None:
        step = {"awaiting_report": "explanation", "rectifying": "rectification-1", "improving": "improvement-1"}[status]
        assert invite_args(case_id, step)["deadline"] == _deadline(case_id, due)


def test_a_dropped_case_hands_the_flow_dropped_and_still_serves_its_decision(db):
    case_id, _code = _heard_and_decided("DR1", "22.2", {"decision": "不予处理", "reason": "经核实，考场设置符合规定"})
    v = carry_out(case_id)
    assert (v["status"], v["rectification_due"]) == ("dropped", "")
    assert (_case(case_id).decision_served_on, _case(case_id).receipt_due) == (D0, FIVE_WORKING_DAYS)


def test_the_decision_receipt_is_due_5_working_days_after_service_on_the_case_and_its_link(db):
    case_id, _code = _heard_and_decided("RC1", "22.2", {"decision": "采纳拟处理意见"} | DETAILS)
    carry_out(case_id)
    case = _case(case_id)
    assert (case.decision_served_on, case.receipt_due) == (D0, FIVE_WORKING_DAYS)
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.case_kind == "sanction", PortalLink.case_id == case_id,
                                               PortalLink.step_key == RECEIPT_STEP)).one()
    assert aware(link.deadline) == _deadline(case_id, FIVE_WORKING_DAYS)


def test_a_report_only_decision_is_reported_with_no_decision_served_and_no_period(db):
    v = _started("RO6", "22.7", "mohrss")
    code = _staff("PROV")
    skip_hearing(v["case_id"])
    assert decide(v["case_id"], "d-1", {"decision": "采纳拟处理意见", "staff_code": code}).accepted
    v = carry_out(v["case_id"])
    assert (v["status"], v["rectification_due"]) == ("reported", "")
    case = _case(v["case_id"])
    assert (case.decision_served_on, case.receipt_due, case.rectification_due) == (None, None, None)
    with session_scope() as s:
        assert s.get(Institution, case.institution_id).status == "active"  # no measure taken here


# -- rectification: a new date for the next round -------------------------------------------------------


def test_a_new_rectification_date_on_a_day_off_is_stored_as_the_next_working_day_for_the_next_round(db):
    """附件4 另定期限, 民法典第二百零三条: 2026-07-04 is a Saturday, the round's last day the Monday."""
    case_id, code = _heard_and_decided("RR2", "22.2", {"decision": "采纳拟处理意见"} | DETAILS)
    carry_out(case_id)
    record_rectification_report(case_id, submit_statement(case_id, "run-RR2", "rectification-1", "整改报告"))
    again = review_rectification(case_id, "review-1-1", {"outcome": "提出整改要求并另定期限", "staff_code": code,
                                                         "requirements": "补充考场视频", "new_due": "2026-07-04"})
    assert again.accepted, again.errors
    v = read_view(case_id)
    assert (v["status"], v["rectification_round"], v["rectification_due"]) == ("rectifying", 2, "2026-07-06")
    assert _case(case_id).report_received_on is None  # the next round waits for its own report
    assert invite_args(case_id, "rectification-2")["deadline"] == _deadline(case_id, date(2026, 7, 6))


def test_the_sweep_writes_case_files_only_for_cases_a_run_started_never_for_one_the_sweep_opened(db, monkeypatch):
    # A case the sweep opened (第二十二条（六）, the third failure) has no run and no proposal until staff
    # start sanction-procedure: the catch-up once failed the whole deadline sweep on it (KeyError 'basis').
    from sqlalchemy import insert as sql_insert

    from adapters import orchestrator
    from models import SanctionCase
    from procedures.sanctions import case_file
    from procedures.sanctions.sweep_common import _new_case
    from tests.procedures.sanctions.test_sanctions import D0, _inst, _start

    written: list[str] = []
    monkeypatch.setattr(orchestrator, "publish_markdown", lambda key, text, description, run: written.append(key))
    started = _start("run-file-1", _inst("CF1"), "第二十二条（二）")["case_id"]
    with session_scope() as s:
        s.exec(sql_insert(SanctionCase), params=[_new_case("overdue:cf", _inst("CF2"), "CITY-A", "22.6", "逾期未报送整改报告",
                                                            D0, "sweep")])
    assert case_file.publish_changed(D0) == 1 and written == [f"sanction-case-{started}"]
    assert case_file.publish_changed(D0) == 0  # unchanged: no new version
