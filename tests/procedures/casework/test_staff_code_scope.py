"""The agency scope of a staff code, through each procedure's decision entry point (issue 21,
"Tests that catch the wiring"): a code signs only for the agency that owns the case
(procedures.casework.staff.verify, 第五条, 第十一条) — another city's code is refused, and the
provincial centre's only where its rules make the case its own (a province-filed institution, a
card it issued). Each test fails if a step dropped the scope check (another agency's code
accepted) or inverted it (the owner's refused). Real SQLite, no Prefect; staff.verify's own rules
are tested in test_staff.py."""

from datetime import date, timedelta

import pytest

from adapters import clock
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session, add_supervisor
from models import InspectionCase, InspectionRecord
from procedures.casework import staff
from procedures.daily import decision as daily_decision
from procedures.daily import opening as daily
from procedures.sanctions import decision, hearing, proposal
from procedures.special import decisions as special_decisions
from procedures.special import opening as special
from procedures.supervisors import misconduct
from tests.app_env import app_env
from tests.postgres_server import free_port

SCOPE_REFUSAL = "只有其工作人员可以作出决定"  # staff.verify's reason for a code of another agency
D0 = date(2026, 3, 2)


@pytest.fixture
def codes(tmp_path):
    """The demo agencies on a fresh SQLite database, and one staff code for each of CITY-A,
    CITY-B and the provincial centre (PROV)."""
    values = {"SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'supervision.db'}",
              "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
              "SUPERVISION_SMTP_PORT": str(free_port()),  # nothing listens: mail stays in the outbox
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            made = {agency: staff.add(s, agency, f"{agency}审核", "审核")[1] for agency in ("CITY-A", "CITY-B", "PROV")}
        yield made


def _refused_for_scope(outcome) -> bool:
    return not outcome.accepted and SCOPE_REFUSAL in outcome.field_errors.get(staff.CODE_FIELD, "")


# -- 日常督导 (第十五条（一）): the go-ahead and the follow-up decision --------------------------------
def test_a_daily_inspections_decisions_take_only_a_staff_code_of_the_city_that_dispatches(codes):
    """A CITY-B institution's session: CITY-B dispatches (第十一条); CITY-A's and the province's
    codes are refused on the go-ahead and on the follow-up decision, CITY-B's is taken."""
    with session_scope() as s:
        inst = add_institution(s, "青岛某评价机构", "T-SCOPE-D", city="B", status="suspended")
        add_session(s, "B-SCOPE-1", inst, clock.today() + timedelta(days=10))
    case = daily.open_case("run-scope-daily", "B-SCOPE-1", None, None)
    assert case.status == "awaiting_go_ahead"  # a suspended institution's session: staff decide
    with session_scope() as s:
        assert s.get(InspectionCase, case.case_id).agency_id == "CITY-B"
    go_on = {"go_on": daily.GO_ON}
    for n, other in enumerate(("CITY-A", "PROV")):
        assert _refused_for_scope(daily.go_ahead(case.case_id, f"go-ahead-{n}", go_on | {"staff_code": codes[other]}))
    assert daily.go_ahead(case.case_id, "go-ahead-9", go_on | {"staff_code": codes["CITY-B"]}).accepted

    today = clock.today()
    with session_scope() as s:
        sup = add_supervisor(s, "督导甲", "B", 901)
        s.add(InspectionRecord(case_id=case.case_id, form_kind="theory", form_version="2022", submitted_by=sup.id,
                               submitted_on=today, inspection_ended_on=today, late=False, overall_evaluation="合格",
                               verdict="合格", negative_count=0, item_count=0))
    verify = {"decision": "调查核实", "opinion": "已电话核实考场情况。"}
    for n, other in enumerate(("CITY-A", "PROV")):
        assert _refused_for_scope(daily_decision.decide(case.case_id, f"decision-{n}", verify | {"staff_code": codes[other]}))
    assert daily_decision.decide(case.case_id, "decision-9", verify | {"staff_code": codes["CITY-B"]}).accepted


# -- 处理 (第十一条, 第二十五条): the opening and the decision ----------------------------------------------
@pytest.mark.parametrize("filing, owner, others", [
    (dict(city="B"), "CITY-B", ("CITY-A", "PROV")),  # a city-filed institution: its city decides
    (dict(authority="province"), "PROV", ("CITY-B",)),  # a province-filed one: the provincial centre
])
def test_a_sanction_is_opened_and_decided_only_with_a_staff_code_of_the_acting_agency(codes, filing, owner, others):
    with session_scope() as s:
        filing_number = add_institution(s, "某评价机构", f"T-SCOPE-S-{owner}", **filing).filing_number
    case_id = proposal.start_case(f"run-scope-{owner}", filing_number=filing_number, article="第二十二条（二）",
                                   facts="考场未按规定设置", as_of=D0)["case_id"]
    for n, other in enumerate(others):
        assert _refused_for_scope(proposal.confirm_opening(case_id, f"opening-{n}", {"staff_code": codes[other]}))
    assert proposal.confirm_opening(case_id, "opening-9", {"staff_code": codes[owner]}).accepted
    hearing.notify_hearing(case_id)
    hearing.record_defence(case_id, 0)  # no defence came
    adopt = {"decision": "采纳拟处理意见", "requirements": "规范考场设置，按备案范围组织评价"}
    for n, other in enumerate(others):
        assert _refused_for_scope(decision.decide(case_id, f"decision-{n}", adopt | {"staff_code": codes[other]}))
    assert decision.decide(case_id, "decision-9", adopt | {"staff_code": codes[owner]}).accepted


# -- 专项督导 (第十五条（二）): the agency's approval of the draft opinion ------------------------------------
def test_a_special_inspections_draft_is_approved_only_with_a_staff_code_of_the_agency_that_opened_it(codes):
    with session_scope() as s:
        add_institution(s, "青岛某评价中心", "T-SCOPE-SI", city="B")
        for n, employer in enumerate(["甲大学", "乙公司", "丙协会"]):
            add_supervisor(s, f"督导{n}", "B", 950 + n, employer=employer)
    opened = special.open_special("run-scope-special", special.Opening(
        institution="T-SCOPE-SI", origin="投诉举报", matters=[2, 6], planned_start="2026-12-01",
        planned_end="2026-12-03", complaint_source="群众举报", complaint_received_on="2026-11-30",
        complaint_content="该机构超范围开展焊工评价", complainant="张举报", as_of="2026-12-01"))
    assert opened.refusal_reason == ""
    with session_scope() as s:
        assert s.get(InspectionCase, opened.case_id).agency_id == "CITY-B"
    approve = {"decision": special_decisions.APPROVE}
    for n, other in enumerate(("CITY-A", "PROV")):
        assert _refused_for_scope(special_decisions.approve_draft(opened.case_id, f"approval-{n}",
                                                        approve | {"staff_code": codes[other]}))
    assert special_decisions.approve_draft(opened.case_id, "approval-9", approve | {"staff_code": codes["CITY-B"]}).accepted


# -- 督导员违规 (第二十六条): who signs for the case, when it is registered and when it is decided -------------
@pytest.mark.parametrize("area, owner, others", [
    ("B", "CITY-B", ("CITY-A", "PROV")),  # the card's issuer handles its holder's misconduct
    ("0", "PROV", ("CITY-B",)),  # a card the provincial centre issued: the provincial centre
])
def test_a_supervisors_misconduct_is_signed_for_only_by_staff_of_the_agency_that_issued_the_card(codes, area, owner,
                                                                                                 others):
    with session_scope() as s:
        sup = add_supervisor(s, "督导乙", area, 960)
        case = misconduct.open_case(s, sup.id, 2, "未按要求填写督导情况记录表", D0, "测试", f"scope-{area}")
        card_code, case_id = sup.card_code, case.id
    with session_scope() as s:
        for other in others:
            for asked in (dict(card_code=card_code), dict(case_id=case_id)):  # registration, decision
                refused = misconduct.decider_for(s, codes[other], **asked)
                assert isinstance(refused, str) and SCOPE_REFUSAL in refused
        for asked in (dict(card_code=card_code), dict(case_id=case_id)):
            decider = misconduct.decider_for(s, codes[owner], **asked)
            assert isinstance(decider, staff.Decider) and decider.agency_id == owner
