"""Supervisors and rosters end to end: real Prefect server, runner, SMTP catcher, database.

Runs after the daily-inspection tests (file order): its sweep travels to 2029.
"""

from datetime import date

import pytest
from openpyxl import Workbook
from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from models import AppointmentTerm, Institution, Supervisor
from models.lifecycle import AppointmentDraw, MisconductCase, SupervisorFileEntry
from procedures.casework.dispatching import agency_facts, supervisor_facts
from procedures.rosters.schema import LAYOUTS
from procedures.supervisors import cards, people, terms
from regulation.dispatch import pool_exclusions, replay_draw
from regulation.identity import make_number
from regulation.reasons import RuleViolation
from tests.flows import harness as h
from tests.flows.world import staff_code, through_portal

DONE = {StateType.COMPLETED}
ALL_FIVE = {n: True for n in "一二三四五"}


def roster(path, rows) -> str:
    wb = Workbook()
    ws = wb.active
    ws.title = LAYOUTS["institutions"].sheet
    ws.append([c.header for c in LAYOUTS["institutions"].columns])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return str(path)


def inst(no: str, levels="五级；四级") -> list:
    return [f"机构{no}", no, "市级备案", "B", "社会培训评价组织", None, date(2024, 1, 10), "电工", levels, None,
            "考点", "正常", "x@example.cn", None]


def test_roster_import_deployment_reports_and_refuses_a_bad_file(service, tmp_path):
    good = roster(tmp_path / "good.xlsx", [inst("FLOW-R-001"), inst("FLOW-R-002")])
    run_id = h.start("roster-import/roster-import", {"file_path": good})
    h.wait_for(run_id, DONE)
    assert "新增 2" in h.artifact(run_id, "roster-import-report")

    bad = roster(tmp_path / "bad.xlsx", [inst("FLOW-R-003"), inst("FLOW-R-004", levels="九级")])
    run_id = h.start("roster-import/roster-import", {"file_path": bad})
    run = h.wait_for(run_id, {StateType.FAILED})
    report = h.artifact(run_id, "roster-import-report")
    assert "第3行" in report and "九级" in report and run.state.type == StateType.FAILED
    with session_scope() as s:
        assert s.exec(select(Institution).where(Institution.filing_number == "FLOW-R-003")).first() is None


