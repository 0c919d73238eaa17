"""The desk's statistics against a province counted by hand (stats_world), on SQLite and PostgreSQL.

The world, 2026 (sessions by scheduled start, Beijing time):
  S1 一(A) theory 03-02 inspected: on time, 合格, items 4, 9      S2 一(A) skill 03-10 inspected: late, 不合格, 4, 9, 12
  S3 二(A) theory 05-05 case, no record                         S4 二(A) review 06-01 no case
  S5 三(B) theory 04-01 inspected: on time, 不合格, 4            S6 四(省) skill 07-01 inspected: on time, 合格
  S9 三(B) theory 12-31 23:30 (in)   S10 一(A) theory 08-01 refused case
  outside: S7 2025-12-31 23:00 (late 不合格 record, item 1), S8 2027-01-01 00:00.
"""

import pytest
from sqlmodel import select

from adapters.db import get_engine, session_scope, upgrade
from procedures.desk.statistics import compute
from procedures.desk.statistics_math import chi2_sf
from procedures.desk.statistics_scope import StatisticsError
from tests.app_env import app_env
from tests.procedures.desk.stats_world import AS_OF, CARDS, build


@pytest.fixture
def world(db_url, tmp_path):
    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            build(s)
        yield
        get_engine().dispose()


def _stats(viewer, scope=None, period="2026"):
    with session_scope() as s:
        return compute(s, viewer, period, scope, as_of=AS_OF)


def test_every_number_of_the_province_year_is_the_hand_count(world):
    st = _stats("PROV")
    cov = st.table("coverage")
    # theory: S1 S3 S5 S9 S10 = 5, inspected S1 S5; skill: S2 S6 both; review: S4, none
    assert cov.rows == (("理论考核", 5, 2, "40.0%"), ("技能考核", 2, 2, "100.0%"), ("综合评审", 1, 0, "0.0%"),
                        ("合计", 8, 4, "50.0%"))
    rec = st.table("records")
    # theory R1 (on time 合格) R5 (on time 不合格); skill R2 (late 不合格) R6 (on time 合格); S7's is 2025
    assert rec.rows[0] == ("理论考核", 2, 2, 0, "100.0%", 1, 1, "50.0%")
    assert rec.rows[1] == ("技能考核", 2, 1, 1, "50.0%", 1, 1, "50.0%")
    assert rec.rows[3] == ("合计", 4, 3, 1, "75.0%", 2, 2, "50.0%")
    items = st.table("failed_items")
    # theory 4: R1 R5 = 2; then the ones, by form kind and number; S7's item 1 is 2025
    assert [(r[0], r[2]) for r in items.rows] == [("理论考核第4项", 2), ("理论考核第9项", 1), ("技能考核第4项", 1),
                                                 ("技能考核第9项", 1), ("技能考核第12项", 1)]
    assert items.rows[0][1].startswith("考试用微机完好")
    # SC1 SC2 22.2; SC3 21.1; SC4 23.10; SC6 27.1 (SC5 opened 2025)
    assert st.table("findings").rows == (("第二十二条（二）", 2), ("第二十一条（一）", 1), ("第二十三条（十）", 1),
                                         ("第二十七条（一）", 1))
    # h2 h3 written notices; h1 h4 interviews; h5 resumption (h6 is 2025)
    assert [(r[1], r[2], r[3]) for r in st.table("measures").rows] == [
        ("书面整改通知（暂停评价活动）", "第二十二条（二）", 2), ("恢复评价活动", "第二十二条（二）", 1),
        ("约谈", "第二十一条（一）", 1), ("约谈", "第二十三条（十）", 1)]
    # pending (closed), complaint (findings), initiative (referred); SP4 opened 2025
    assert st.table("special").rows == (("日常督导转专项督导", 1, 1), ("投诉举报", 1, 0), ("主动开展", 1, 1), ("合计", 3, 2))
    rect = st.table("rectifications")
    # SC1 closed in 60 days, SC6 in 20; SC2 open past 2026-08-10; SC3 open until 2027-03-01
    assert rect.rows == (("责令整改或改进", 4), ("已完成", 2), ("进行中", 2), ("其中逾期未完成", 1),
                         ("完成用时30天以内", 1), ("完成用时31至60天", 1), ("完成用时61至90天", 0), ("完成用时90天以上", 0))
    assert "平均用时40天，最长60天" in rect.note
    # still running on 2027-01-20, by deadline: SC2 (past 2026-08-10), SC3 (until 2027-03-01)
    assert [(r[0], r[3], r[5], r[6]) for r in st.table("open_rectifications").rows] == [
        ("济南二评价机构", "整改", "2026-08-10", "已逾期"), ("青岛三评价机构", "改进", "2027-03-01", "进行中")]
    # in office on 12-31: U1, U4 (U2's term ended 11-30, U3 suspended, U5's ended 2025); sent: U1 ×3, U2, U4,
    # U5 (U4's S9 dispatch cancelled); leaving: U2
    assert st.table("supervisors").rows == (("在聘督导员", 2), ("期间被委派的督导员", 4), ("委派人次", 6), ("期间任期届满", 1))


