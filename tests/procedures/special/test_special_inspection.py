"""Special inspection procedures on a real database (no Prefect): opening, the team draw, notices,
findings through the portal's member-findings form, confidentiality and the daily sweep."""

import json
from datetime import date
from uuid import uuid4

import pytest
from sqlmodel import col, select

from adapters import clock, portal_tokens
from adapters.db import session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution, add_supervisor
from models import (
    Agency,
    CaseEvent,
    ConflictDeclaration,
    Document,
    InspectionCase,
    Institution,
    OutboxMessage,
    PendingCase,
    PortalLink,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionFinding,
    SpecialInspectionMember,
    SpecialInspectionRebuttalPoint,
    Supervisor,
)
from procedures.casework import dispatching, staff
from procedures.casework.views import Outcome
from procedures.portal import submissions as portal_submissions
from procedures.special import (
    consolidation,
    decisions,
    findings,
    notices,
    opening,
    report,
    sweep,
    team,
    timeline,
    views,
)
from regulation import special_inspection as rules
from tests.app_env import app_env
from tests.postgres_server import free_port

DAY = "2026-12-01"


@pytest.fixture
def world(tmp_path):
    yield from _world(tmp_path, f"sqlite:///{tmp_path / 'var' / 'supervision.db'}")


@pytest.fixture
def any_db_world(tmp_path, db_url):
    """The same world on SQLite and on PostgreSQL (counters and the team's rows are locked)."""
    yield from _world(tmp_path, db_url)


def _world(tmp_path, url: str):
    values = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"),
              "SUPERVISION_DATABASE_URL": url,
              "SUPERVISION_SMTP_PORT": str(free_port()),  # nothing listens: mail stays in the outbox
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            inst = add_institution(s, "青岛测试评价中心", "T-SI-1", city="B", email="inst-si@institution.example.cn")
            sups = [add_supervisor(s, f"督导{n}", "B", 500 + n, employer=employer,
                                   email=f"si-{n}@supervisor.example.cn")
                    for n, employer in enumerate(["甲大学", "乙公司", "丙协会", "甲大学", ""])]
        yield {"inst": inst, "sups": sups}


def opening_form(**kw) -> opening.Opening:
    base = dict(institution="T-SI-1", origin="投诉举报", matters=[2, 6], planned_start="2026-12-01",
                planned_end="2026-12-03", complaint_source="群众举报", complaint_received_on="2026-11-30",
                complaint_content="该机构超范围开展焊工评价", complainant="张举报 13800000000", as_of=DAY)
    return opening.Opening(**(base | kw))


def count(model) -> int:
    with session_scope() as s:
        return len(list(s.exec(select(model))))


def test_bad_opening_is_refused_naming_each_field_and_nothing_is_stored(world):
    view = opening.open_special("run-bad", opening_form(institution="NOPE", matters=[10], planned_end="2026-13-01",
                                              complaint_source=""))
    assert view.status == "refused" and view.case_id == 0
    for field in ("评价机构备案编号", "投诉举报来源", "督导事项", "计划结束日期"):
        assert field in view.refusal_reason
    assert count(InspectionCase) == 0 and count(SpecialInspection) == 0


def test_team_of_three_from_distinct_employers_with_a_lead(world):
    view = opening.open_special("run-team", opening_form())
    assert view.refusal_reason == ""
    assert view.status == "special_open" and len(view.members) == 3 and sum(m.is_lead for m in view.members) == 1
    with session_scope() as s:
        members = s.exec(select(SpecialInspectionMember)).all()
        employers = {next(x.employer for x in world["sups"] if x.id == m.supervisor_id) for m in members}
    assert employers == {"甲大学", "乙公司", "丙协会"}


def test_too_few_eligible_says_how_many_and_why_the_others_are_out(world):
    with session_scope() as s:
        s.add(ConflictDeclaration(supervisor_id=world["sups"][2].id, institution_id=world["inst"].id,
                                  declared_on=date(2026, 1, 1), reason="曾在该机构任职"))
    view = opening.open_special("run-few", opening_form())
    assert view.status == "refused"
    assert "需抽取 3 名外督员，符合条件的仅 2 名" in view.refusal_reason
    assert "未登记工作单位 1人" in view.refusal_reason and "与已抽取成员同一工作单位 1人" in view.refusal_reason
    assert count(SpecialInspection) == 0
    two = opening.open_special("run-two", opening_form(team_size=2))
    assert two.status == "refused" and "少于3名须写明理由" in two.refusal_reason
    ok = opening.open_special("run-two-reason", opening_form(team_size=2, fewer_reason="本市该领域外督员不足"))
    assert len(ok.members) == 2
    assert world["sups"][2].card_code not in {m.card_code for m in ok.members}  # declared a conflict


