"""Opening a sanction is an agency decision (staff code, recorded), and its case file (处理程序案卷)
is published when it changes and says only what is true while the defence period is open."""

import pytest

from adapters.db import session_scope
from models import SanctionCase
from procedures.sanctions.case_file import case_file_if_changed, mark_published, proposal_markdown
from procedures.sanctions.common import SanctionError
from procedures.sanctions.hearing import invite_args, notify_hearing
from procedures.sanctions.proposal import confirm_opening
from tests.procedures.sanctions.support import submit_statement
from tests.procedures.sanctions.test_sanctions import _inst, _staff, _start, notify_opened

pytestmark = pytest.mark.usefixtures("db")


def test_opening_a_sanction_needs_a_staff_code_of_the_case_agency_and_records_who_opened_it():
    code, other_agency = _staff(), _staff("PROV")
    v = _start("run-o1", _inst("O1"), "第二十二条（二）")
    wrong = confirm_opening(v["case_id"], "opening-1", {"staff_code": "0001-AAAA-BBBB-CCCC"})
    assert not wrong.accepted and "工作人员代码" in wrong.field_errors["staff_code"]
    assert not confirm_opening(v["case_id"], "opening-2", {"staff_code": other_agency}).accepted
    ok = confirm_opening(v["case_id"], "opening-3", {"staff_code": code})
    assert ok.accepted and confirm_opening(v["case_id"], "opening-3", {}).accepted  # replay: stored
    with session_scope() as s:
        details = s.get(SanctionCase, v["case_id"]).details
    assert details["opened_by"].startswith("王审核") and details["opened_by_on"] == "2026-03-02"
    assert code not in str(details)  # the code itself is never kept
    assert "启动：王审核" in proposal_markdown(v["case_id"])


def test_the_case_file_is_published_only_when_it_changes():
    v = _start("run-o2", _inst("O2"), "第二十二条（二）")
    first = case_file_if_changed(v["case_id"])
    assert first is not None
    mark_published(v["case_id"], first[1])
    assert case_file_if_changed(v["case_id"]) is None  # a replay, another step: nothing new
    notify_opened(v["case_id"])
    changed = case_file_if_changed(v["case_id"])
    assert changed is not None and "告知、待陈述申辩" in changed[0]


def test_while_the_defence_period_is_open_the_case_file_never_says_transferred_after_it():
    v = _start("run-o3", _inst("O3"), "第二十二条（二）")
    notify_opened(v["case_id"])
    submit_statement(v["case_id"], "run-o3", "defence", "超范围系误会")  # stored by the portal, not yet read by the run
    text = proposal_markdown(v["case_id"])
    assert "已收到陈述和申辩" in text and "正在转入本案" in text
    assert "期限届满后转入" not in text and "逾期提交" not in text


def test_no_hearing_notice_goes_out_for_a_case_no_staff_member_has_opened():
    """Issue 23.5: the 告知书 only after confirm_opening (details["opened_by"]) — refused in Chinese,
    no letter, no mail, nothing written; once opened, it goes."""
    from sqlmodel import select

    from models import Document, OutboxMessage

    v = _start("run-o4", _inst("O4"), "第二十二条（二）")
    with pytest.raises(SanctionError, match="尚未由工作人员填写工作人员代码启动"):
        notify_hearing(v["case_id"])
    with session_scope() as s:
        case = s.get(SanctionCase, v["case_id"])
        assert (case.status, case.hearing_due, case.details.get("hearing_doc")) == ("pending", None, None)
        assert s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case.id}-hearing")).first() is None
        assert s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"sanction-hearing:{case.id}")).first() is None
    assert notify_opened(v["case_id"])["status"] == "hearing"


def test_a_sanction_mail_and_its_portal_contact_name_the_agency_by_its_letterhead():
    """Issue 17.15: the sending agency as its letters name it (Agency.letterhead_name), not its
    internal name — in the 告知书 mail, the defence link's contact line and the receipt link."""
    from sqlmodel import select

    from models import Agency, OutboxMessage, PortalLink
    from procedures.portal import links as portal_links

    v = _start("run-o5", _inst("O5"), "第二十二条（二）")
    notify_opened(v["case_id"])
    a = invite_args(v["case_id"], "defence")
    portal_links.invite(portal_links.CaseStep("sanction", v["case_id"], "defence", "run-o5"),
                        portal_links.Recipient(*a["recipient"]), portal_links.Contact(*a["contact"]), a["title"],
                        a["deadline"], a["instructions"])
    with session_scope() as s:
        agency = s.get(Agency, "CITY-A")
        assert agency.letterhead_name != agency.name  # the demo's letterhead differs from the name
        hearing = s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"sanction-hearing:{v['case_id']}")).one()
        link = s.exec(select(PortalLink).where(PortalLink.case_id == v["case_id"],
                                               PortalLink.step_key == "defence")).one()
        invitation = s.exec(select(OutboxMessage).where(
            OutboxMessage.idempotency_key == f"portal-link:{link.id}")).one()
        assert agency.letterhead_name in hearing.text_body
        assert f"请联系{agency.letterhead_name}（{agency.email}）" in invitation.text_body
        assert agency.name not in invitation.text_body and agency.name not in invitation.html_body
