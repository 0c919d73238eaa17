"""待办 against the hand-counted fixture (tests/procedures/desk/world.py): overdue first with what
the sweep did, then by deadline; only the next 5 working days; staff steps from waiting runs but
not the runs waiting for a supervisor's or institution's portal submission; 第五条 scope."""

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.db import session_scope
from adapters.orchestrator import WaitingRun
from models import InspectionCase, MisconductCase, PortalLink, Supervisor
from procedures.casework.work_calendar import current_calendar
from procedures.desk import cases, todo
from tests.procedures.desk.world import build

TODAY = date(2026, 12, 7)  # a Monday; 5 working days on: 2026-12-14


@pytest.fixture
def world(db):
    return build(TODAY)


def _run(case_id: int, key: str) -> WaitingRun:
    with session_scope() as s:
        run_id = s.get(InspectionCase, case_id).flow_run_id
    return WaitingRun(run_id, "run", "daily-inspection", key, datetime(2026, 12, 4, 9, 0), {})


def _list(agencies, runs=()):
    with session_scope() as s:
        return todo.todo(s, TODAY, agencies, list(runs))


def test_city_a_sees_its_hand_counted_list_overdue_first_then_by_deadline(world):
    got = _list(frozenset({"CITY-A", "TP-001"}))
    cal = current_calendar()
    assert got.horizon == date(2026, 12, 14)
    assert [(i.kind, i.title, i.due) for i in got.items] == [
        ("overdue", "督导员提交记录表（第十七条）", TODAY - timedelta(days=2)),
        ("overdue", "整改期限（附件4）", TODAY - timedelta(days=1)),
        ("deadline", "督导员提交记录表（第十七条）", cal.add_working_days(TODAY, 1)),
        ("deadline", "督导员提交记录表（第十七条）", cal.add_working_days(TODAY, 2)),
        ("deadline", "自查报告提交期限（第十五条（二））", cal.add_working_days(TODAY, 3)),
        ("deadline", "督导员聘期届满（第十条）", TODAY + timedelta(days=4)),
    ]
    late, rect = got.items[0], got.items[1]
    assert "已于 2026-12-06 向本机构报告逾期" in late.action and late.case_ref == f"i{world['late']}"
    assert "启动升级处理" in rect.action and rect.case_ref == f"s{world['rect']}"
    assert got.items[2].agency_id == "TP-001"  # 第五条: the principal sees its third party's case


def test_another_city_sees_none_of_it_and_the_province_sees_every_city(world):
    b = _list(frozenset({"CITY-B"}))
    assert [(i.kind, i.case_label) for i in b.items] == [("overdue", "PC-W-B")]
    assert len(_list(None).items) == 7


def test_a_run_waiting_for_staff_is_listed_with_its_prefect_page_and_one_waiting_for_a_portal_answer_is_not(world):
    with session_scope() as s:
        case = s.get(InspectionCase, world["soon"])
        s.add(PortalLink(link_key="k-desk", token_hash="h" * 64, kind="record_form", case_kind="daily_inspection",
                         case_id=case.id, step_key="record-1", flow_run_id=case.flow_run_id,
                         recipient_kind="supervisor", recipient_name="张三", recipient_email="z@example.cn",
                         agency_name="济南", agency_email="a@example.cn", title="记录表",
                         deadline=datetime(2026, 12, 9, 17), expires_at=datetime(2026, 12, 12, 17),
                         created_at=datetime(2026, 12, 1, 9)))
    runs = [_run(world["late"], "decision-2"), _run(world["soon"], "record-1"), _run(world["other"], "go-ahead-1")]
    got = _list(frozenset({"CITY-A", "TP-001"}), runs)
    steps = [i for i in got.items if i.kind == "step"]
    assert [(i.title, i.case_ref) for i in steps] == [("作出处理决定", f"i{world['late']}")]
    assert steps[0].resume_url.endswith(f"/runs/flow-run/{runs[0].id}")
    kinds = [i.kind for i in got.items]
    assert kinds.index("step") > max(n for n, k in enumerate(kinds) if k == "overdue")  # overdue first


def test_a_misconduct_signature_goes_to_the_supervisors_appointing_agency(world):
    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.name == "张督导W")).one()
        case = MisconductCase(key="registered:desk", supervisor_id=sup.id, item=2, facts="事实", source="registered",
                              opened_on=TODAY)
        s.add(case)
        s.flush()
        case_id = sup.issuer, case.id
    runs = [WaitingRun("m-1", "m", "misconduct-decide", "staff-code-1", None, {"case_id": case_id[1]}),
            WaitingRun("m-2", "m", "misconduct-register", "staff-code-2", None, {"card_code": sup.card_code})]
    a = [i for i in _list(frozenset({"CITY-A"}), runs).items if i.kind == "step"]
    assert case_id[0] == "CITY-A" and [i.case_label for i in a] == [f"督导员违规 张督导W（{sup.card_code}）"] * 2
    assert [i.case_ref for i in a] == [f"m{case_id[1]}", ""]  # the case opens its page once it exists
    assert not [i for i in _list(frozenset({"CITY-B"}), runs).items if i.kind == "step"]


def test_a_misconduct_case_page_shows_its_dates_and_letters_to_the_issuing_agency_only(world):
    from models import Document

    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.name == "张督导W")).one()
        case = MisconductCase(key="registered:page", supervisor_id=sup.id, item=2, facts="事实", source="registered",
                              opened_on=TODAY - timedelta(days=9), hearing_notified_on=TODAY - timedelta(days=8),
                              statement_due=TODAY - timedelta(days=1), status="hearing")
        s.add(case)
        s.flush()
        ref = f"m{case.id}"
        other = s.exec(select(Document)).first()  # a letter of another case: never listed here
    with session_scope() as s:
        page = cases.case_page(s, ref, lambda agency: agency == "CITY-A")
        assert page.kind == "督导员违规处理" and page.step.startswith("已告知") and not page.closed
        assert [text for _, text in page.timeline] == ["登记违规情形", "送达告知书", "陈述申辩期限"]
        assert other is None or other.id not in {d.id for d in page.documents}
        assert cases.case_page(s, ref, lambda agency: agency == "CITY-B") is None