def test_notices_keep_the_complainant_from_everyone_and_the_complaint_from_the_institution(world):
    view = opening.open_special("run-notice", opening_form())
    notices.send_notices(view.case_id)
    with session_scope() as s:
        mails = s.exec(select(OutboxMessage)).all()
        docs = s.exec(select(Document)).all()
    assert len(docs) == 1 and docs[0].title.endswith("开展技能人才评价质量专项督导的通知")
    text = docx_text(docs[0].content)
    assert "第十四条（二）备案范围" in text and "自评（自查）报告" in text and "超范围" not in text
    assert all("张举报" not in m.text_body + m.html_body + m.subject for m in mails)
    to_institution = [m for m in mails if m.recipient_kind == "institution"]
    assert to_institution and all("超范围" not in m.text_body for m in to_institution)
    members = [m for m in mails if m.recipient_kind == "supervisor"]
    assert len(members) == 3 and all("超范围开展焊工评价" in m.text_body for m in members)
    with session_scope() as s:
        due = {d.kind: d.due for d in s.exec(select(SpecialInspectionDeadline))}
    assert due == {"self_report": date(2026, 12, 8),  # 5 working days
                   "findings": date(2026, 12, 7)}  # 2 working days after the planned end (Thursday 12-03)


def test_the_team_is_told_the_reason_staff_gave_for_the_inspection(world):
    # The run form's 督导缘由 says 「发给督导小组」: the members' brief (mail and page) carries it.
    view = opening.open_special("run-reason", opening_form(origin="主动开展", reason="日常督导发现考场管理风险隐患",
                                                           complaint_source="", complaint_received_on="",
                                                           complaint_content="", complainant=""))
    notices.send_notices(view.case_id)
    with session_scope() as s:
        members = [m for m in s.exec(select(OutboxMessage)) if m.recipient_kind == "supervisor"]
        links = s.exec(select(PortalLink).where(PortalLink.case_id == view.case_id,
                                                col(PortalLink.step_key).startswith("findings-"))).all()
    assert len(members) == 3 and all("督导缘由：日常督导发现考场管理风险隐患。" in m.text_body for m in members)
    assert links and all("督导缘由：日常督导发现考场管理风险隐患" in link.instructions for link in links)


def _submit_findings(case_id: int, step: str, fields: dict) -> portal_submissions.SubmitResult:
    from procedures.portal import forms as portal_forms

    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id, PortalLink.step_key == step)).one()
    posted = {k: [v] for k, v in fields.items()}
    return portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.forms()["member_findings"],
                                          posted, [])


def test_findings_are_checked_before_they_are_stored_and_the_run_takes_the_stored_answers(world):
    view = opening.open_special("run-findings", opening_form())
    notices.send_notices(view.case_id)
    member = view.members[0]
    step = f"findings-{member.member_id}-1"
    with session_scope() as s:
        assert s.exec(select(PortalLink.kind).where(PortalLink.step_key == step)).one() == "member_findings"
    bad = _submit_findings(view.case_id, step, {"rating_2": "很好", "facts_2": "x"})
    assert bad.status == "invalid" and count(SpecialInspectionFinding) == 0
    assert "第十四条（二）备案范围「评定」：请选择" in bad.field_errors["rating_2"]
    assert "第十四条（六）质量管控「事实」：未填写" in bad.field_errors["facts_6"]
    ok = _submit_findings(view.case_id, step, {"rating_2": "不符合", "facts_2": "超范围评价焊工三级",
                                               "evidence_2": "抽查评价资料12份", "rating_6": "基本符合",
                                               "facts_6": "录像完整"})
    assert ok.status == "stored", ok.errors
    assert findings.record_findings(view.case_id, member.member_id, 1, ok.receipt.submission_id).accepted
    with session_scope() as s:
        rows = {f.matter_no: f for f in s.exec(select(SpecialInspectionFinding))}
    assert set(rows) == {2, 6} and rows[2].evidence == "抽查评价资料12份" and rows[6].evidence == ""
    assert rows[2].rating == "不符合" and rows[6].facts == "录像完整"


