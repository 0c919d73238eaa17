"""An institution's status follows all its sanction cases (第二十二条、第二十三条、附件4): the steps on a
real database (no Prefect), as tests/procedures/sanctions/test_sanctions.py drives them — on SQLite
and on PostgreSQL (issue 17: every point that touches the database, on both)."""

from datetime import date

import pytest
from sqlmodel import select

from adapters.db import session_scope
from models import (
    Document,
    InspectionCase,
    Institution,
    InstitutionHistory,
    PendingCase,
    RegisterEntry,
    SanctionCase,
)
from procedures.sanctions import sweep as sanction_sweep
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import record_defence
from procedures.sanctions.proposal import start_case
from procedures.sanctions.rectification import (
    record_rectification_report,
    review_context,
    review_rectification,
)
from procedures.sanctions.service import carry_out
from tests.procedures.sanctions.test_sanctions import D0, _inst, _staff, _start, notify_opened

pytestmark = pytest.mark.usefixtures("any_db")  # SQLite, then PostgreSQL
RESUMED = "恢复评价活动"


REQUIREMENTS = "规范考场设置，按备案范围组织评价"  # 整改要求: written by staff (issue 17)


def _decided(run: str, inst_id: int, article: str, code: str, on=D0, decision="采纳拟处理意见", **answers) -> int:
    """A case opened, told (no defence came), decided and carried out; returns its id."""
    return _carry(_start(run, inst_id, article, on=on)["case_id"], code, decision, **answers)


def _carry(case_id: int, code: str, decision="采纳拟处理意见", **answers) -> int:
    notify_opened(case_id)
    record_defence(case_id, 0)
    outcome = decide(case_id, "d-1", {"decision": decision, "staff_code": code, "requirements": REQUIREMENTS} | answers)
    assert outcome.accepted, outcome.errors
    carry_out(case_id)
    return case_id


def _accept_report(case_id: int, code: str, **answers):
    from tests.procedures.sanctions.support import submit_statement

    with session_scope() as s:
        run = s.get(SanctionCase, case_id).flow_run_id
    record_rectification_report(case_id, submit_statement(case_id, run, "rectification-1", "整改报告"))
    return review_rectification(case_id, "review-1-1", {"outcome": RESUMED, "staff_code": code} | answers)


def _status(inst_id: int) -> str:
    with session_scope() as s:
        return s.get(Institution, inst_id).status


def _resumptions(inst_id: int) -> tuple[list, list]:
    """(register lines, letters) of 恢复评价活动 for the institution."""
    with session_scope() as s:
        lines = [e for e in s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id))
                 if e.measure == RESUMED]
        cases = [c.id for c in s.exec(select(SanctionCase).where(SanctionCase.institution_id == inst_id))]
        letters = [d for c in cases for d in s.exec(select(Document).where(
            Document.idempotency_key == f"sanction-{c}-resumption"))]
        return lines, letters


def test_accepting_a_rectification_report_never_turns_a_revoked_institution_active():
    code, inst_id = _staff(), _inst("ST1")
    rectifying = _decided("run-st1a", inst_id, "第二十二条（二）", code)
    assert _status(inst_id) == "suspended"
    _decided("run-st1b", inst_id, "第二十三条（四）", code)
    assert _status(inst_id) == "revoked"
    assert _accept_report(rectifying, code).accepted
    assert _status(inst_id) == "revoked"
    assert _resumptions(inst_id) == ([], [])  # no 恢复评价活动 notice, no register line
    with session_scope() as s:
        (accepted,) = s.exec(select(InstitutionHistory).where(InstitutionHistory.kind == "rectification-accepted"))
        assert "备案回执已撤销，不恢复评价活动" in accepted.text
        assert s.get(SanctionCase, rectifying).status == "closed"


def test_accepting_one_report_does_not_lift_a_suspension_another_open_article_22_case_imposes():
    code, inst_id = _staff(), _inst("ST2")
    # both proposed before either notice was served: two 第二十二条 cases, each rectifying
    first, second = (_start(f"run-st2{n}", inst_id, article)["case_id"]
                     for n, article in enumerate(("第二十二条（二）", "第二十二条（七）")))
    _carry(first, code)
    _carry(second, code)
    assert _accept_report(first, code).accepted
    assert _status(inst_id) == "suspended" and _resumptions(inst_id) == ([], [])
    with session_scope() as s:
        (accepted,) = s.exec(select(InstitutionHistory).where(InstitutionHistory.kind == "rectification-accepted"))
        assert f"另案（处理案件{second}）仍在整改期间" in accepted.text
    assert _accept_report(second, code).accepted
    assert _status(inst_id) == "active"
    lines, letters = _resumptions(inst_id)
    assert len(lines) == 1 and len(letters) == 1  # once, when it really resumes


