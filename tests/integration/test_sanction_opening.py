"""Opening a sanction is an agency decision (staff code, recorded), and its case file (处理程序案卷)
is published when it changes and says only what is true while the defence period is open."""

import pytest

from adapters.db import session_scope
from models import SanctionCase
from procedures import sanctions
from tests.integration.test_sanctions import _inst, _staff, _start, _submit
from tests.integration.test_sanctions import db as _db  # noqa: F401  (the fixture db, used as _db)

pytestmark = pytest.mark.usefixtures("_db")


def test_opening_a_sanction_needs_a_staff_code_of_the_case_agency_and_records_who_opened_it():
    code, other_agency = _staff(), _staff("PROV")
    v = _start("run-o1", _inst("O1"), "第二十二条（二）")
    wrong = sanctions.confirm_opening(v["case_id"], "opening-1", {"staff_code": "0001-AAAA-BBBB-CCCC"})
    assert not wrong.accepted and "工作人员代码" in wrong.field_errors["staff_code"]
    assert not sanctions.confirm_opening(v["case_id"], "opening-2", {"staff_code": other_agency}).accepted
    ok = sanctions.confirm_opening(v["case_id"], "opening-3", {"staff_code": code})
    assert ok.accepted and sanctions.confirm_opening(v["case_id"], "opening-3", {}).accepted  # replay: stored
    with session_scope() as s:
        details = s.get(SanctionCase, v["case_id"]).details
    assert details["opened_by"].startswith("王审核") and details["opened_by_on"] == "2026-03-02"
    assert code not in str(details)  # the code itself is never kept
    assert "启动：王审核" in sanctions.proposal_markdown(v["case_id"])


def test_the_case_file_is_published_only_when_it_changes():
    v = _start("run-o2", _inst("O2"), "第二十二条（二）")
    first = sanctions.case_file_if_changed(v["case_id"])
    assert first is not None
    sanctions.mark_published(v["case_id"], first[1])
    assert sanctions.case_file_if_changed(v["case_id"]) is None  # a replay, another step: nothing new
    sanctions.notify_hearing(v["case_id"])
    changed = sanctions.case_file_if_changed(v["case_id"])
    assert changed is not None and "告知、待陈述申辩" in changed[0]


def test_while_the_defence_period_is_open_the_case_file_never_says_transferred_after_it():
    v = _start("run-o3", _inst("O3"), "第二十二条（二）")
    sanctions.notify_hearing(v["case_id"])
    _submit(v["case_id"], "run-o3", "defence", "超范围系误会")  # stored by the portal, not yet read by the run
    text = sanctions.proposal_markdown(v["case_id"])
    assert "已收到陈述和申辩" in text and "正在转入本案" in text
    assert "期限届满后转入" not in text and "逾期提交" not in text