def test_a_pending_case_is_taken_once_and_a_window_closes_once_when_swept_twice(world):
    with session_scope() as s:
        source = InspectionCase(flow_run_id="daily-1", batch_number="PC-X", institution_id=world["inst"].id,
                                agency_id="CITY-B", opened_on=date(2026, 11, 20), status="closed")
        s.add(source)
        s.flush()
        pending = PendingCase(kind="special_inspection", institution_id=world["inst"].id, source_case_id=source.id,
                              article="第十五条（二）", facts="较大风险隐患", opened_on=date(2026, 11, 20))
        s.add(pending)
        s.flush()
        pid = pending.id
    view = opening.open_special(str(uuid4()), opening_form(origin="待处理案件", pending_case_id=pid))
    assert view.status == "special_open"
    again = opening.open_special("run-pending-2", opening_form(origin="待处理案件", pending_case_id=pid))
    assert "已办理" in again.refusal_reason
    notices.send_notices(view.case_id)
    first = sweep.sweep(date(2026, 12, 9))
    second = sweep.sweep(date(2026, 12, 10))
    assert len(first.closed) == 1 and second.closed == []
    assert first.waiting  # Prefect is down here: the resume is retried by the next sweep, the close is not
    assert len(first.findings_overdue) == 3 and second.findings_overdue == []  # reported to the agency once
    with session_scope() as s:
        row = s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.kind == "self_report")).one()
        overdue = s.exec(select(OutboxMessage).where(col(OutboxMessage.subject).like("【专项督导情况逾期】%"))).all()
    assert row.status == "closed" and row.closed_on == date(2026, 12, 9) and not row.resumed
    assert len(overdue) == 3 and all(m.recipient_kind == "agency" for m in overdue)


def test_a_team_counts_toward_the_three_in_a_row_rule_like_a_dispatch(world):
    with session_scope() as s:
        s.add(ConflictDeclaration(supervisor_id=world["sups"][3].id, institution_id=world["inst"].id,
                                  declared_on=date(2026, 1, 1)))
    assert opening.open_special("run-1", opening_form()).status == "special_open"
    assert opening.open_special("run-2", opening_form()).status == "special_open"
    third = opening.open_special("run-3", opening_form())
    assert third.status == "refused" and "符合条件的仅 0 名" in third.refusal_reason
    assert "连续" in third.refusal_reason


def test_report_review_needs_a_valid_staff_code_and_reasons_and_a_refusal_opens_article_27_3(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "王经办", "经办")
    view = opening.open_special("run-review", opening_form())
    notices.send_notices(view.case_id)
    wrong = report.review_report(view.case_id, "review-1-1", {"outcome": report.REFUSED, "reasons": "x",
                                                          "staff_code": "0009-AAAA-BBBB-CCCC"}, 1)
    assert not wrong.accepted and "工作人员代码不正确" in wrong.field_errors["staff_code"]
    bare = report.review_report(view.case_id, "review-1-2", {"outcome": report.REFUSED, "staff_code": code}, 1)
    assert not bare.accepted and "应写明理由" in bare.field_errors["reasons"]
    ok = report.review_report(view.case_id, "review-1-3", {"outcome": report.REFUSED, "reasons": "明确表示不整改",
                                                       "staff_code": code}, 1)
    assert ok.accepted
    with session_scope() as s:
        (pending,) = s.exec(select(PendingCase).where(PendingCase.kind == "sanction")).all()
        case = s.get(InspectionCase, view.case_id)
        special = s.exec(select(SpecialInspection)).one()
    assert pending.article == "第二十七条（三）" and pending.source_case_id == view.case_id
    assert case.status == "closed" and special.stage == "referred" and "王经办" in special.decided_by["review-1-3"]


def test_the_deployment_shows_every_parameter_with_a_chinese_title_and_dates_as_dates():
    import inspect

    from deployments.serve import deployments
    from flows.special import special_inspection

    props = {d.name: d for d in deployments()}["special-inspection"]._parameter_openapi_schema.properties
    assert set(props) == set(inspect.signature(special_inspection.fn).parameters)
    assert props["institution"]["title"] == "评价机构备案编号" and props["complainant"]["title"] == "举报人（保密）"
    assert all(p["title"] != name and p["description"] for name, p in props.items())
    assert {n for n, p in props.items() if p.get("format") == "date"} == {
        "planned_start", "planned_end", "complaint_received_on", "as_of"}
    assert not any("anyOf" in p for p in props.values())  # no "Property is type None" toggles
    assert props["origin"]["enum"] == ["投诉举报", "待处理案件", "主动开展"]  # a choice list
    assert props["matters"]["type"] == "array" and props["matters"]["items"]["enum"] == [  # a multi-select by name
        str(m) for m in rules.matters()]