def test_a_dropped_article_22_6_case_does_not_leave_the_institution_suspended_with_no_case_to_resume_it():
    """第二十二条（六） opened by the missed deadline, then dropped (不予处理): nothing keeps the
    suspension any more, so the institution resumes — with its notice and register line."""
    code, inst_id = _staff(), _inst("ST4")
    missed = _decided("run-st4a", inst_id, "第二十二条（二）", code)
    sanction_sweep.sweep(date(2026, 6, 3), resume=False)  # the deadline (06-02) passed without a report
    record_rectification_report(missed, 0)  # the run is told: the case ends
    with session_scope() as s:
        (esc,) = s.exec(select(SanctionCase).where(SanctionCase.source_sanction_id == missed))
    assert esc.finding_case == "22.6" and _status(inst_id) == "suspended"  # carried into the open escalation
    start_case("run-st4b", sanction_case_id=esc.id, as_of=date(2026, 6, 3))
    notify_opened(esc.id)
    record_defence(esc.id, 0)
    assert decide(esc.id, "d-1", {"decision": "不予处理", "reason": "报告已按期寄出，邮路延误",
                                  "staff_code": code}).accepted
    assert carry_out(esc.id)["status"] == "dropped"
    assert _status(inst_id) == "active"
    lines, letters = _resumptions(inst_id)
    assert len(lines) == 1 and len(letters) == 1 and "不予处理" in letters[0].html


def test_a_dropped_case_that_carried_no_suspension_lifts_nothing():
    code, inst_id = _staff(), _inst("ST5")
    with session_scope() as s:
        s.get(Institution, inst_id).status = "suspended"  # as a roster stated it: not ours to lift
    _decided("run-st5", inst_id, "第二十二条（七）", code, decision="不予处理", reason="经核实非该机构所为")
    assert _status(inst_id) == "suspended" and _resumptions(inst_id) == ([], [])


def test_resuming_while_a_revocation_level_case_is_open_shows_it_and_needs_a_stated_reason():
    code, inst_id = _staff(), _inst("ST6")
    rectifying = _decided("run-st6a", inst_id, "第二十二条（二）", code)
    registered = _start("run-st6b", inst_id, "第二十三条（八）", on=date(2026, 4, 1))  # opened, not yet decided
    with session_scope() as s:
        source = InspectionCase(flow_run_id="st6-daily", batch_number="PC-ST6", institution_id=inst_id,
                                agency_id="CITY-A", opened_on=date(2026, 4, 2), status="closed")
        s.add(source)
        s.flush()
        s.add(PendingCase(kind="sanction", institution_id=inst_id, source_case_id=source.id,
                          article="第二十三条（一）", facts="整改期间组织评价", opened_on=date(2026, 4, 2)))
    shown = review_context(rectifying)
    assert [x.split("（")[0] for x in shown] == [f"处理案件{registered['case_id']}", shown[1].split("（")[0]]
    assert "第二十三条（八）" in shown[0] and "第二十三条（一）" in shown[1] and "尚未启动处理程序" in shown[1]
    refused = _accept_report(rectifying, code)
    assert not refused.accepted and "须写明理由" in refused.field_errors["resume_reason"]
    assert _status(inst_id) == "suspended"
    ok = review_rectification(rectifying, "review-1-2", {"outcome": RESUMED, "staff_code": code,
                                                         "resume_reason": "整改已完成，另案依程序办理"})
    assert ok.accepted and _status(inst_id) == "active"
    with session_scope() as s:
        case = s.get(SanctionCase, rectifying)
        assert case.details["reviews"][-1]["resume_reason"] == "整改已完成，另案依程序办理"
        (resumed,) = s.exec(select(InstitutionHistory).where(InstitutionHistory.kind == "resumption"))
        assert "恢复理由：整改已完成" in resumed.text


def test_resuming_with_no_revocation_level_case_open_needs_no_reason():
    code, inst_id = _staff(), _inst("ST7")
    rectifying = _decided("run-st7", inst_id, "第二十二条（二）", code)
    assert review_context(rectifying) == []
    assert _accept_report(rectifying, code).accepted and _status(inst_id) == "active"


def test_institution_show_lists_an_open_pending_case_instead_of_none():
    from typer.testing import CliRunner

    from cli.app import app

    inst_id = _inst("ST8")
    cli = CliRunner()
    assert "未结处理：\n  无" in cli.invoke(app, ["institution", "show", "S-ST8"]).output
    with session_scope() as s:
        source = InspectionCase(flow_run_id="st8-daily", batch_number="PC-ST8", institution_id=inst_id,
                                agency_id="CITY-A", opened_on=D0, status="closed")
        s.add(source)
        s.flush()
        pending = PendingCase(kind="sanction", institution_id=inst_id, source_case_id=source.id,
                              article="第二十三条（一）", facts="整改期间组织评价", opened_on=D0)
        s.add(pending)
        s.flush()
        pending_id = pending.id
    shown = cli.invoke(app, ["institution", "show", "S-ST8"]).output
    assert f"待处理案件{pending_id} 待启动处理程序（第二十三条（一））：2026-03-02 登记，尚未启动" in shown
    assert "未结处理：\n  无" not in shown


def test_the_resumption_review_form_shows_the_open_revocation_level_cases_and_asks_for_the_reason():
    from flows import sanction_forms as forms

    plain = forms.review_form("审核", forms.RECTIFICATION_REVIEW, [], {}, {}).model_json_schema()
    assert "resume_reason" not in plain["properties"]
    shown = forms.review_form("审核", forms.RECTIFICATION_REVIEW, [], {}, {},
                              ["待处理案件3（第二十三条（一），2026-04-02登记，尚未启动处理程序）"]).model_json_schema()
    field = shown["properties"]["resume_reason"]
    assert "第二十三条（一）" in field["description"] and "必填" in field["description"]
