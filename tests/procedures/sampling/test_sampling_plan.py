"""The random inspection plan through procedures.sampling on a real database, SQLite and PostgreSQL
(第十五条 双随机、一公开, 第十一条, 第二十三条（十）, 第八条（四）).

World (CITY-A, quarter 2026-04-01 … 06-30, made on 03-20): 甲 and 乙 (city A) with 4 sessions each in
the quarter, 丙 (suspended, city A) with 2, 丁 (city B) with 2 (another jurisdiction), one 甲 session
already inspected, one 乙 session in March (outside the period). Frame: 7 sessions; excluded: 丙's 2
(suspended) and 甲's inspected one.
"""

from datetime import date, timedelta
from uuid import uuid4

import pytest
from sqlmodel import func, select

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session
from models import (
    AgencyDecision,
    EvaluationSession,
    InspectionCase,
    InspectionRecord,
    OutboxMessage,
    PlanSession,
    SamplingPlan,
    Supervisor,
)
from procedures.casework import staff
from procedures.sampling import publication
from procedures.sampling.plan import approve, create_plan
from procedures.sampling.sweep import sweep_sampling
from procedures.sampling.verify import verify
from tests.app_env import app_env

MADE, START, END = date(2026, 3, 20), "2026-04-01", "2026-06-30"
WEIGHTS = {}


class FakePrefect:
    """Prefect's side of a start as the API behaves (one run per idempotency key), recorded."""

    def __init__(self):
        self.runs: dict[str, str] = {}
        self.created: list[str] = []
        self.parameters: dict[str, dict] = {}

    def __call__(self, key: str, parameters: dict) -> str:
        if key not in self.runs:
            self.runs[key] = str(uuid4())
            self.created.append(key)
            self.parameters[key] = parameters
        return self.runs[key]


@pytest.fixture
def world(db_url, tmp_path):
    from adapters.smtp_catcher import SmtpCatcher
    from tests.postgres_server import free_port

    port = free_port()
    catcher = SmtpCatcher(tmp_path / "mail", port=port, echo=False).start()
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
                  "SUPERVISION_SMTP_PORT": str(port), "SUPERVISION_SAMPLING_LEAD_WORKING_DAYS": "3"}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            jia = add_institution(s, "济南甲评价机构", "T-A-JIA")
            yi = add_institution(s, "济南乙<b>评价</b>机构", "T-A-YI")
            bing = add_institution(s, "济南丙评价机构", "T-A-BING", status="suspended")
            ding = add_institution(s, "青岛丁评价机构", "T-B-DING", city="B")
            for inst, tag, n in ((jia, "JIA", 4), (yi, "YI", 4), (bing, "BING", 2), (ding, "DING", 2)):
                for k in range(n):
                    add_session(s, f"{tag}-{k}", inst, date(2026, 4, 7) + timedelta(days=14 * k))
            add_session(s, "YI-MARCH", yi, date(2026, 3, 25))
            inspected = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "JIA-3")).one()
            s.add(InspectionCase(flow_run_id="hand-started", session_id=inspected.id, batch_number="JIA-3",
                                 agency_id="CITY-A", institution_id=jia.id, opened_on=MADE, status="awaiting_record",
                                 active_session_id=inspected.id))
            code = staff.add(s, "CITY-A", "王科长", "经办")[1]
            other = staff.add(s, "CITY-B", "李科长", "经办")[1]
        yield {"code": code, "other_code": other}
    catcher.stop()


def _plan(count=4, **kw):
    args = dict(agency_id="CITY-A", period_start=START, period_end=END, rate_percent=0, count=count,
                minimum_per_year=0, weights=WEIGHTS, as_of=MADE) | kw
    return create_plan(f"run-{uuid4()}", **args)


def _rows(plan_id):
    with session_scope() as s:
        return s.exec(select(PlanSession).where(PlanSession.plan_id == plan_id).order_by(PlanSession.batch_number)).all()


def test_the_frame_is_the_agencys_jurisdiction_in_the_period_with_each_exclusion_and_its_reason(world):
    view = _plan(count=7)
    with session_scope() as s:
        plan = s.get(SamplingPlan, view.plan_id)
        assert plan.frame_size == 7 and plan.sample_size == 7
        assert sorted(plan.chosen) == ["JIA-0", "JIA-1", "JIA-2", "YI-0", "YI-1", "YI-2", "YI-3"]
        reasons = {e["batch"]: e["reason"] for e in plan.excluded}
        assert set(reasons) == {"BING-0", "BING-1", "JIA-3"}
        assert "第二十二条" in reasons["BING-0"] and "第二十三条（十）" in reasons["JIA-3"]
        assert all(w["reason"] and w["article"] for w in plan.weights.values())


def test_bad_requests_are_refused_naming_the_field_and_nothing_is_written(world):
    for kw, field in ((dict(agency_id="NOPE"), "委派机构编码"), (dict(period_start="2026-02-30"), "期间开始日期"),
                      (dict(period_end="2026-03-01"), "期间"), (dict(count=0), "抽查比例和抽查数量"),
                      (dict(weights={"complaints": 20}), "近一年有投诉举报"),
                      (dict(agency_id="CITY-C"), "没有可抽取的评价场次")):
        view = _plan(**kw)
        assert view.status == "refused" and field in view.refusal, (kw, view.refusal)
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(SamplingPlan)).one() == 0