def test_the_weighing_form_asks_each_point_and_the_staff_code_with_nothing_preselected_but_the_draft():
    from flows.special_forms import weighing_form

    ctx = {"points": ["场地已整改", "人员已补齐"], "matters": [(2, "第十四条（二）备案范围", "不符合")], "report_days": 20}
    schema = weighing_form("h", ctx, [], {}, {}).model_json_schema()
    assert {"point_1", "point_2", "staff_code"} <= set(schema["required"])
    assert "requirements" not in schema["required"]  # not needed when every matter ends 符合 (checked after)
    assert schema["properties"]["point_1"]["title"] == "申辩第1点：场地已整改"
    assert schema["properties"]["rating_2"]["default"] == "不符合"
    assert "default" not in schema["properties"]["point_1"]


def test_staff_returning_the_draft_must_say_why_and_the_lead_gets_a_new_link_with_it(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "李审核", "审核")
    view = opening.open_special("run-return", opening_form())
    notices.send_notices(view.case_id)
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": "符合", "facts_2": "a", "evidence_2": "b",
                                   "rating_6": "不符合", "facts_6": "c", "evidence_6": "d"})
        assert findings.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    bare = decisions.approve_draft(view.case_id, "approval-1-1", {"decision": decisions.RETURN, "staff_code": code})
    assert not bare.accepted and "退回组长修改的，应写明理由" in bare.field_errors["remarks"]
    ok = decisions.approve_draft(view.case_id, "approval-1-2", {"decision": decisions.RETURN, "remarks": "事实不清",
                                                         "staff_code": code})
    assert ok.accepted and timeline.stage(view.case_id) == "待组长形成初步督导意见"
    consolidation.invite_lead(view.case_id, 2, "事实不清")
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "consolidation-2")).one()
    assert link.recipient_email == next(m.email for m in world["sups"] if m.card_code == view.lead.card_code)
    assert link.instructions.startswith("退回修改：事实不清") and "第十四条（六）质量管控：不符合" in link.instructions


def _draft_sent(world, run_id: str) -> tuple[views.SpecialView, str]:
    """Findings in, the lead's consolidation taken, the draft approved and sent: the run waits for
    the rebuttal. Returns the view and the rebuttal link's token."""
    from procedures.portal import forms as portal_forms

    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", f"审核{run_id}", "审核")
    view = opening.open_special(run_id, opening_form())
    notices.send_notices(view.case_id)
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": "不符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
        assert findings.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    consolidation.invite_lead(view.case_id, 1)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == view.case_id,
                                                       PortalLink.step_key == "consolidation-1")).one()
    lead = portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.forms()["lead_consolidation"],
                                          {"hearing": ["机构作了说明"]}, [])
    assert lead.status == "stored", lead.errors
    assert consolidation.record_consolidation(view.case_id, 1, lead.receipt.submission_id).accepted
    assert decisions.approve_draft(view.case_id, "approval-1-1", {"decision": decisions.APPROVE, "staff_code": code}).accepted
    decisions.send_draft(view.case_id)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == view.case_id,
                                                       PortalLink.step_key == "rebuttal")).one()
    return view, portal_tokens.token_for(key)


def _points(case_id: int) -> list[str]:
    with session_scope() as s:
        special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case_id)).one()
        return [p.text for p in s.exec(select(SpecialInspectionRebuttalPoint).where(
            SpecialInspectionRebuttalPoint.special_id == special.id).order_by(SpecialInspectionRebuttalPoint.position))]


def test_each_numbered_line_of_a_rebuttal_is_a_point_to_weigh_without_its_number(world):
    view, token = _draft_sent(world, "run-rebut-lines")
    sub = portal_submissions.submit(token, "1、超等级评价系备案变更在途\n\n2. 录像已补齐", [])
    assert sub.status == "stored", sub.errors
    assert decisions.record_rebuttal(view.case_id, sub.receipt.submission_id) == "收到评价机构申辩意见 2 条"
    assert _points(view.case_id) == ["超等级评价系备案变更在途", "录像已补齐"]


def test_the_demo_province_can_draw_a_special_inspection_team(tmp_path):
    """`make demo-data` then the README's special inspection: the demo supervisors carry employers."""
    from cli.demo_data import load_demo

    values = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"),
              "SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'supervision.db'}",
              "SUPERVISION_SMTP_PORT": str(free_port()),
              "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api"}
    with app_env(values):
        upgrade()
        with session_scope() as s:
            load_demo(s, date(2026, 11, 27))
        view = opening.open_special("run-demo", opening_form(institution="37010020240201"))
    assert view.refusal_reason == "" and len(view.members) == 3


