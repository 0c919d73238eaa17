"""日常督导 end to end: real Prefect server, real runner, real SMTP, real database."""

from datetime import date

from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from deployments.serve import DAILY_INSPECTION
from models import InspectionRecord
from tests.flows import harness as h
from tests.flows.world import answers, case_for, make_world, outbox_for

DAY = date(2026, 11, 23)
DONE = {StateType.COMPLETED}


def to(service, address):
    return [m for m in h.messages(service.mail_dir) if address in m["To"]]


def dispatched(service, world, run_id):
    """The supervisor who got the dispatch notice, and the code in it."""
    h.wait_for_form(run_id, "record-1")
    for address in world["emails"]:
        got = to(service, address)
        if got:
            return address, h.assignment_code(got[0])
    raise AssertionError("no dispatch notice reached any supervisor")


def test_pass_path_dispatch_record_pass_no_action_closes_case(service):
    w = make_world("PASS", DAY)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    address, code = dispatched(service, w, run_id)
    notice = to(service, address)[0]
    assert notice["Subject"].startswith("【督导派遣通知】") and w["batch"] in notice["Subject"]
    assert "测试机构PASS" in notice.get_body(("plain",)).get_content()

    h.resume(run_id, "record-1", answers("theory", code, str(DAY)))
    h.resume(run_id, "decision-1", {"decision": "无需处理", "handled_by": "王科长"})
    run = h.wait_for(run_id, DONE)

    case = case_for(w["batch"])
    assert case.status == "closed" and case.decision == "无需处理"
    kinds = [m.recipient_kind for m in outbox_for(case.id)]
    assert kinds == ["supervisor", "agency"]  # one dispatch mail, one agency mail
    assert len(to(service, address)) == 1
    assert len(to(service, "city-a@")) >= 1 and not to(service, w["institution_email"])
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    assert record.verdict == "合格" and record.late is False and record.negative_count == 0
    assert run.state.is_completed()