def test_the_same_run_makes_one_plan_and_the_seed_comes_from_the_published_hash(world):
    run = f"run-{uuid4()}"
    args = dict(agency_id="CITY-A", period_start=START, period_end=END, rate_percent=50, count=0, minimum_per_year=0,
                weights=WEIGHTS, as_of=MADE)
    first, again = create_plan(run, **args), create_plan(run, **args)
    assert first.plan_id == again.plan_id
    result = verify(str(first.plan_id))
    assert result.ok and len(result.chosen) == 4  # 50 % of 7, rounded up


def test_the_minimum_per_year_draws_an_uninspected_institutions_session_first(world):
    view = _plan(count=1, minimum_per_year=1)  # 甲 has one inspection this year (JIA-3), 乙 none
    with session_scope() as s:
        plan = s.get(SamplingPlan, view.plan_id)
        assert plan.needs == {"T-A-YI": 1} and plan.sample_size == 1 and plan.chosen[0].startswith("YI-")
        assert plan.uncovered == {}


def test_approval_needs_the_agencys_staff_code_and_a_reason_for_each_strike_and_never_redraws(world):
    view = _plan(count=4)
    with session_scope() as s:
        chosen = list(s.get(SamplingPlan, view.plan_id).chosen)
    wrong = approve(view.plan_id, "approve-1", {"staff_code": world["other_code"], "strikes": ""})
    assert not wrong.accepted and "staff_code" in wrong.field_errors
    no_reason = approve(view.plan_id, "approve-2", {"staff_code": world["code"], "strikes": f"{chosen[0]}："})
    unknown = approve(view.plan_id, "approve-3", {"staff_code": world["code"], "strikes": "NOT-DRAWN：取消"})
    assert "理由不能为空" in no_reason.field_errors["strikes"] and "不在本计划" in unknown.field_errors["strikes"]
    with session_scope() as s:
        assert s.get(SamplingPlan, view.plan_id).status == "drawn"  # nothing written by a refusal
    ok = approve(view.plan_id, "approve-4", {"staff_code": world["code"], "strikes": f"{chosen[0]}：机构已取消该场次"})
    assert ok.accepted
    rows = {r.batch_number: r for r in _rows(view.plan_id)}
    assert sorted(rows) == sorted(chosen)  # no replacement drawn
    assert rows[chosen[0]].status == "struck" and rows[chosen[0]].struck_reason == "机构已取消该场次"
    assert "王科长" in rows[chosen[0]].struck_by
    with session_scope() as s:
        plan = s.get(SamplingPlan, view.plan_id)
        assert plan.status == "approved" and plan.chosen == chosen and "王科长" in plan.approved_by
    assert approve(view.plan_id, "approve-4", {"staff_code": "（已核验，代码不保存）"}).accepted  # a replay


def _approved(world, count=7):
    view = _plan(count=count)
    assert approve(view.plan_id, "approve-1", {"staff_code": world["code"], "strikes": ""}).accepted
    return view


def test_each_chosen_session_starts_n_working_days_before_once_with_its_plan_session_key(world):
    view = _approved(world)
    prefect = FakePrefect()
    jia0 = next(r for r in _rows(view.plan_id) if r.batch_number == "JIA-0")
    assert jia0.start_on == date(2026, 4, 1)  # Tue 04-07 − 3 working days: 04-03, 04-02, 04-01 (04-06 清明 off)
    sweep_sampling(date(2026, 3, 31), prefect)
    assert "JIA-0" not in {p["batch_number"] for p in prefect.parameters.values()}
    sweep_sampling(date(2026, 4, 1), prefect)
    sweep_sampling(date(2026, 4, 1), prefect)  # the same day again
    key = f"plan-{view.plan_id}-session-{jia0.session_id}"
    assert prefect.created.count(key) == 1
    assert prefect.parameters[key] == {"batch_number": "JIA-0", "as_of": "2026-04-01", "agency_id": "CITY-A"}
    row = next(r for r in _rows(view.plan_id) if r.batch_number == "JIA-0")
    assert row.status == "started" and row.flow_run_id == prefect.runs[key]


def test_a_move_is_recorded_its_start_follows_and_the_agency_is_told_once_a_cancellation_is_not_started(world):
    view = _approved(world)
    with session_scope() as s:
        moved = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "YI-1")).one()
        moved.starts_at += timedelta(days=7)
        moved.ends_at += timedelta(days=7)
        s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "YI-2")).one().cancelled_on = MADE
    prefect = FakePrefect()
    sweep_sampling(date(2026, 3, 23), prefect)
    sweep_sampling(date(2026, 3, 24), prefect)
    rows = {r.batch_number: r for r in _rows(view.plan_id)}
    assert "改为 2026-04-28 09:00" in rows["YI-1"].change_text and rows["YI-1"].start_on == date(2026, 4, 23)
    assert rows["YI-2"].status == "cancelled" and "已取消" in rows["YI-2"].change_text
    for _ in range(90):  # the whole quarter: the cancelled one is never started
        sweep_sampling(date(2026, 3, 25) + timedelta(days=_), prefect)
    assert "YI-2" not in {p["batch_number"] for p in prefect.parameters.values()}
    with session_scope() as s:
        mails = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("sampling-changes:CITY-A:"))).all()
    assert len(mails) == 1 and "YI-1" in mails[0].text_body and "YI-2" in mails[0].text_body