def test_a_confirmation_pause_is_staffs_only_once_the_record_period_has_passed(world):
    runs = [_run(world["late"], "confirm-1"), _run(world["soon"], "confirm-1")]
    steps = [i for i in _list(frozenset({"CITY-A"}), runs).items if i.kind == "step"]
    assert [(i.case_ref, i.title) for i in steps] == [(f"i{world['late']}", "按逾期处理未确认的记录表（第二十六条（二））")]


def test_the_case_page_has_its_step_timeline_documents_and_is_hidden_from_another_city(world):
    with session_scope() as s:
        page = cases.case_page(s, f"i{world['late']}", lambda a: a == "CITY-A")
        hidden = cases.case_page(s, f"i{world['late']}", lambda a: a == "CITY-B")
        bad = [cases.case_page(s, ref, lambda a: True) for ref in ("", "x1", "i0", "i99999", "i1/../2", "s-1")]
        doc_other = cases.document(s, f"i{world['late']}", world["doc"] + 1, lambda a: True)  # CITY-B's letter
        doc = cases.document(s, f"i{world['late']}", world["doc"], lambda a: a == "CITY-A")
    assert page.step == "待提交记录表" and page.kind == "日常督导"
    assert [t for _, t in page.timeline] == ["发起日常督导", "委派督导员 <b>张三</b>"]
    assert [d.title for d in page.documents] == ["督导派遣通知"] and doc.content.startswith(b"PK-docx")
    assert hidden is None and bad == [None] * 6 and doc_other is None


def test_a_sanction_case_page_has_its_status_dates_and_evidence_by_its_own_reference(world):
    with session_scope() as s:
        page = cases.case_page(s, f"s{world['rect']}", lambda a: a == "CITY-A")
        inspection = cases.case_page(s, f"i{world['late']}", lambda a: a == "CITY-A")
        found = cases.evidence_file(s, f"i{world['late']}", world["evidence"], lambda a: a == "CITY-A")
        wrong_case = cases.evidence_file(s, f"i{world['soon']}", world["evidence"], lambda a: True)
    assert page.kind == "处理程序" and page.step == "暂停评价活动、整改中（第二十二条）"
    assert [t for _, t in page.timeline][-2:] == ["整改期限（附件4）", "逾期未整改，启动升级处理"]
    assert [f.original_name for f in inspection.evidence] == ["考场<照片>.png"]
    assert found[0].sha256 == world["evidence"] and found[1].read_bytes().startswith(b"\x89PNG-evidence")
    assert wrong_case is None  # a file is served only under the case it came in for


def test_the_desk_status_names_are_the_procedures_own():
    from procedures.sanctions.common import STATUS_NAMES as sanction_names
    from procedures.special.casefile import STAGE_NAMES

    assert cases.SANCTION_STATUSES == sanction_names
    assert {k: v for k, v in cases.SPECIAL_STAGES.items() if k in STAGE_NAMES} == STAGE_NAMES


def test_every_staff_step_of_the_flows_is_named_and_no_portal_wait_is_taken_for_one():
    flows = "".join(p.read_text(encoding="utf-8") for p in (Path(__file__).parents[3] / "flows").glob("*.py"))
    asked = set(re.findall(r'(?:_ask|ask_until_accepted)\(f?"([a-z]+(?:-[a-z]+)*)', flows)) | {"confirm", "staff-code"}
    asked |= {m for m in re.findall(r'review_key.*?"([a-z-]*review)"', flows)} | {"improvement-review"}
    portal = set(re.findall(r'wait_for_submission(?:_or_close)?\(f?"([a-z]+(?:-[a-z]+)*)', flows))
    portal |= {"rectification", "improvement", "defence"}  # flows/sanctions.py ROUNDS, common.defence_step
    assert {"go-ahead", "decision", "opening", "minutes", "approval", "weighing", "review", "approve"} <= asked
    assert {"record", "findings", "self-report", "consolidation", "rebuttal", "report", "explanation"} <= portal
    for key in asked:
        assert todo.step_prefix(f"{key}-1") == key, key
    for key in portal:
        assert todo.step_prefix(f"{key}-1") is None and todo.step_prefix(key) is None, key
    assert todo.step_prefix("decision-r2-1") == "decision" and todo.step_prefix("improvement-review-1") == \
        "improvement-review"
    assert todo.step_name("something-new") == "填写表单（something-new）"



def test_a_letters_written_report_is_listed_until_its_day_and_never_as_overdue(world):
    from models import AgencyDecision

    with session_scope() as s:
        soon, late = s.get(InspectionCase, world["soon"]), s.get(InspectionCase, world["late"])
        for case, due in ((soon, TODAY + timedelta(days=3)), (late, TODAY - timedelta(days=1))):
            s.add(AgencyDecision(case_id=case.id, option="提醒函", proposed_option="提醒函", report_due=due,
                                 report_days=30, handled_by="王审核", decided_on=TODAY - timedelta(days=27)))
    reports = [i for i in _list(frozenset({"CITY-A", "TP-001"})).items if i.title.startswith("机构书面报告")]
    assert [(i.kind, i.title, i.due) for i in reports] == [
        ("deadline", "机构书面报告（提醒函要求）", TODAY + timedelta(days=3))]  # its receipt is not recorded here
