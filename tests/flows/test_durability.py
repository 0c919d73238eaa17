"""Deadlines, outages and restarts: nothing is sent twice, nothing is lost."""

import json
import time
from datetime import date

from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from adapters.prefect_resume import is_pause_of
from adapters.smtp_catcher import SmtpCatcher
from deployments.serve import DEADLINE_SWEEP
from flows.asking import FORGOTTEN
from models import InspectionRecord, OutboxMessage
from tests.flows import harness as h
from tests.flows.world import (
    answers,
    case_for,
    decided_by,
    dispatch_named,
    dispatches_for,
    make_world,
    outbox_for,
    record_through_portal,
    staff_code,
)

DONE = {StateType.COMPLETED}


def to(service, address):
    return [m for m in h.messages(service.mail_dir) if address in m["To"]]


def sweep(as_of: str) -> str:
    run_id = h.start(DEADLINE_SWEEP, {"as_of": as_of})
    return h.wait_for(run_id, DONE).state


def test_late_record_swept_reminded_on_due_day_and_overdue_next_working_day_once_each(service):
    # Session Monday 11-16 → record due Wednesday 11-18; overdue from Thursday 11-19.
    w = make_world("LATE", date(2026, 11, 16))
    address = w["emails"][0]
    dispatch_named(w, "2026-11-16")
    case = case_for(w["batch"])
    assert case.record_due == date(2026, 11, 18)

    sweep("2026-11-17")
    assert len(to(service, address)) == 1  # the dispatch notice only
    sweep("2026-11-18")
    sweep("2026-11-18")
    reminders = [m for m in to(service, address) if m["Subject"].startswith("【记录表今日到期】")]
    assert len(reminders) == 1
    sweep("2026-11-19")
    sweep("2026-11-19")
    overdue = [m for m in to(service, "city-a@") if m["Subject"].startswith("【记录表逾期】") and w["batch"] in m["Subject"]]
    assert len(overdue) == 1
    assert "第二十六条（二）" in overdue[0].get_body(("plain",)).get_content()
    assert [d.overdue_on for d in dispatches_for(case.id)] == [date(2026, 11, 19)]
    assert case_for(w["batch"]).overdue_reported_on == date(2026, 11, 19)


def test_late_record_is_stored_with_its_late_flag(service):
    # Dispatched on 11-23 to check a session of 11-16 from its records (第十五条(一)2):
    # the inspection ended 11-16, due 11-18, filed 11-23 → late.
    w = make_world("LATEFLAG", date(2026, 11, 16))
    run_id, code = dispatch_named(w, "2026-11-23")
    record_through_portal(service, w, answers("theory", code, "2026-11-16", methods=["抽查评价资料（含录像）"]))
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_for(w["batch"]).id)).one()
    assert (record.late, record.due_on, record.submitted_on) == (True, date(2026, 11, 18), date(2026, 11, 23))
    received = [m for m in to(service, "city-a@") if w["batch"] in m["Subject"] and "督导记录已提交" in m["Subject"]]
    assert "逾期" in received[0].get_body(("plain",)).get_content()


def test_smtp_down_when_letter_due_stays_pending_then_delivered_exactly_once(service):
    w = make_world("SMTP", date(2026, 11, 23))
    run_id, code = dispatch_named(w, "2026-11-23")
    record_through_portal(service, w, answers("theory", code, "2026-11-23", negatives=(1, 2, 3, 4, 5)))
    h.wait_for_form(run_id, "decision-1")
    # deliver-mail runs before the suspend, so the record-received mail is already out.
    service.catcher.stop()
    try:
        h.resume(run_id, "decision-1", {"decision": "质量通报", "opinion": "请限期整改。", **decided_by()})
        h.wait_for(run_id, DONE)  # the outage does not fail the run
        letter = [m for m in outbox_for(case_for(w["batch"]).id) if m.recipient_kind == "institution"]
        assert [(m.status, m.attempts > 0, "ConnectionRefusedError" in m.last_error) for m in letter] == [
            ("pending", True, True)]
        assert not to(service, w["institution_email"])
    finally:
        service.catcher = SmtpCatcher(service.mail_dir, port=service.catcher.port, echo=False).start()
    sweep("2026-11-24")
    sweep("2026-11-24")
    delivered = to(service, w["institution_email"])
    assert len(delivered) == 1 and "质量通报" in delivered[0]["Subject"]
    with session_scope() as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []


def test_runner_killed_while_suspended_new_runner_completes_without_duplicates(service):
    w = make_world("KILL", date(2026, 11, 23))
    run_id, code = dispatch_named(w, "2026-11-23")
    service.kill_runner()
    service.start_runner()
    record_through_portal(service, w, answers("theory", code, "2026-11-23"))
    h.wait_for_form(run_id, "decision-1")
    service.kill_runner()
    service.start_runner()
    h.resume(run_id, "decision-1", {"decision": "约谈提醒", "opinion": "定于12月1日上午9时在市人社局约谈。",
                                    **decided_by()})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    keys = [m.idempotency_key for m in outbox_for(case.id)]
    assert len(keys) == len(set(keys)) == 3  # dispatch notice, record received, interview notice
    assert [m["Subject"][:4] for m in to(service, w["emails"][0])] == ["【督导派", "【回执】"]  # once each
    assert len(to(service, w["institution_email"])) == 1
    with session_scope() as s:
        assert len(s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).all()) == 1


def test_process_killed_as_it_suspended_asks_again_and_both_resumes_find_it(service):
    from adapters.prefect_resume import resume_at

    w = make_world("REASK", date(2026, 11, 23))
    run_id, code = dispatch_named(w, "2026-11-23")  # suspended at record-1
    h.crash_and_continue(run_id)  # the replay must ask again: record-1 fired, unanswered
    record_through_portal(service, w, answers("theory", code, "2026-11-23"))  # the portal resumes the family
    h.wait_for_form(run_id, "decision-1")
    h.crash_and_continue(run_id)
    decision = {"decision": "约谈提醒", "opinion": "定于12月1日上午9时在市人社局约谈。", **decided_by()}
    for _ in range(200):  # resume by the step's own key, as the sweeps do
        if (outcome := resume_at(str(run_id), "decision-1", decision).outcome) == "resumed":
            break
        assert outcome == "not_ready"
        time.sleep(0.3)
    h.wait_for(run_id, DONE)
    assert resume_at(str(run_id), "decision-1", decision).outcome == "already"
    assert len(to(service, w["institution_email"])) == 1  # the interview notice: the decision was taken


def test_after_a_decision_prefect_keeps_no_staff_code_and_a_crashed_rerun_asks_nothing_again(service):
    w = make_world("NOCODE", date(2026, 11, 23))
    run_id, code = dispatch_named(w, "2026-11-23")
    record_through_portal(service, w, answers("theory", code, "2026-11-23"))
    wrong, mine = staff_code("外市科长", agency_id="CITY-B"), staff_code("王科长")
    h.resume(run_id, "decision-1", {"decision": "约谈提醒", "opinion": "约谈。", "staff_code": wrong})  # refused
    h.resume(run_id, "decision-2", {"decision": "调查核实", "opinion": "调阅考场录像，核实考场设施不全。",
                                    "staff_code": mine})  # accepted, and the decision asked again
    h.wait_for_form(run_id, "decision-3")
    kept = h.stored_inputs(run_id)
    assert not any(c in v for c in (wrong, mine) for v in kept.values())  # neither code, anywhere
    kept_answer = json.loads(kept["suspended-decision-2-response-without-codes"])  # the answer stays, for replays
    assert (kept_answer["decision"], kept_answer["staff_code"]) == ("调查核实", FORGOTTEN)
    assert "suspended-decision-2-response" not in kept and "suspended-decision-1-response-without-codes" in kept
    h.crash_and_continue(run_id)  # the replay reads decision-1 and -2 from the database: no re-ask
    schema = h.wait_for_form(run_id, "decision-3-again-2")
    assert "default" not in schema["properties"]["staff_code"]
    assert is_pause_of("decision-3", h.read(run_id).state.state_details.pause_key)
    h.resume(run_id, "decision-3-again-2", {"decision": "约谈提醒", "opinion": "定于12月1日上午9时约谈。",
                                            "staff_code": mine})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    assert (len(case.verifications), case.decision, case.status) == (1, "约谈提醒", "closed")
    assert len(to(service, w["institution_email"])) == 1
    assert not any(c in v for c in (wrong, mine) for v in h.stored_inputs(run_id).values())
    logs = h.logs(run_id, until="约谈提醒")
    assert sum("处理决定：调查核实" in line for line in logs) == 1  # the replays hit the cache by pause key