def test_the_timeline_names_staff_steps_in_chinese_not_by_pause_key():
    assert timeline._step_name("approval-1-2") == "初步督导意见审核（第1次）"
    assert timeline._step_name("weighing-2") == "申辩意见综合分析"
    assert timeline._step_name("review-2-1") == "整改工作报告审核（第2次）"


def test_an_accepted_report_closes_the_case_and_tells_the_institution_once(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "王经办", "经办")
    view = opening.open_special("run-closed", opening_form())
    notices.send_notices(view.case_id)
    ok = report.review_report(view.case_id, "review-1-1", {"outcome": "通过，结案", "staff_code": code}, 1)
    again = report.review_report(view.case_id, "review-1-1", {"outcome": "通过，结案", "staff_code": code}, 1)
    assert ok.accepted and again.accepted
    with session_scope() as s:
        told = s.exec(select(OutboxMessage).where(col(OutboxMessage.subject).like("【专项督导结案】%"))).all()
    assert len(told) == 1 and told[0].recipient_kind == "institution" and "审核已通过" in told[0].text_body
    assert "张举报" not in told[0].text_body
    with session_scope() as s:  # signed as every letter of the agency is: its letterhead
        agency = s.get(Agency, "CITY-B")
    assert told[0].text_body.rstrip().endswith(agency.letterhead_name) and agency.letterhead_name != agency.name


# -- case numbers (issue 23.8) -------------------------------------------------------------------------
def test_special_inspection_numbers_run_from_one_per_agency_and_year(any_db_world):
    with session_scope() as s:  # a daily inspection holds case ids already: numbers do not follow ids
        s.add(InspectionCase(flow_run_id="daily-x", batch_number="PC-X", agency_id="CITY-B", opened_on=date(2026, 11, 2),
                             status="closed"))
        add_institution(s, "外市机构", "T-SI-A", city="A")
        add_institution(s, "本市另一机构", "T-SI-2", city="B")  # a third team at T-SI-1 would be 3 in a row (第十三条)
        for n, employer in enumerate(["甲", "乙", "丙"]):
            add_supervisor(s, f"外市督导{n}", "A", 560 + n, employer=employer)
    first = opening.open_special("run-no-1", opening_form())
    second = opening.open_special("run-no-2", opening_form())
    other_agency = opening.open_special("run-no-a", opening_form(institution="T-SI-A", origin="主动开展"))
    next_year = opening.open_special("run-no-y", opening_form(institution="T-SI-2", as_of="2027-01-04", planned_start="2027-01-04",
                                                    planned_end="2027-01-05", complaint_received_on="2027-01-02"))
    assert next_year.refusal_reason == ""
    assert [first.number, second.number] == ["专项督导-CITY-B-2026-1", "专项督导-CITY-B-2026-2"]
    assert other_agency.number == "专项督导-CITY-A-2026-1" and next_year.number == "专项督导-CITY-B-2027-1"
    assert opening.open_special("run-no-1", opening_form()).number == first.number  # a replay takes no new number


# -- a member withdrawn after the draw (第十三条, issue 17.13) -------------------------------------------
def _with_spare(world) -> None:
    with session_scope() as s:  # a fourth employer, so a replacement can be drawn
        world["sups"].append(add_supervisor(s, "督导替补", "B", 509, employer="丁学院", email="si-spare@supervisor.example.cn"))


def _code(agency: str = "CITY-B") -> str:
    with session_scope() as s:
        return staff.add(s, agency, f"经办{uuid4().hex[:6]}", "经办")[1]


