"""随机抽查计划 (双随机、一公开, 第十五条) end to end: real Prefect server, runner, SMTP, database and
portal. Plan → draw → approval (staff code, one strike with its reason) → the deadline sweep starts
the chosen session's daily inspection by itself (once: the same key gives Prefect's same run) →
supervisor drawn, record through the portal, decision → the public page shows the plan's summary
before and the overall result after → `supervise plan verify` replays the draw.

Its own city (临沂, CITY-Q) and November days no other flow test sweeps into, so the frame is this
test's three sessions; it counts only its own rows and mails (the service is shared)."""

from datetime import date, timedelta

import httpx
from prefect.client.schemas.objects import StateType
from sqlmodel import select
from typer.testing import CliRunner

from adapters.db import session_scope
from cli.demo_data import add_institution, add_session, add_supervisor
from cli.plan import plan_app
from models import InspectionCase, PlanSession, SamplingPlan
from procedures.sampling.starts import PrefectStarter
from tests.flows import harness as h
from tests.flows.world import answers, record_through_portal, staff_code

PLAN_DAY, SESSION_DAY = date(2026, 11, 9), date(2026, 11, 18)  # Mon; Wed: started from Fri 11-13 (3 working days)
SAMPLING = "sampling-plan/sampling-plan"
DONE = {StateType.COMPLETED}


def _world() -> dict:
    with session_scope() as s:
        inst = add_institution(s, "临沂抽查<b>机构</b>", "T-Q-PLAN", city="Q", email="inst-q-plan@institution.example.cn")
        other = add_institution(s, "临沂另一机构", "T-Q-PLAN2", city="Q", email="inst-q-plan2@institution.example.cn")
        sups = [add_supervisor(s, f"临沂督导{n}", "Q", 900 + n, year=2024, email=f"sup-q-plan-{n}@supervisor.example.cn")
                for n in range(3)]
        batches = [add_session(s, f"PC-QPLAN-{n}", inst if n < 2 else other, SESSION_DAY + timedelta(days=n % 2)
                               ).batch_number for n in range(3)]
    return {"batches": batches, "emails": [x.email for x in sups], "names": [x.name for x in sups]}


def _sweep(day: date) -> None:
    from deployments.serve import DEADLINE_SWEEP

    h.wait_for(h.start(DEADLINE_SWEEP, {"as_of": str(day)}), DONE)


def test_plan_draw_approval_automatic_start_closed_inspection_published_and_verified(service):
    w = _world()
    code = staff_code("张科长", "CITY-Q")
    run_id = h.start(SAMPLING, {"agency_id": "CITY-Q", "period_start": "2026-11-16", "period_end": "2026-11-20",
                                "rate_percent": 0, "count": 2, "minimum_per_year": 0, "as_of": str(PLAN_DAY)})
    h.wait_for_form(run_id, "approve-1")
    with session_scope() as s:
        plan = s.exec(select(SamplingPlan).where(SamplingPlan.flow_run_id == str(run_id))).one()
    assert plan.frame_size == 3 and len(plan.chosen) == 2 and set(plan.chosen) <= set(w["batches"])
    assert plan.chosen[0] in h.artifact(run_id, "sampling-plan")  # staff see the list in the run
    page = httpx.get(f"{service.portal.url}/plans").text  # public before any inspection: summary only
    assert plan.number in page and plan.frame_hash in page and plan.seed in page
    assert not any(b in page for b in w["batches"])

    struck, kept = plan.chosen
    h.resume(run_id, "approve-1", {"strikes": f"{struck}：评价机构已申请取消该场次", "staff_code": code})
    h.wait_for(run_id, DONE)
    assert code not in str(h.stored_inputs(run_id))  # the staff code is not kept
    with session_scope() as s:
        rows = {r.batch_number: r for r in s.exec(select(PlanSession).where(PlanSession.plan_id == plan.id))}
    assert rows[struck].status == "struck" and "张科长" in rows[struck].struck_by
    assert rows[kept].start_on == (date(2026, 11, 13) if kept.endswith(("-0", "-2")) else date(2026, 11, 16))

    _sweep(rows[kept].start_on - timedelta(days=1))  # before its day: nothing started
    with session_scope() as s:
        assert s.get(PlanSession, rows[kept].id).status == "chosen"
    day = SESSION_DAY if kept.endswith(("-0", "-2")) else SESSION_DAY + timedelta(days=1)
    _sweep(day)  # on or after its start day (the session's own day here: the record may end on it)
    _sweep(day)  # again: nothing twice
    with session_scope() as s:
        row = s.get(PlanSession, rows[kept].id)
        cases = s.exec(select(InspectionCase).where(InspectionCase.batch_number.in_(w["batches"]))).all()
        assert s.get(PlanSession, rows[struck].id).status == "struck"
    assert row.status == "started" and row.started_on == day and len(cases) == 1
    params = {"batch_number": kept, "as_of": str(day), "agency_id": "CITY-Q"}
    assert PrefectStarter()(row.start_key, params) == row.flow_run_id  # Prefect: same key, same run

    daily = row.flow_run_id
    h.wait_for_form(daily, "record-1")
    drawn = [n for n, address in enumerate(w["emails"]) if any(address in m["To"] for m in h.messages(service.mail_dir))]
    assert len(drawn) == 1  # one supervisor drawn at random, as today (第十条, 第十三条)
    notice = next(m for m in h.messages(service.mail_dir) if w["emails"][drawn[0]] in m["To"])
    record_through_portal(service, {"emails": w["emails"]},
                          answers("theory", h.assignment_code(notice), str(day)), supervisor=drawn[0])
    h.resume(daily, "decision-1", {"decision": "无需处理", "opinion": "考场规范。", "staff_code": code})
    h.wait_for(daily, DONE)

    page = httpx.get(f"{service.portal.url}/plans").text
    assert "临沂抽查&lt;b&gt;机构&lt;/b&gt;" in page or "临沂另一机构" in page  # escaped, never markup
    assert "<td data-label=\"督导结果\">合格</td>" in page and str(day) in page
    assert not any(name in page for name in w["names"]) and "考场规范" not in page  # no person, no record
    result = CliRunner().invoke(plan_app, ["verify", plan.number])
    assert result.exit_code == 0 and "结论：抽取结果可复现" in result.output, result.output
