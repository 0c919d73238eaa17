"""Special inspection procedures on a real database (no Prefect): opening, the team draw, notices,
findings through the portal's member-findings form, confidentiality and the daily sweep."""

from datetime import date
from uuid import uuid4

import pytest
from sqlmodel import col, select

from adapters import portal_tokens
from adapters.db import session_scope, upgrade
from adapters.documents import docx_text
from cli.demo_data import add_agencies, add_institution, add_supervisor
from models import (
    ConflictDeclaration,
    Document,
    InspectionCase,
    OutboxMessage,
    PendingCase,
    PortalLink,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionFinding,
    SpecialInspectionMember,
    SpecialInspectionRebuttalPoint,
)
from procedures import portal_submissions, staff
from procedures import special_inspection as si
from tests.app_env import app_env
from tests.postgres_server import free_port

DAY = "2026-12-01"


@pytest.fixture
def world(tmp_path):
    values = {"SUPERVISION_VAR_DIR": str(tmp_path / "var"),
              "SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'supervision.db'}",
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


def opening(**kw) -> si.Opening:
    base = dict(institution="T-SI-1", origin="投诉举报", matters=[2, 6], planned_start="2026-12-01",
                planned_end="2026-12-03", complaint_source="群众举报", complaint_received_on="2026-11-30",
                complaint_content="该机构超范围开展焊工评价", complainant="张举报 13800000000", as_of=DAY)
    return si.Opening(**(base | kw))


def count(model) -> int:
    with session_scope() as s:
        return len(list(s.exec(select(model))))


def test_bad_opening_is_refused_naming_each_field_and_nothing_is_stored(world):
    view = si.open_special("run-bad", opening(institution="NOPE", matters=[10], planned_end="2026-13-01",
                                              complaint_source=""))
    assert view.status == "refused" and view.case_id == 0
    for field in ("评价机构备案编号", "投诉举报来源", "督导事项", "计划结束日期"):
        assert field in view.refusal_reason
    assert count(InspectionCase) == 0 and count(SpecialInspection) == 0


def test_team_of_three_from_distinct_employers_with_a_lead(world):
    view = si.open_special("run-team", opening())
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
    view = si.open_special("run-few", opening())
    assert view.status == "refused"
    assert "需抽取 3 名外督员，符合条件的仅 2 名" in view.refusal_reason
    assert "未登记工作单位 1人" in view.refusal_reason and "与已抽取成员同一工作单位 1人" in view.refusal_reason
    assert count(SpecialInspection) == 0
    two = si.open_special("run-two", opening(team_size=2))
    assert two.status == "refused" and "少于3名须写明理由" in two.refusal_reason
    ok = si.open_special("run-two-reason", opening(team_size=2, fewer_reason="本市该领域外督员不足"))
    assert len(ok.members) == 2
    assert world["sups"][2].card_code not in {m.card_code for m in ok.members}  # declared a conflict


def test_notices_keep_the_complainant_from_everyone_and_the_complaint_from_the_institution(world):
    view = si.open_special("run-notice", opening())
    si.send_notices(view.case_id)
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


def _submit_findings(case_id: int, step: str, fields: dict) -> portal_submissions.SubmitResult:
    from procedures import portal_forms

    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id, PortalLink.step_key == step)).one()
    posted = {k: [v] for k, v in fields.items()}
    return portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.FORMS["member_findings"],
                                          posted, [])


def test_findings_are_checked_before_they_are_stored_and_the_run_takes_the_stored_answers(world):
    view = si.open_special("run-findings", opening())
    si.send_notices(view.case_id)
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
    assert si.record_findings(view.case_id, member.member_id, 1, ok.receipt.submission_id).accepted
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
    view = si.open_special(str(uuid4()), opening(origin="待处理案件", pending_case_id=pid))
    assert view.status == "special_open"
    again = si.open_special("run-pending-2", opening(origin="待处理案件", pending_case_id=pid))
    assert "已办理" in again.refusal_reason
    si.send_notices(view.case_id)
    first = si.sweep(date(2026, 12, 9))
    second = si.sweep(date(2026, 12, 10))
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
    assert si.open_special("run-1", opening()).status == "special_open"
    assert si.open_special("run-2", opening()).status == "special_open"
    third = si.open_special("run-3", opening())
    assert third.status == "refused" and "符合条件的仅 0 名" in third.refusal_reason
    assert "连续" in third.refusal_reason


def test_report_review_needs_a_valid_staff_code_and_reasons_and_a_refusal_opens_article_27_3(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "王经办", "经办")
    view = si.open_special("run-review", opening())
    si.send_notices(view.case_id)
    wrong = si.review_report(view.case_id, "review-1-1", {"outcome": si.REFUSED, "reasons": "x",
                                                          "staff_code": "0009-AAAA-BBBB-CCCC"}, 1)
    assert not wrong.accepted and "工作人员代码不正确" in wrong.field_errors["staff_code"]
    bare = si.review_report(view.case_id, "review-1-2", {"outcome": si.REFUSED, "staff_code": code}, 1)
    assert not bare.accepted and "应写明理由" in bare.field_errors["reasons"]
    ok = si.review_report(view.case_id, "review-1-3", {"outcome": si.REFUSED, "reasons": "明确表示不整改",
                                                       "staff_code": code}, 1)
    assert ok.accepted
    with session_scope() as s:
        (pending,) = s.exec(select(PendingCase).where(PendingCase.kind == "sanction")).all()
        case = s.get(InspectionCase, view.case_id)
        special = s.exec(select(SpecialInspection)).one()
    assert pending.article == "第二十七条（三）" and pending.source_case_id == view.case_id
    assert case.status == "closed" and special.stage == "referred" and "王经办" in special.decided_by["review-1-3"]