def test_a_member_who_declares_a_conflict_after_the_draw_is_replaced_by_a_new_draw_from_the_same_pool(any_db_world):
    world = any_db_world
    _with_spare(world)
    code = _code()
    view = opening.open_special(str(uuid4()), opening_form())
    notices.send_notices(view.case_id)
    gone = next(m for m in view.members if not m.is_lead)
    done = team.withdraw_member(view.number, gone.card_code.lower(), "其配偶在该机构任职", code)
    assert isinstance(done, team.Withdrawal), done
    after = timeline.view(view.case_id)
    assert gone.card_code not in {m.card_code for m in after.members} and len(after.members) == 3
    assert done.replacement in after.members and after.lead == view.lead
    by_card = {x.card_code: x for x in world["sups"]}
    employers = [by_card[m.card_code].employer for m in after.members]
    assert len(set(employers)) == 3 and "" not in employers  # no two from one employer, never a blank one
    with session_scope() as s:
        rows = {m.card_code: m for m in s.exec(select(SpecialInspectionMember))}
        conflict = s.exec(select(ConflictDeclaration)).one()
        windows = {d.step_key: d for d in s.exec(select(SpecialInspectionDeadline))}
        links = {lk.step_key: lk for lk in s.exec(select(PortalLink).where(PortalLink.case_id == view.case_id))}
        mails = [m for m in s.exec(select(OutboxMessage)) if m.recipient_kind == "supervisor"]
        events = [e.text for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == view.case_id))]
    old, new = rows[gone.card_code], rows[done.replacement.card_code]
    assert old.withdrawn_on == date(2026, 12, 1) and old.withdrawn_reason == "其配偶在该机构任职"
    assert old.withdrawn_by.startswith("经办") and new.replaces_id == old.id
    assert conflict.supervisor_id == old.supervisor_id and conflict.reason == "其配偶在该机构任职"
    assert windows[f"findings-{old.id}"].status == "withdrawn" and windows[f"findings-{new.id}"].status == "open"
    closed_at = links[f"findings-{old.id}-1"].expires_at
    now = clock.now()  # SQLite keeps the agency's local time without its zone
    assert (closed_at if closed_at.tzinfo else closed_at.replace(tzinfo=now.tzinfo)) <= now  # the link closed
    assert links[f"findings-{new.id}-1"].recipient_email == by_card[new.card_code].email
    assert sum(by_card[new.card_code].email == m.recipient for m in mails) == 1  # the brief and the link
    line = next(e for e in events if "撤回" in e)
    assert gone.card_code in line and new.card_code in line and "其配偶在该机构任职" in line and "种子" in line
    assert done.resumed == "pending"  # Prefect unreachable here: the sweep tells the run later
    assert team.next_member(view.case_id) != old.id
    swept = sweep.sweep(date(2026, 12, 20))  # the findings window long passed: the withdrawn member is not reported
    assert all(gone.card_code not in x and "督导" + gone.name not in x for x in swept.findings_overdue)


def test_the_replacement_draw_is_replayable_from_its_seed(world):
    _with_spare(world)
    view = opening.open_special(str(uuid4()), opening_form())
    notices.send_notices(view.case_id)
    gone = view.members[-1]
    done = team.withdraw_member(view.number, gone.card_code, "曾在该机构任职", _code())
    with session_scope() as s:
        special = s.exec(select(SpecialInspection)).one()
        case = s.get(InspectionCase, view.case_id)
        inst = s.get(Institution, case.institution_id)
        agency = s.get(Agency, case.agency_id)
        from regulation.dispatch import DispatchPool
        from regulation.recusal import SessionPeople
        facts = dispatching.agency_facts(s, agency)
        pool = DispatchPool(facts, dispatching.supervisor_facts(s, dispatching.issuer_pool(s, facts)), date(2026, 12, 1))
        everyone = frozenset(m.card_code for m in s.exec(select(SpecialInspectionMember)))
        stay = {x.employer for x in world["sups"] if x.card_code in {m.card_code for m in view.members} - {gone.card_code}}
        again = rules.draw_replacement(pool, dispatching.institution_facts(inst),
                                          SessionPeople(f"special:{case.flow_run_id}", str(inst.id), date(2026, 12, 1)),
                                          f"{special.draw_seed}:replace-1", dispatching.declared_conflicts(s, inst.id),
                                          opening.history(s, inst.id, date(2026, 12, 1)),
                                          everyone - {done.replacement.card_code}, frozenset(stay))
    assert again.chosen == (done.replacement.card_code,)


def test_a_withdrawn_lead_hands_the_lead_to_the_first_remaining_member_in_draw_order(world):
    _with_spare(world)
    view = opening.open_special(str(uuid4()), opening_form())
    notices.send_notices(view.case_id)
    done = team.withdraw_member(view.number, view.lead.card_code, "近亲属在该机构任职", _code())
    after = timeline.view(view.case_id)
    assert isinstance(done, team.Withdrawal) and after.lead.card_code == view.members[1].card_code
    assert sum(m.is_lead for m in after.members) == 1


