"""第二十三条（十）: the third 不合格 of a calendar year opens ONE procedure, whichever path notices it
first — the daily inspection's follow-up (启动处理程序) or the daily sweep — on SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import select

from adapters.db import session_scope
from models import AgencyDecision, InspectionCase, PendingCase, SanctionCase
from procedures.daily import decision as daily_decision
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.proposal import start_case
from procedures.sanctions.status import untaken_pending
from tests.procedures.sanctions.test_sanctions import _failed_sessions, _inst

DAYS = [date(2026, 2, 2), date(2026, 2, 20), date(2026, 3, 2)]


def _daily_follow_up(inst_id: int) -> int:
    """The daily inspection of the third failed session decides 启动处理程序 (第二十三条（十））."""
    with session_scope() as s:
        third = s.exec(select(InspectionCase).where(InspectionCase.institution_id == inst_id)
                       .order_by(InspectionCase.id.desc())).first()
        third.proposal = {"option": "启动处理程序", "article": "第二十三条（十）",
                          "notice_text": "2026年度外督总体评价结果第3次“不合格”"}
        s.add(third)
        s.add(AgencyDecision(case_id=third.id, option="启动处理程序", proposed_option="启动处理程序",
                             handled_by="王审核", decided_on=date(2026, 3, 3)))
        case_id = third.id
    daily_decision.carry_out(case_id)
    with session_scope() as s:
        return s.exec(select(PendingCase).where(PendingCase.source_case_id == case_id)).one().id


def _one_case(inst_id: int) -> SanctionCase:
    with session_scope() as s:
        (case,) = s.exec(select(SanctionCase).where(SanctionCase.institution_id == inst_id))
        return case


@pytest.mark.usefixtures("any_db")
@pytest.mark.parametrize("first", ["daily_inspection", "sweep"])
def test_the_third_failure_opens_one_procedure_whichever_path_notices_it_first(first):
    inst_id = _inst(f"TF{first[0]}")
    _failed_sessions(inst_id, f"TF{first[0]}", DAYS)
    if first == "daily_inspection":
        pending_id = _daily_follow_up(inst_id)
        opened = sanction_sweep.sweep(date(2026, 3, 4), resume=False).opened
        assert not [k for k in opened if k.startswith("fails:")]  # the sweep finds the case already open
    else:
        assert sanction_sweep.sweep(date(2026, 3, 4), resume=False).opened == [f"fails:{inst_id}:2026"]
        pending_id = _daily_follow_up(inst_id)
    case = _one_case(inst_id)
    assert case.key == f"fails:{inst_id}:2026" and case.pending_case_id == pending_id
    with session_scope() as s:  # listed once, as the case (institution show, the review form)
        assert untaken_pending(s, inst_id) == []
    started = start_case("run-tf-1", pending_case_id=pending_id, as_of=date(2026, 3, 4))
    assert started["case_id"] == case.id and started["article"] == "第二十三条（十）"
    again = start_case("run-tf-2", sanction_case_id=case.id, as_of=date(2026, 3, 4))
    assert "已由另一处理程序办理" in again["error"]  # one procedure, one 告知书
    sanction_sweep.sweep(date(2026, 3, 5), resume=False)
    assert _one_case(inst_id).id == case.id


@pytest.mark.usefixtures("any_db")
def test_a_fourth_failure_of_the_same_year_reaches_the_years_one_procedure():
    inst_id = _inst("TF4")
    _failed_sessions(inst_id, "TF4", DAYS)
    first = _daily_follow_up(inst_id)
    _failed_sessions(inst_id, "TF4B", [date(2026, 3, 20)])
    fourth = _daily_follow_up(inst_id)
    assert fourth != first
    case = _one_case(inst_id)
    assert case.pending_case_id == first
    started = start_case("run-tf4", pending_case_id=fourth, as_of=date(2026, 3, 21))
    assert started["case_id"] == case.id  # no second 第二十三条（十） procedure for the year
    assert _one_case(inst_id).id == case.id
    with session_scope() as s:
        assert s.get(PendingCase, fourth).status == "closed"  # taken up by the year's case
