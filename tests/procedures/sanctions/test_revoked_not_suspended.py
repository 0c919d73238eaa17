"""第二十二条 on a revoked institution (issue 17.3): a filing revoked under 第二十三条 cannot be
suspended or told to rectify. The decision is refused beside the decision field, naming the
revocation's number; 不予处理 ends the case; nothing is sent or published
(regulation.sanctions.suspension_refusal). On SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import select

from adapters.db import session_scope
from models import (
    Document,
    Institution,
    InstitutionHistory,
    OutboxMessage,
    RegisterEntry,
    SanctionCase,
)
from procedures.sanctions.decision import decide
from procedures.sanctions.hearing import record_defence
from procedures.sanctions.service import carry_out
from tests.procedures.sanctions.test_institution_status import REQUIREMENTS, _decided
from tests.procedures.sanctions.test_sanctions import _inst, _staff, _start, notify_opened

pytestmark = pytest.mark.usefixtures("any_db")
LATER = date(2026, 3, 9)


def _revocation_number(inst_id: int) -> str:
    with session_scope() as s:
        return s.exec(select(InstitutionHistory.number).where(InstitutionHistory.institution_id == inst_id,
                                                              InstitutionHistory.kind == "revocation")).one()


def _nothing_of_article_22(case_id: int, inst_id: int) -> None:
    """No 整改通知书, no mail of it, no suspension line on the register, the filing still revoked."""
    with session_scope() as s:
        assert s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case_id}-rectification")).first() \
            is None
        assert s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"sanction-rectification:{case_id}")).first() is None
        lines = [e.measure for e in s.exec(select(RegisterEntry).where(RegisterEntry.institution_id == inst_id))]
        assert lines == ["撤销备案回执"]
        assert s.get(Institution, inst_id).status == "revoked"


def test_an_article_22_decision_on_a_revoked_institution_is_refused_naming_the_revocation_and_may_be_dropped():
    code, inst_id = _staff(), _inst("RV1")
    _decided("run-rv1a", inst_id, "第二十三条（四）", code)
    number = _revocation_number(inst_id)
    case_id = _start("run-rv1b", inst_id, "第二十二条（二）", on=LATER)["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    refused = decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                      "requirements": REQUIREMENTS})
    assert not refused.accepted
    assert f"备案回执已撤销（{number}）" in refused.field_errors["decision"] and "不予处理" in refused.field_errors["decision"]
    with session_scope() as s:
        assert s.get(SanctionCase, case_id).decision == ""  # nothing written
    dropped = decide(case_id, "d-2", {"decision": "不予处理", "reason": f"备案回执已撤销（{number}）",
                                      "staff_code": code})
    assert dropped.accepted, dropped.errors
    assert carry_out(case_id)["status"] == "dropped"
    _nothing_of_article_22(case_id, inst_id)


def test_a_change_to_article_22_on_a_revoked_institution_is_refused_too():
    code, inst_id = _staff(), _inst("RV2")
    _decided("run-rv2a", inst_id, "第二十三条（四）", code)
    case_id = _start("run-rv2b", inst_id, "第二十二条（二）", on=LATER)["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    changed = decide(case_id, "d-1", {"decision": "变更处理", "changed_article": "第二十二条（二）",
                                      "reason": "同一事实", "staff_code": code, "requirements": REQUIREMENTS})
    assert not changed.accepted and "备案回执已撤销" in changed.field_errors["decision"]


def test_a_revocation_carried_out_between_the_decision_and_the_notice_records_it_in_the_file_only():
    """Decided while the filing stood; another case revoked it before the 整改通知书 went out: the
    监管档案 says why, no notice, no suspension, no register line."""
    code, inst_id = _staff(), _inst("RV3")
    case_id = _start("run-rv3a", inst_id, "第二十二条（二）")["case_id"]
    notify_opened(case_id)
    record_defence(case_id, 0)
    assert decide(case_id, "d-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                   "requirements": REQUIREMENTS}).accepted
    _decided("run-rv3b", inst_id, "第二十三条（四）", code)
    assert carry_out(case_id)["status"] == "closed"
    _nothing_of_article_22(case_id, inst_id)
    with session_scope() as s:
        (kept,) = s.exec(select(InstitutionHistory).where(InstitutionHistory.sanction_case_id == case_id,
                                                          InstitutionHistory.kind == "not_suspended"))
    assert _revocation_number(inst_id) in kept.text and "不发出《整改通知书》" in kept.text