@pytest.mark.parametrize("case, why", [
    ("wrong-code", "工作人员代码"), ("other-agency", "本案由"), ("no-reason", "撤回理由：未填写"),
    ("not-member", "不是本督导小组的在组成员"), ("no-case", "没有编号为"), ("filed", "督导情况已经提交"),
    ("no-replacement", "无法替补：需抽取 1 名外督员"),
])
def test_a_withdrawal_is_refused_in_chinese_and_changes_nothing(world, case, why):
    if case != "no-replacement":
        _with_spare(world)
    code, other = _code(), _code("CITY-A")
    view = opening.open_special(str(uuid4()), opening_form())
    notices.send_notices(view.case_id)
    member = view.members[1]
    if case == "no-replacement":
        # Who is left in the pool depends on the seeded draw (the run id): take everyone outside
        # the team out of dispatch, so no replacement exists whatever the draw picked.
        drawn = {m.card_code for m in view.members}
        with session_scope() as s:
            for sup in s.exec(select(Supervisor)):
                if sup.card_code not in drawn:
                    sup.status = "dispatch_suspended"
    if case == "filed":
        stored = _submit_findings(view.case_id, f"findings-{member.member_id}-1",
                                  {"rating_2": "符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
        assert stored.status == "stored", stored.errors
    args = {"wrong-code": (view.number, member.card_code, "有利害关系", "0001-AAAA-BBBB-CCCC"),
            "other-agency": (view.number, member.card_code, "有利害关系", other),
            "no-reason": (view.number, member.card_code, "  ", code),
            "not-member": (view.number, "37-0000-0-9999", "有利害关系", code),
            "no-case": ("专项督导-CITY-B-2026-99", member.card_code, "有利害关系", code),
            "filed": (view.number, member.card_code, "有利害关系", code),
            "no-replacement": (view.number, member.card_code, "有利害关系", code)}[case]
    refused = team.withdraw_member(*args)
    assert isinstance(refused, str) and why in refused
    with session_scope() as s:
        assert all(m.withdrawn_on is None for m in s.exec(select(SpecialInspectionMember)))
        assert len(list(s.exec(select(SpecialInspectionMember)))) == 3
        assert s.exec(select(ConflictDeclaration)).first() is None
    assert timeline.view(view.case_id).members == view.members


def test_supervise_special_withdraw_reads_the_staff_code_without_echo_and_reports_the_replacement(world):
    from tests.cli.test_cli import run

    _with_spare(world)
    code = _code()
    view = opening.open_special(str(uuid4()), opening_form())
    notices.send_notices(view.case_id)
    gone = view.members[2]
    refused = run("special", "withdraw", "--case", view.number, "--member", gone.card_code, "--reason", "有利害关系",
                  "--staff-code", "0001-AAAA-BBBB-CCCC")
    assert refused.returncode == 1 and "工作人员代码" in refused.stderr
    done = run("special", "withdraw", "--case", view.number, "--member", gone.card_code, "--reason", "有利害关系",
               "--staff-code", code, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["replacement"]["card_code"] in {m.card_code for m in timeline.view(view.case_id).members}
    assert "撤回" in out["text"] and code not in done.stdout


# -- every matter 符合: no rectification (issue 17.14) -----------------------------------------------------
def _weighed(world, run_id: str, rating: str, requirements: str) -> tuple[views.SpecialView, Outcome]:
    from procedures.portal import forms as portal_forms

    code = _code()
    view = opening.open_special(run_id, opening_form())
    notices.send_notices(view.case_id)
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": rating, "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
        assert findings.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    consolidation.invite_lead(view.case_id, 1)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == view.case_id,
                                                       PortalLink.step_key == "consolidation-1")).one()
    lead = portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.forms()["lead_consolidation"],
                                          {"hearing": ["机构作了说明"]}, [])
    assert consolidation.record_consolidation(view.case_id, 1, lead.receipt.submission_id).accepted
    assert decisions.approve_draft(view.case_id, "approval-1-1", {"decision": decisions.APPROVE, "staff_code": code}).accepted
    decisions.send_draft(view.case_id)
    decisions.record_rebuttal(view.case_id, None)
    answers = {"rating_2": rating, "rating_6": "符合", "requirements": requirements, "report_days": 20,
               "staff_code": code}
    return view, decisions.weigh_rebuttal(view.case_id, "weighing-1", answers)


def test_every_matter_rated_conforming_closes_with_the_opinion_letter_without_requirements_or_report(any_db_world):
    world = any_db_world
    view, asked = _weighed(world, "run-all-ok-asked", "符合", "强化考点管理")
    assert not asked.accepted and "无需整改，请清空整改要求" in asked.field_errors["requirements"]
    view, ok = _weighed(world, "run-all-ok", "符合", "")
    assert ok.accepted and decisions.needs_rectification(view.case_id) is False
    said = decisions.issue_opinion(view.case_id)
    assert "无需整改，本案结案" in said
    with session_scope() as s:
        case = s.get(InspectionCase, view.case_id)
        special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == view.case_id)).one()
        windows = [d.step_key for d in s.exec(select(SpecialInspectionDeadline).where(
            SpecialInspectionDeadline.special_id == special.id))]
        report_links = s.exec(select(PortalLink).where(PortalLink.case_id == view.case_id,
                                                       col(PortalLink.step_key).startswith("report-"))).all()
        letter = s.exec(select(Document).where(Document.case_id == view.case_id,
                                               Document.kind == "special_opinion")).one()
    assert case.status == "closed" and special.stage == "closed" and "report-1" not in windows and not report_links
    text = docx_text(letter.content)
    assert "督导事项均符合规定，无需整改，无需提交整改工作报告" in text and "结案" in text
    assert "整改要求" not in text and "第二十二条（六）" not in text


