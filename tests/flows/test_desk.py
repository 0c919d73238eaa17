"""The desk end to end (issue 18): a real daily inspection on the shared service. While the run
waits for the supervisor's record (a portal step) it is not staff's step; once it waits for the
agency's decision, CITY-A's 待办 lists it with the exact run page of the Prefect UI — read through
Prefect's API, over the real portal after signing in — and the morning mail (the desk-morning
flow, run here) carries it. Counts only this test's own case: the service is shared."""

import re
from datetime import date

import httpx
from prefect.client.schemas.objects import StateType

from adapters import orchestrator
from adapters.clock import today
from adapters.db import session_scope
from deployments.serve import DAILY_INSPECTION
from flows.desk_morning import desk_morning
from procedures.casework import staff
from procedures.desk import auth
from procedures.desk import todo as desk_todo
from tests.flows import harness as h
from tests.flows.world import answers, decided_by, make_world, through_portal

DAY = date(2026, 11, 23)
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "flow desk password"


def _steps_of(run_id) -> list:
    with session_scope() as s:
        listing = desk_todo.todo(s, today(), frozenset({"CITY-A"}), orchestrator.waiting_runs())
    return [i for i in listing.items if i.kind == "step" and i.resume_url.endswith(str(run_id))]


def test_a_decision_waiting_in_prefect_is_on_the_agencys_desk_and_in_its_morning_mail(service):
    w = make_world("DESK", DAY)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    h.wait_for_form(run_id, "record-1")
    assert _steps_of(run_id) == []  # waiting for the supervisor's portal record: not staff's step
    address, code = h.dispatch_notice(service, w["batch"])
    assert through_portal(service, address, answers("theory", code, str(DAY))).status_code == 200
    h.wait_for_form(run_id, "decision-1")

    (step,) = _steps_of(run_id)
    assert step.title == "作出处理决定" and step.case_label == w["batch"] and step.case_ref.startswith("i")

    with session_scope() as s:
        row, staff_code = staff.add(s, "CITY-A", "工作台测试", "经办")
        auth.set_password(s, staff_code, PASSWORD)
    client = httpx.Client(timeout=60, base_url=service.portal.url)
    form = client.get("/desk/signin")
    r = client.post("/desk/signin", data={"csrf_token": CSRF.search(form.text).group(1), "staff_code": staff_code,
                                          "password": PASSWORD})
    assert r.status_code == 303
    page = client.get("/desk/todo").text
    assert f"/v2/runs/flow-run/{run_id}" in page and w["batch"] in page and "流程服务暂时无法访问" not in page
    case_page = client.get(f"/desk/case/{step.case_ref}")
    assert case_page.status_code == 200 and "待处理决定" in case_page.text

    summary = desk_morning(as_of="2026-12-07")  # a Monday
    assert "待办晨报" in summary
    mails = [m for m in h.messages(service.mail_dir) if "city-a@" in m["To"] and m["Subject"].startswith("【待办】")]
    assert len(mails) == 1
    body = mails[0].get_body(("plain",)).get_content()
    assert w["batch"] in body and "作出处理决定" in body and f"/runs/flow-run/{run_id}" in body
    assert desk_morning(as_of="2026-12-07") and len(
        [m for m in h.messages(service.mail_dir) if "city-a@" in m["To"] and m["Subject"].startswith("【待办】")]) == 1

    h.resume(run_id, "decision-1", {"decision": "无需处理", "opinion": "考场规范，无需处理。", **decided_by()})
    h.wait_for(run_id, {StateType.COMPLETED})
    assert _steps_of(run_id) == []


def test_a_test_service_registers_the_daily_schedules_paused(service):
    """The services of the tests register the 08:00 sweep, the 07:30 desk morning and the 02:30
    backup paused (SUPERVISION_SCHEDULES_PAUSED): a run of the tests across 07:30 Beijing time once
    got the real desk-morning mail of its fixed date, and a real sweep would change its world."""
    from adapters.prefect_client import sync_client
    from deployments.serve import BACKUP, DEADLINE_SWEEP, DESK_MORNING

    with sync_client() as client:
        for name in (DEADLINE_SWEEP, DESK_MORNING, BACKUP):
            dep = client.read_deployment_by_name(name)
            assert dep.paused and dep.schedules, name