def test_the_draws_fairness_is_pearsons_chi_square_over_the_expected_counts(world):
    st = _stats("PROV")
    fair = st.table("fairness")
    # pools: [U1 U2] drawn twice k=1 → 1 each; [U1 U2 U3] once k=2 → 2/3 each; [U4] once → 1.
    # U1 O3 E5/3, U2 O1 E5/3, U3 O0 E2/3, U4 O1 E1: X² = 16/15 + 4/15 + 2/3 + 0 = 2, df 3
    assert fair.value("抽取次数", "数值") == 4 and fair.value("候选人员池", "数值") == 3
    assert fair.value("卡方统计量", "数值") == "2.00" and fair.value("自由度", "数值") == 3
    assert fair.value("p值", "数值") == "0.5724"  # chi2.sf(2, 3) = 0.57240670447
    assert fair.value("结论", "数值") == "未见明显偏差"
    # the provincial centre appointed only U5, who was never drawn: no one's personal rows
    assert st.table("fairness_people").rows == () and st.table("load").rows == (("督导员U5<b>", CARDS["U5"], 1, 1),)


def test_a_city_sees_its_institutions_its_draws_and_its_own_supervisors_by_name(world):
    st = _stats("CITY-A")
    assert st.scope.code == "city:A"
    # S1 S3 S10 theory (S1 inspected), S2 skill (inspected), S4 review
    assert st.table("coverage").rows[-1] == ("合计", 5, 2, "40.0%")
    assert st.table("rectifications").rows[:4] == (("责令整改或改进", 2), ("已完成", 1), ("进行中", 1), ("其中逾期未完成", 1))
    assert st.table("special").rows[-1] == ("合计", 1, 1)
    # in office: U1; sent to its institutions: U1 ×3, U2; leaving: U2
    assert st.table("supervisors").rows == (("在聘督导员", 1), ("期间被委派的督导员", 2), ("委派人次", 4), ("期间任期届满", 1))
    fair = st.table("fairness")
    # its three draws: X² = 16/15 + 4/15 + 2/3 = 2, df 2 → p = e^-1
    assert fair.value("自由度", "数值") == 2 and fair.value("p值", "数值") == f"{chi2_sf(2, 2):.4f}" == "0.3679"
    people = st.table("fairness_people").rows
    assert [(r[1], r[2], r[3]) for r in people] == [(CARDS["U1"], 3, 1.67), (CARDS["U2"], 1, 1.67), (CARDS["U3"], 0, 0.67)]
    assert st.table("load").rows == (("督导员U1<b>", CARDS["U1"], 3, 2), ("督导员U2<b>", CARDS["U2"], 1, 0))


def test_a_quarter_counts_only_its_months(world):
    st = _stats("PROV", period="2026-Q1")
    # S1 theory and S2 skill, both inspected
    assert st.table("coverage").rows[-1] == ("合计", 2, 2, "100.0%")
    assert st.table("fairness").value("抽取次数", "数值") == 2


def test_the_province_reads_any_city_and_a_city_never_the_province_or_another_city(world):
    assert _stats("PROV", "city:B").table("coverage").rows[-1] == ("合计", 2, 1, "50.0%")  # S5 S9
    for scope in ("province", "city:B", "agency:PROV"):
        with pytest.raises(StatisticsError, match="统计范围：.*无权查看"):
            _stats("CITY-A", scope)
    with pytest.raises(StatisticsError, match="统计期间"):
        _stats("PROV", period="2026-13")
    with pytest.raises(StatisticsError, match="统计范围"):
        _stats("PROV", "city:Z")