def test_three_hundred_starts_across_a_crash_lose_none_and_start_none_twice(world):
    """The restart goal at the procedure level: 300 chosen sessions over the quarter, swept daily; the
    sweep process dies mid-start (after Prefect made a run, before our row was written) and the
    service starts again. Prefect's side is FakePrefect (one run per key, as its API)."""
    with session_scope() as s:
        insts = [add_institution(s, f"机构{i}", f"T-A-{i:03d}") for i in range(30)]
        for n in range(320):
            add_session(s, f"Q-{n:03d}", insts[n % 30], date(2026, 4, 1) + timedelta(days=n % 90))
    view = _plan(count=300)
    assert approve(view.plan_id, "approve-1", {"staff_code": world["code"], "strikes": ""}).accepted
    prefect, calls = FakePrefect(), [0]

    def dying(key, parameters):
        calls[0] += 1
        run = prefect(key, parameters)
        if calls[0] == 150:
            raise KeyboardInterrupt  # the process is killed: not an Exception the sweep could catch
        return run

    day = date(2026, 3, 20)
    while day <= date(2026, 6, 30):
        try:
            sweep_sampling(day, dying)
        except KeyboardInterrupt:
            sweep_sampling(day, prefect)  # the service is back: the same day's sweep again
        day += timedelta(days=1)
    rows = _rows(view.plan_id)
    assert len(rows) == 300 and {r.status for r in rows} == {"started"}
    assert len(prefect.created) == 300 == len(set(prefect.created))
    assert {r.flow_run_id for r in rows} == set(prefect.runs.values())


def test_the_public_pages_show_the_summary_and_only_the_overall_result_of_a_closed_inspection(world):
    view = _approved(world)
    prefect = FakePrefect()
    sweep_sampling(date(2026, 4, 2), prefect)
    row = next(r for r in _rows(view.plan_id) if r.batch_number == "JIA-0")
    assert publication.results() == []
    with session_scope() as s:
        s.add(Supervisor(id=99, name="张督导", person_key="P-99", kind="external", card_code="R3701A0099",
                         issuer="CITY-A", email="z@example.cn"))
        s.flush()
        case = InspectionCase(flow_run_id=row.flow_run_id, session_id=row.session_id, batch_number="JIA-0",
                              agency_id="CITY-A", institution_id=row.institution_id, opened_on=date(2026, 4, 2),
                              status="closed")
        s.add(case)
        s.flush()
        s.add(InspectionRecord(case_id=case.id, form_kind="theory", form_version="2022", submitted_by=99,
                               submitted_on=date(2026, 4, 8), inspection_ended_on=date(2026, 4, 7), late=False,
                               overall_evaluation="考场秩序<b>混乱</b>", remarks={"3": "考生代考"}, verdict="不合格",
                               negative_count=5, item_count=23))
        s.add(AgencyDecision(case_id=case.id, option="提醒函", proposed_option="提醒函", opinion="限期整改",
                             handled_by="王科长", decided_on=date(2026, 4, 10)))
    results = publication.results()
    assert results == [{"plan": view.number, "institution": "济南甲评价机构", "filing_number": "T-A-JIA",
                        "day": "2026-04-07", "result": "已责令整改"}]
    plans = publication.plans()
    assert plans[0]["frame_size"] == 7 and len(plans[0]["frame_hash"]) == 64 and plans[0]["seed"]
    body = publication.as_json()
    for secret in ("张督导", "王科长", "混乱", "代考", "限期整改", "JIA-1", "YI-0"):
        assert secret not in body  # no person, no record, and no chosen session before it is inspected


def test_verify_shows_a_tampered_list_does_not_match(world):
    view = _approved(world, count=3)
    assert verify(view.number).ok
    with session_scope() as s:
        plan = s.get(SamplingPlan, view.plan_id)
        plan.chosen = sorted(set(plan.chosen[1:]) | {"JIA-2", "YI-3", "JIA-0"} - {plan.chosen[0]})[:3]
        s.add(plan)
    result = verify(view.number)
    assert result.hash_ok and result.seed_ok and not result.draw_ok and not result.ok


def test_a_plan_is_known_to_the_run_health_check_open_until_approved(world):
    from procedures.casework import run_health

    run = f"run-{uuid4()}"
    view = create_plan(run, "CITY-A", START, END, 0, 2, 0, WEIGHTS, MADE)
    found = run_health.case_files()[run]
    assert found.kind == "抽查计划" and not found.closed and found.label == f"抽查计划 {view.number}"
    assert approve(view.plan_id, "approve-1", {"staff_code": world["code"], "strikes": ""}).accepted
    assert run_health.case_files()[run].closed
