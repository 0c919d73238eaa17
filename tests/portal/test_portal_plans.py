"""The public pages of the random inspection plans (一公开, 第十五条; 第八条（四）) through the portal app:
/plans and /plans.json answer GET and HEAD; an institution's name is escaped; no chosen session is
shown before it is inspected, and no person or record content ever."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session
from models import AgencyDecision, InspectionCase, InspectionRecord, PlanSession, Supervisor
from procedures.casework import staff
from procedures.sampling.plan import approve, create_plan
from tests.app_env import app_env

NAME = "甲<script>alert(1)</script>机构"


def test_plans_page_shows_the_summary_and_only_closed_results_escaped(tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'supervision.db'}",
                  "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            inst = add_institution(s, NAME, "T-A-JIA")
            for k in range(4):
                add_session(s, f"JIA-{k}", inst, date(2026, 4, 7) + timedelta(days=7 * k))
            code = staff.add(s, "CITY-A", "王科长", "经办")[1]
            s.add(Supervisor(id=7, name="赵督导", person_key="P7", kind="external", card_code="R3701A0007",
                             issuer="CITY-A", email="z@example.cn"))
        plan = create_plan("run-portal", "CITY-A", "2026-04-01", "2026-06-30", 0, 2, 0, {}, date(2026, 3, 20))
        assert approve(plan.plan_id, "approve-1", {"staff_code": code, "strikes": ""}).accepted
        from portal.app import create_app

        with TestClient(create_app(resume_in_background=False)) as client:
            before = client.get("/plans")
            assert before.status_code == 200 and plan.number in before.text and "暂无已结束的抽查督导" in before.text
            assert "JIA-" not in before.text  # the chosen sessions stay unknown until inspected
            assert client.head("/plans").status_code == 200 and client.head("/plans.json").status_code == 200
            with session_scope() as s:
                row = s.exec(select(PlanSession).where(PlanSession.plan_id == plan.plan_id)).first()
                row.status, row.flow_run_id = "started", "run-daily"
                s.add(row)
                case = InspectionCase(flow_run_id="run-daily", session_id=row.session_id, batch_number=row.batch_number,
                                      agency_id="CITY-A", institution_id=inst.id, opened_on=date(2026, 4, 2),
                                      status="closed")
                s.add(case)
                s.flush()
                s.add(InspectionRecord(case_id=case.id, form_kind="theory", form_version="2022", submitted_by=7,
                                       submitted_on=date(2026, 4, 8), inspection_ended_on=date(2026, 4, 7), late=False,
                                       overall_evaluation="机位<b>不足</b>", verdict="不合格", negative_count=5,
                                       item_count=23))
                s.add(AgencyDecision(case_id=case.id, option="无需处理", proposed_option="提醒函", opinion="另行处理",
                                     handled_by="王科长", decided_on=date(2026, 4, 10)))
            after = client.get("/plans")
            assert "甲&lt;script&gt;alert(1)&lt;/script&gt;机构" in after.text and "<script>alert" not in after.text
            assert '<td data-label="督导结果">不合格</td>' in after.text
            body = client.get("/plans.json").text
            for secret in ("赵督导", "王科长", "机位", "另行处理"):
                assert secret not in after.text and secret not in body