def test_a_matter_rated_basically_conforming_still_needs_requirements_and_a_report(any_db_world):
    world = any_db_world
    view, bare = _weighed(world, "run-basic-bare", "基本符合", "")
    assert not bare.accepted and "应填写整改要求" in bare.field_errors["requirements"]
    view, ok = _weighed(world, "run-basic", "基本符合", "补齐评价资料")
    assert ok.accepted and decisions.needs_rectification(view.case_id)
    assert "整改工作报告应于" in decisions.issue_opinion(view.case_id)
    assert timeline.stage(view.case_id) == "待整改工作报告"


def test_the_run_form_gives_the_matters_by_name_and_an_unknown_name_is_refused_naming_it(world):
    view = opening.open_special("run-names", opening_form(matters=["第十四条（六）质量管控", "第十四条（二）备案范围"]))
    assert view.refusal_reason == "" and view.matters == ("第十四条（二）备案范围", "第十四条（六）质量管控")
    bad = opening.open_special("run-bad-name", opening_form(matters=["第十四条（十）其他"]))
    assert bad.status == "refused" and "督导事项：“第十四条（十）其他”不是第十四条（一）至（九）之一" in bad.refusal_reason


def test_receipt_numbers_follow_the_order_of_receipt_not_the_order_the_links_were_made(world):
    view = opening.open_special("run-receipts", opening_form())
    notices.send_notices(view.case_id)  # the members' links first, the institution's self-report link last
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.step_key == "self-report")).one()
    first = portal_submissions.submit(portal_tokens.token_for(key), "自评报告", [])
    later = [_submit_findings(view.case_id, f"findings-{m.member_id}-1",
                              {"rating_2": "符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
             for m in reversed(view.members)]
    numbers = [r.receipt.receipt_number for r in [first, *later]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4 and all(n.startswith("HZ2026") for n in numbers)
    with session_scope() as s:
        mails = [m for m in s.exec(select(OutboxMessage)) if m.idempotency_key.startswith("portal-receipt:")]
    assert sorted(n for n in numbers) == sorted(next(x for x in numbers if x in m.text_body) for m in mails)
    assert not any("HZPENDING" in m.subject + m.text_body + m.html_body for m in mails)


def test_the_letters_state_for_each_matter_only_the_facts_of_the_rating_settled_and_each_evidence_once(world):
    """第十五条（二）2–3: the draft opinion and the 意见书 state the settled rating with the facts that
    bear it out (the walk-through read 「不符合。…；现场未见超范围评价」 and one evidence three times)."""
    from procedures.portal import forms as portal_forms

    code = _code()
    view = opening.open_special("run-letter-facts", opening_form())
    notices.send_notices(view.case_id)
    said = [("不符合", "发现超出备案等级组织评价"), ("不符合", "发现超出备案等级组织评价"), ("符合", "现场未见超范围评价")]
    for m, (rating, fact) in zip(view.members, said, strict=True):
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": rating, "facts_2": fact, "evidence_2": "抽查评价资料10份",
                                   "rating_6": "符合", "facts_6": "质量管控制度健全", "evidence_6": "抽查评价资料10份"})
        assert stored.status == "stored", stored.errors
        assert findings.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    consolidation.invite_lead(view.case_id, 1)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == view.case_id,
                                                       PortalLink.step_key == "consolidation-1")).one()
    lead = portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.forms()["lead_consolidation"],
                                          {"hearing": ["机构作了说明"]}, [])
    assert consolidation.record_consolidation(view.case_id, 1, lead.receipt.submission_id).accepted
    assert decisions.approve_draft(view.case_id, "approval-1-1", {"decision": decisions.APPROVE, "staff_code": code}).accepted
    decisions.send_draft(view.case_id)
    with session_scope() as s:
        draft = s.exec(select(Document).where(Document.case_id == view.case_id, Document.kind == "special_draft")).one()
    text = docx_text(draft.content)
    assert "不符合。发现超出备案等级组织评价；查看的证据：抽查评价资料10份。" in text
    assert "现场未见超范围评价" not in text and text.count("抽查评价资料10份") == 2  # once per matter