def test_the_deployment_shows_every_parameter_with_a_chinese_title_and_dates_as_dates():
    from deployments.serve import deployments
    from flows.special_inspection import PARAMETERS

    props = {d.name: d for d in deployments()}["special-inspection"]._parameter_openapi_schema.properties
    assert set(props) == set(PARAMETERS)
    assert all(props[name]["title"] == title for name, (title, _) in PARAMETERS.items())
    assert {n for n, p in props.items() if p.get("format") == "date"} == {
        "planned_start", "planned_end", "complaint_received_on", "as_of"}
    assert not any("anyOf" in p for p in props.values())  # no "Property is type None" toggles


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
    view = si.open_special("run-return", opening())
    si.send_notices(view.case_id)
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": "符合", "facts_2": "a", "evidence_2": "b",
                                   "rating_6": "不符合", "facts_6": "c", "evidence_6": "d"})
        assert si.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    bare = si.approve_draft(view.case_id, "approval-1-1", {"decision": si.RETURN, "staff_code": code})
    assert not bare.accepted and "退回组长修改的，应写明理由" in bare.field_errors["remarks"]
    ok = si.approve_draft(view.case_id, "approval-1-2", {"decision": si.RETURN, "remarks": "事实不清",
                                                         "staff_code": code})
    assert ok.accepted and si.stage(view.case_id) == "待组长形成初步督导意见"
    si.invite_lead(view.case_id, 2, "事实不清")
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "consolidation-2")).one()
    assert link.recipient_email == next(m.email for m in world["sups"] if m.card_code == view.lead.card_code)
    assert link.instructions.startswith("退回修改：事实不清") and "第十四条（六）质量管控：不符合" in link.instructions


def _draft_sent(world, run_id: str) -> tuple[si.SpecialView, str]:
    """Findings in, the lead's consolidation taken, the draft approved and sent: the run waits for
    the rebuttal. Returns the view and the rebuttal link's token."""
    from procedures import portal_forms

    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", f"审核{run_id}", "审核")
    view = si.open_special(run_id, opening())
    si.send_notices(view.case_id)
    for m in view.members:
        stored = _submit_findings(view.case_id, f"findings-{m.member_id}-1",
                                  {"rating_2": "不符合", "facts_2": "a", "rating_6": "符合", "facts_6": "b"})
        assert si.record_findings(view.case_id, m.member_id, 1, stored.receipt.submission_id).accepted
    si.invite_lead(view.case_id, 1)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == view.case_id,
                                                       PortalLink.step_key == "consolidation-1")).one()
    lead = portal_submissions.submit_form(portal_tokens.token_for(key), portal_forms.FORMS["lead_consolidation"],
                                          {"hearing": ["机构作了说明"]}, [])
    assert lead.status == "stored", lead.errors
    assert si.record_consolidation(view.case_id, 1, lead.receipt.submission_id).accepted
    assert si.approve_draft(view.case_id, "approval-1-1", {"decision": si.APPROVE, "staff_code": code}).accepted
    si.send_draft(view.case_id)
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
    assert si.record_rebuttal(view.case_id, sub.receipt.submission_id) == "收到评价机构申辩意见 2 条"
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
        view = si.open_special("run-demo", opening(institution="DEMO-A-001"))
    assert view.refusal_reason == "" and len(view.members) == 3


def test_the_timeline_names_staff_steps_in_chinese_not_by_pause_key():
    assert si._step_name("approval-1-2") == "初步督导意见审核（第1次）"
    assert si._step_name("weighing-2") == "申辩意见综合分析"
    assert si._step_name("review-2-1") == "整改工作报告审核（第2次）"


def test_an_accepted_report_closes_the_case_and_tells_the_institution_once(world):
    with session_scope() as s:
        _, code = staff.add(s, "CITY-B", "王经办", "经办")
    view = si.open_special("run-closed", opening())
    si.send_notices(view.case_id)
    ok = si.review_report(view.case_id, "review-1-1", {"outcome": "通过，结案", "staff_code": code}, 1)
    again = si.review_report(view.case_id, "review-1-1", {"outcome": "通过，结案", "staff_code": code}, 1)
    assert ok.accepted and again.accepted
    with session_scope() as s:
        told = s.exec(select(OutboxMessage).where(col(OutboxMessage.subject).like("【专项督导结案】%"))).all()
    assert len(told) == 1 and told[0].recipient_kind == "institution" and "审核已通过" in told[0].text_body
    assert "张举报" not in told[0].text_body