def test_a_third_party_sees_only_what_it_did_itself(world):
    from sqlmodel import select

    from models import Agency, InspectionCase, InspectionRecord, Supervisor

    with session_scope() as s:
        s.add(Agency(id="TP-1", name="第三方甲", level="third_party", principal_id="CITY-B", email="tp@example.cn",
                     letter_prefix="第三方"))
        s.flush()
        s5 = s.exec(select(InspectionCase).where(InspectionCase.batch_number == "S5")).one()
        s5.agency_id = "TP-1"  # S5 (青岛, 不合格 record) was inspected by the third party for CITY-B
        s.add(s5)
        u4 = s.exec(select(Supervisor).where(Supervisor.card_code == CARDS["U4"])).one()
        assert s.exec(select(InspectionRecord).where(InspectionRecord.case_id == s5.id)).one().submitted_by == u4.id
    st = _stats("TP-1")
    assert st.scope.code == "agency:TP-1"
    # only S5: registered 1, inspected 1 (a third party is responsible for no institution by itself, 第五条)
    assert st.table("coverage").rows[-1] == ("合计", 1, 1, "100.0%")
    assert st.table("records").rows[-1][6] == 1
    with pytest.raises(StatisticsError, match="无权查看"):
        _stats("TP-1", "city:B")


def _plan(s, number, agency, status="approved", fates=()):
    from datetime import UTC, date, datetime

    from models import EvaluationSession, InspectionCase, PlanSession, SamplingPlan

    plan = SamplingPlan(number=number, flow_run_id=f"run-{number}", agency_id=agency, period_start=date(2026, 4, 1),
                        period_end=date(2026, 6, 30), lead_working_days=3, frame_size=40, sample_size=len(fates),
                        frame_hash="0" * 64, seed="1" * 64, published_on=date(2026, 3, 25), status=status,
                        created_at=datetime(2026, 3, 25, tzinfo=UTC))
    s.add(plan)
    s.flush()
    sessions = s.exec(select(EvaluationSession).order_by(EvaluationSession.id)).all()
    for n, (fate, case_status) in enumerate(fates):
        run = f"daily-{number}-{n}" if case_status else ""
        if case_status:
            s.add(InspectionCase(flow_run_id=run, batch_number=f"{number}-{n}", institution_id=sessions[n].institution_id,
                                 agency_id=agency, opened_on=date(2026, 4, 2), status=case_status))
        s.add(PlanSession(plan_id=plan.id, session_id=sessions[n].id, institution_id=sessions[n].institution_id,
                          batch_number=sessions[n].batch_number, planned_start=sessions[n].starts_at,
                          status=fate, start_key=f"plan-{plan.id}-session-{sessions[n].id}", flow_run_id=run))


def test_a_plans_coverage_counts_each_chosen_sessions_fate_and_its_completion_rate(world):
    # City A's plan: 6 drawn — 1 struck, 1 cancelled, 3 started (2 inspected to the end), 1 not started in time:
    # 2 closed of the 4 it still owed = 50%. City B's plan and an unapproved plan of A are not counted for A.
    with session_scope() as s:
        _plan(s, "CITY-A-Q2-1", "CITY-A", fates=[("struck", None), ("cancelled", None), ("started", "closed"),
                                                 ("started", "closed"), ("started", "awaiting_record"), ("missed", None)])
        _plan(s, "CITY-B-Q2-1", "CITY-B", fates=[("started", "closed")])
        _plan(s, "CITY-A-Q3-1", "CITY-A", status="drawn", fates=[("chosen", None)])
    plans = _stats("CITY-A").table("plans")
    assert plans.rows == (("CITY-A-Q2-1", "2026-04-01至2026-06-30", 40, 6, 1, 1, 3, 1, 2, "50.0%"),)
    assert [r[0] for r in _stats("PROV").table("plans").rows] == ["CITY-A-Q2-1", "CITY-B-Q2-1"]
    assert _stats("CITY-A", period="2026-Q3").table("plans").rows == ()  # the period does not meet Q2