def mails(service, match, at_least: int = 1, timeout: float = 20) -> list:
    """The caught messages that match, waiting for the catcher to store them."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in h.messages(service.mail_dir) if match(m)]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def register_and_pass(s, n: int, on: date) -> int:
    reg = people.register(s, person_key=make_number("370202", date(1975, 1, n), n), name=f"流程督导{n}",
                               email=f"flow-sup-{n}@supervisor.example.cn", employer="青岛某单位", city_letter="B",
                               on=on, attestations=ALL_FIVE)
    people.record_assessment(s, reg.person_key, "training", on, True)
    people.record_assessment(s, reg.person_key, "assessment", on, True)
    return reg.id


def card_issued(registration_id: int, on: date) -> str:
    from models.lifecycle import SupervisorRegistration

    run_id = h.start("supervisor-card-issue/supervisor-card-issue",
                     {"registration_id": registration_id, "agency_id": "CITY-B", "as_of": str(on)})
    h.wait_for(run_id, DONE)
    with session_scope() as s:
        return s.get(Supervisor, s.get(SupervisorRegistration, registration_id).supervisor_id).card_code


def test_card_issue_appointment_term_end_and_renewal_refused_after_three_terms(service):
    on = date(2026, 3, 2)
    with session_scope() as s:
        regs = [register_and_pass(s, n, on) for n in range(1, 4)]
    codes = [card_issued(reg, on) for reg in regs]
    assert codes == ["R3726B001", "R3726B002", "R3726B003"]

    run_id = h.start("appointment-draw/appointment-draw",
                     {"agency_id": "CITY-B", "count": 2, "term_start": "2026-04-01", "as_of": str(on)})
    h.wait_for(run_id, DONE)
    assert "聘书" in h.artifact(run_id, "appointment-draw")
    with session_scope() as s:
        draw = s.exec(select(AppointmentDraw).where(AppointmentDraw.agency_id == "CITY-B")).one()
        assert tuple(draw.chosen) == replay_draw(draw.seed, draw.candidates, 2)
        first = s.exec(select(Supervisor).where(Supervisor.card_code == draw.chosen[0])).one()
    letters = mails(service, lambda m: first.email in m["To"] and "聘书" in m["Subject"])
    assert letters and any(p.get_filename().endswith(".docx") for p in letters[0].iter_attachments())

    run_id = h.start("deadline-sweep/deadline-sweep", {"as_of": "2029-01-30"})  # 60 days before 2029-03-31
    h.wait_for(run_id, DONE)
    warned = mails(service, lambda m: "聘期届满提醒" in m["Subject"] and first.name in m["Subject"], 2)
    assert sorted(m["To"].split("@")[0] for m in warned) == sorted(["city-b", first.email.split("@")[0]])

    with session_scope() as s:
        assert first.card_code in terms.sweep_terms(s, date(2029, 4, 1)).ended
        for start in (date(2029, 4, 1), date(2032, 4, 1)):
            people.record_assessment(s, first.person_key, "renewal", start.replace(month=3), True)
            terms.appoint(s, first.id, start, start)
        people.record_assessment(s, first.person_key, "renewal", date(2035, 3, 1), True)
        with pytest.raises(RuleViolation, match="连续聘任不得超过3届"):
            terms.appoint(s, first.id, date(2035, 4, 1), date(2035, 4, 1))
        assert len(list(s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == first.id)))) == 3


def test_misconduct_case_ends_in_dismissal_and_the_supervisor_is_never_drawn_again(service):
    on = date(2026, 3, 2)
    with session_scope() as s:
        reg = register_and_pass(s, 9, on)
    code = card_issued(reg, on)
    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == code)).one()
        terms.appoint(s, sup.id, date(2026, 4, 1), on)
    run_id = h.start("misconduct-register/misconduct-register",
                     {"card_code": code, "item": 4, "facts": "督导期间干扰评价机构正常工作", "proposed": "解聘",
                      "as_of": "2026-06-01"})
    # signed with a staff code: the card's issuer (CITY-B) handles the case, not another agency
    h.resume(run_id, "staff-code-1", {"staff_code": staff_code("王科长", agency_id="CITY-A")})
    schema = h.wait_for_form(run_id, "staff-code-2")
    assert "属于 CITY-A 的工作人员" in schema["properties"]["staff_code"]["description"]
    with session_scope() as s:
        assert s.exec(select(MisconductCase).where(MisconductCase.supervisor_id == sup.id)).first() is None
    h.resume(run_id, "staff-code-2", {"staff_code": staff_code("王科长", agency_id="CITY-B")})
    h.wait_for(run_id, DONE)
    assert "案件编号" in h.artifact(run_id, "misconduct-case")
    (notice,) = mails(service, lambda m: "告知" in m["Subject"] and sup.email in m["To"])
    assert "拟依据第二十六条对你作出“通报所在单位、取消证卡、解聘" in notice.get_body(("plain",)).get_content()
    with session_scope() as s:
        case = s.exec(select(MisconductCase).where(MisconductCase.supervisor_id == sup.id)).one()
    assert (case.opened_by, case.opened_by_staff_id is not None) == ("王科长", True)
    typed = (staff_code("王科长", agency_id="CITY-A"), staff_code("王科长", agency_id="CITY-B"))
    assert not any(c in v for c in typed for v in h.stored_inputs(run_id).values())  # Prefect keeps no code
    h.crash_and_continue(run_id)  # a replay recalls the signer from the signature Prefect kept: no new form
    h.wait_for(run_id, DONE)
    with session_scope() as s:
        again = s.exec(select(MisconductCase).where(MisconductCase.supervisor_id == sup.id)).one()
    assert (again.id, again.opened_by, again.opened_by_staff_id) == (case.id, "王科长", case.opened_by_staff_id)
    # the registration date typed (2026-06-01) never shortens the period: it runs from the sending day
    assert case.hearing_notified_on > date(2026, 6, 1) and case.statement_due > case.hearing_notified_on
    early = h.start("misconduct-decide/misconduct-decide", {"case_id": case.id, "measure": "解聘"})
    h.resume(early, "staff-code-1", {"staff_code": staff_code("李处长", agency_id="CITY-B", role="审核")})
    run = h.wait_for(early, {StateType.FAILED})
    assert "陈述申辩" in (run.state.message or ""), run.state.message
    with session_scope() as s:
        assert s.get(Supervisor, sup.id).card_status == "valid"  # nothing decided
    # the supervisor states their case through their own link (the 告知书's mail); the period ends with it
    page = through_portal(service, sup.email, {"statement": "本人无异议"})
    assert page.status_code == 200 and "回执" in page.text, page.text
    with session_scope() as s:
        assert s.get(MisconductCase, case.id).statement_receipt
    run_id = h.start("misconduct-decide/misconduct-decide", {"case_id": case.id, "measure": "解聘"})
    h.resume(run_id, "staff-code-1", {"staff_code": staff_code("已停用处长", agency_id="CITY-B", active=False)})
    assert "账号已停用" in h.wait_for_form(run_id, "staff-code-2")["properties"]["staff_code"]["description"]
    h.resume(run_id, "staff-code-2", {"staff_code": staff_code("李处长", agency_id="CITY-B", role="审核")})
    h.wait_for(run_id, DONE)
    assert "解聘" in h.artifact(run_id, "misconduct-decision")
    mails(service, lambda m: "解聘通报" in m["Subject"])
    subjects = [m["Subject"] for m in h.messages(service.mail_dir)]
    assert any("处理决定" in x for x in subjects) and any("解聘通报" in x for x in subjects)
    with session_scope() as s:
        sup = s.get(Supervisor, sup.id)
        (facts,) = supervisor_facts(s, [sup])
        from models import Agency
        assert pool_exclusions(facts, agency_facts(s, s.get(Agency, "CITY-B")), date(2026, 6, 20))
        assert "第二十六条" in terms.appointable(s, sup, date(2029, 4, 1), date(2029, 3, 1))
        decided = s.get(MisconductCase, case.id)
        assert (decided.measure, decided.decided_by) == ("dismissal", "李处长") and decided.decided_by_staff_id
        kinds = [e.kind for e in s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.supervisor_id == sup.id))]
        assert "dismissal" in kinds


def test_misconduct_of_an_internal_supervisor_is_proposed_to_its_institution_and_not_decided(service):
    from cli.demo_data import add_institution

    on = date(2026, 3, 2)
    with session_scope() as s:
        inst = add_institution(s, "青岛某集团评价中心", "37020020240777", city="B", category="employer",
                               email="hr-flow@group.example.cn")
        reg = people.register(s, person_key=make_number("370202", date(1976, 2, 3), 7), name="流程内督",
                                   email="flow-internal@supervisor.example.cn", city_letter="B", on=on,
                                   attestations=ALL_FIVE, kind="internal")
        people.record_assessment(s, reg.person_key, "training", on, True)
        people.record_assessment(s, reg.person_key, "assessment", on, True)
        code = cards.issue_internal_card(s, reg.id, "Y", inst.id, on).card_code
    run_id = h.start("misconduct-register/misconduct-register",
                     {"card_code": code, "item": 2, "facts": "未按规定履行内部督导职责", "proposed": "暂停委派",
                      "suspension_months": 3, "as_of": "2026-06-01"})
    # the agency supervising the institution (第十一条: CITY-B) signs the proposal
    h.resume(run_id, "staff-code-1", {"staff_code": staff_code("王科长", agency_id="CITY-B")})
    h.wait_for(run_id, DONE)
    assert "由其委派机构（青岛某集团评价中心）作出处理" in h.artifact(run_id, "misconduct-case")
    (mail,) = mails(service, lambda m: "hr-flow@group.example.cn" in m["To"] and "处理建议" in m["Subject"])
    assert any(p.get_filename().endswith(".docx") for p in mail.iter_attachments())
    # The run delivered its mail before it completed (the catcher stores a message before it accepts
    # it): nothing more can arrive, so one look.
    assert not mails(service, lambda m: "flow-internal@" in m["To"] and "告知" in m["Subject"], timeout=0)
    with session_scope() as s:
        case = s.exec(select(MisconductCase).join(Supervisor, Supervisor.id == MisconductCase.supervisor_id)
                      .where(Supervisor.card_code == code)).one()
        assert (case.status, case.appointing_body) == ("proposed", "青岛某集团评价中心")
    decide = h.start("misconduct-decide/misconduct-decide", {"case_id": case.id, "measure": "批评教育",
                                                             "as_of": "2026-06-15"})
    h.resume(decide, "staff-code-1", {"staff_code": staff_code("李处长", agency_id="CITY-B", role="审核")})
    run = h.wait_for(decide, {StateType.FAILED})
    assert "只能向其提出处理建议" in (run.state.message or ""), run.state.message


def test_misconduct_case_opened_by_the_deadline_sweep_is_heard_through_misconduct_register(service):
    from procedures.supervisors import misconduct

    on = date(2026, 3, 2)
    with session_scope() as s:
        sup = cards.issue_card(s, register_and_pass(s, 11, on), "CITY-B", on)
        # what the deadline sweep opens for a record overdue (第二十六条（二）): a case with no notice
        case = misconduct.open_case(s, sup.id, 2, "批次 FLOW-OD 的日常督导情况记录表未在2个工作日内提交", date(2026, 11, 20),
                                    "期限巡检", "overdue:flow-11", "overdue")
        code, email, case_id, facts = sup.card_code, sup.email, case.id, case.facts
    run_id = h.start("misconduct-register/misconduct-register",
                     {"card_code": code, "item": 2, "facts": "（已立案）", "proposed": "暂停委派",
                      "suspension_months": 2, "case_id": case_id})
    h.resume(run_id, "staff-code-1", {"staff_code": staff_code("王科长", agency_id="CITY-B")})
    h.wait_for(run_id, DONE)
    assert f"案件编号 {case_id}" in h.artifact(run_id, "misconduct-case")
    (notice,) = mails(service, lambda m: "告知" in m["Subject"] and email in m["To"])
    assert "暂停质量督导任务委派2个月" in notice.get_body(("plain",)).get_content()
    with session_scope() as s:
        heard = s.get(MisconductCase, case_id)
        assert (heard.status, heard.facts, heard.proposed_months) == ("hearing", facts, 2)
        assert len(list(s.exec(select(MisconductCase).where(MisconductCase.supervisor_id == heard.supervisor_id)))) == 1
    # criticism the same day, inside the period the notice states: refused
    decide = h.start("misconduct-decide/misconduct-decide", {"case_id": case_id, "measure": "批评教育"})
    h.resume(decide, "staff-code-1", {"staff_code": staff_code("李处长", agency_id="CITY-B", role="审核")})
    run = h.wait_for(decide, {StateType.FAILED})
    assert "期满前不得决定" in (run.state.message or ""), run.state.message
