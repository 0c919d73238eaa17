"""日常督导 end to end: real Prefect server, real runner, real SMTP, real database, and the portal
(a real uvicorn) through which supervisors file the record and confirm it."""

import re
import time
from datetime import date

import pytest
from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from adapters.documents import docx_text
from deployments.serve import DAILY_INSPECTION
from models import AgencyDecision, AgencyStaff, InspectionRecord, PendingCase
from procedures.casework.cases import timeline_markdown
from tests.flows import harness as h
from tests.flows.world import (
    answers,
    case_for,
    decided_by,
    dispatch_named,
    make_world,
    outbox_for,
    portal_token,
    record_through_portal,
    staff_code,
    through_portal,
)

DAY = date(2026, 11, 23)
DONE = {StateType.COMPLETED}
REFUSED = {StateType.CANCELLED}


def to(service, address):
    return [m for m in h.messages(service.mail_dir) if address in m["To"]]


def dispatched(service, world, run_id):
    """The supervisor who got the dispatch notice, and the code in it."""
    h.wait_for_form(run_id, "record-1")
    return h.dispatch_notice(service, world["batch"])


def test_pass_path_dispatch_record_pass_no_action_closes_case(service):
    w = make_world("PASS", DAY)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    address, code = dispatched(service, w, run_id)
    notice = to(service, address)[0]
    assert notice["Subject"].startswith("【督导派遣通知】") and w["batch"] in notice["Subject"]
    assert "测试机构PASS" in notice.get_body(("plain",)).get_content()
    assert "/l/" in notice.get_body(("plain",)).get_content()  # the portal link,
    assert "/runs/" not in notice.get_body(("plain",)).get_content()  # never the Prefect UI

    page = through_portal(service, address, answers("theory", code, str(DAY)))  # over HTTP, like a browser
    assert page.status_code == 200 and "已收到" in page.text
    h.resume(run_id, "decision-1", {"decision": "无需处理", "opinion": "考场规范，无需处理。", **decided_by()})
    run = h.wait_for(run_id, DONE)

    case = case_for(w["batch"])
    assert case.status == "closed" and case.decision == "无需处理"
    kinds = [m.recipient_kind for m in outbox_for(case.id)]
    assert kinds == ["supervisor", "agency"]  # one dispatch mail, one agency mail
    assert [m["Subject"][:6] for m in to(service, address)] == ["【督导派遣通", "【回执】日常"]  # notice, receipt
    assert len(to(service, "city-a@")) >= 1 and not to(service, w["institution_email"])
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    assert record.verdict == "合格" and record.late is False and record.negative_count == 0
    assert run.state.is_completed()
    assert run.name == f"{w['batch']} · 测试机构PASS"  # searchable by batch and institution
    assert "经随机抽取" in notice.get_body(("plain",)).get_content()  # drawn, so it says so
    # The agency sees the supervisor's 总体评价 and 评定 (第八条 allows it inside the agency).
    (received,) = [m for m in to(service, "city-a@") if w["batch"] in m["Subject"] and "督导记录已提交" in m["Subject"]]
    assert "总体评价：考场组织基本规范。" in received.get_body(("plain",)).get_content()
    assert "督导员评定：合格" in received.get_body(("plain",)).get_content()
    logs = h.logs(run_id, until="处理决定：")
    assert any(line.startswith("已委派外督员：") and "应于 2026-11-25 前提交" in line for line in logs)
    assert any(line.startswith("评定结果：合格") for line in logs)
    assert any(line.startswith("处理决定：无需处理（决定人 王科长）") for line in logs)
    assert not any(decided_by()["staff_code"] in line for line in logs)  # the staff code is never logged
    assert not any("考场组织基本规范" in line for line in logs)  # no record content in logs (第八条)


def test_fail_path_five_negatives_reminder_letter_reaches_institution_with_docx(service):
    w = make_world("FAIL", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    record_through_portal(service, w, answers("theory", code, str(DAY), negatives=(3, 7, 9, 11, 12)))
    schema = h.wait_for_form(run_id, "decision-1")
    assert "系统建议：**提醒函**" in h.description(run_id)
    assert schema["properties"]["decision"]["description"].startswith("系统建议：提醒函（第十五条（一））")
    h.resume(run_id, "decision-1", {"decision": "提醒函", "opinion": "请完善考场设施。", **decided_by(),
                                    "report_days": 20})
    h.wait_for(run_id, DONE)

    (letter,) = to(service, w["institution_email"])
    assert "经随机抽取" not in to(service, w["emails"][0])[0].get_body(("plain",)).get_content()  # named, not drawn
    assert letter["Subject"].startswith("【关于测试机构FAIL技能人才评价质量督导情况的提醒函】")
    (attachment,) = list(letter.iter_attachments())
    assert attachment.get_filename().endswith("号）.docx") and "提醒函" in attachment.get_filename()
    text = docx_text(attachment.get_content())
    assert "试题形式和内容符合职业（工种）和级别要求" in text  # item 3
    assert "内部督导员的安排与评价计划一致" in text  # item 11
    assert "济南人社督〔2026〕" in text and "不合格" in text
    # 11-23 + 20 days is Sunday 12-13: the next working day (民法典第二百零三条)
    assert text.count("书面报送") == 1 and "于2026年12月14日前将整改情况书面报送" in text
    body = letter.get_body(("plain",)).get_content()
    assert "现场发现问题" not in body and "督导FAIL" not in body  # no remarks, no supervisor names (第八条)
    assert case_for(w["batch"]).proposal["option"] == "提醒函"


def test_veto_item_fails_whatever_the_count_and_opens_special_inspection(service):
    w = make_world("VETO", DAY, form_kind="skill")
    run_id, code = dispatch_named(w, str(DAY), supervisor=1)
    record_through_portal(service, w, answers("skill", code, str(DAY), vetoes=(2,)), supervisor=1)
    h.resume(run_id, "decision-1", {"decision": "转专项督导", "opinion": "一票否决项，转专项督导。", **decided_by()})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
        pending = s.exec(select(PendingCase).where(PendingCase.source_case_id == case.id)).one()
    assert (record.verdict, record.negative_count, record.veto_hits) == ("不合格", 0, [2])
    assert pending.kind == "special_inspection" and pending.status == "open"


def test_refused_record_never_reaches_the_run_and_one_the_run_refuses_gets_a_new_link(service):
    w = make_world("CODE", DAY, form_kind="review")
    run_id, code = dispatch_named(w, str(DAY))
    case = case_for(w["batch"])
    # Refused by the portal (the same checks as the run): nothing stored, the run still waits.
    page = through_portal(service, w["emails"][0], answers("review", "ZZZZ-ZZZZ", str(DAY), negatives=(2,)))
    assert page.status_code == 400 and "任务编码不正确" in page.text
    page = through_portal(service, w["emails"][0], answers("review", code, "2026-02-30"))
    assert page.status_code == 400 and "督导结束日期：应为有效日期" in page.text
    assert h.read(run_id).state.state_details.pause_key == "record-1"

    # A stored submission the procedure still refuses when the run judges it (here: stored
    # without the portal's check, as if the data had moved since) does not wedge the run: the
    # supervisor gets a new link, the run waits again, and the new link's record is taken.
    from procedures.casework.cases import Refusal
    from procedures.portal import forms as portal_forms
    from procedures.portal import submissions as portal_submissions

    form = portal_forms.forms()["record_form"]
    unchecked = portal_forms.PortalForm("record_form", form.template, form.max_fields, form.parse, form.context,
                                        lambda link, a, f: (Refusal(), {"answers": a, "dispatch_id": None}))
    token = portal_token(service.mail_dir, w["emails"][0])
    fields = {k: v if isinstance(v, list) else [v] for k, v in answers("review", "ZZZZ-ZZZZ", str(DAY)).items()}
    stored = portal_submissions.submit_form(token, unchecked, fields, [])
    assert stored.status == "stored"
    h.wait_for_form(run_id, "record-2")
    renewed = next(m for m in to(service, w["emails"][0]) if m["Subject"].startswith("【请在线提交】"))
    assert "上次提交未被采用：任务编码不正确" in renewed.get_body(("plain",)).get_content()
    assert portal_token(service.mail_dir, w["emails"][0]) != token
    with session_scope() as s:
        assert s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).first() is None
    record_through_portal(service, w, answers("review", code, str(DAY)))
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        assert s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one().verdict == "合格"


def test_mistyped_batch_is_refused_and_the_run_is_not_a_success(service):
    run_id = h.start(DAILY_INSPECTION, {"batch_number": "NO-SUCH-BATCH", "as_of": str(DAY)})
    run = h.wait_for(run_id, REFUSED)
    assert run.state.name == "已拒绝" and "不存在" in run.state.message
    assert run.name == "NO-SUCH-BATCH · 批次不存在"
    assert case_for("NO-SUCH-BATCH").status == "refused"
    # a refusal is an answer, not an error: no ERROR line, no CancelledRun traceback in the run's log
    lines = h.logs(run_id, until="已拒绝")
    assert any(line.startswith("已拒绝：") for line in lines)
    assert not any("CancelledRun" in line or "unexpected exception" in line for line in lines)
    h.wait_leg_exited(service, run_id)  # logs reach the server in batches, the last at the leg's exit
    assert h.error_levels(run_id) == []
    bad_date = h.start(DAILY_INSPECTION, {"batch_number": "NO-SUCH-BATCH", "as_of": "2026-02-30"})
    assert "业务日期：应为有效日期" in h.wait_for(bad_date, REFUSED).state.message


@pytest.mark.parametrize("tag, kw, article", [
    ("SUSP", {"status": "suspended"}, "第二十三条（一）"),
    ("REVOKED", {"status": "revoked"}, "第二十三条"),
    ("SCOPE", {"occupation": "美容师"}, "第二十二条（二）"),
])
def test_session_that_should_not_take_place_is_a_finding_and_still_inspected(service, tag, kw, article):
    w = make_world(tag, DAY, **kw)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY),
                                        "supervisor_cards": [w["cards"][0]]})
    schema = h.wait_for_form(run_id, "go-ahead-1")
    assert schema["properties"]["go_on"]["default"] == "继续委派督导"  # the default is to go on
    case = case_for(w["batch"])
    assert case.status == "awaiting_go_ahead"
    with session_scope() as s:
        finding = s.exec(select(PendingCase).where(PendingCase.source_case_id == case.id)).one()
    assert finding.article.startswith(article) and finding.kind == "sanction"
    (mail,) = [m for m in to(service, "city-a@") if m["Subject"] == f"【违规线索】{w['batch']} 测试机构{tag}"]
    assert article in mail.get_body(("plain",)).get_content()
    assert not to(service, w["institution_email"])  # never told in advance (第七条(五))

    h.resume(run_id, "go-ahead-1", {"go_on": "继续委派督导", **decided_by()})
    code = h.assignment_code(wait_mail(service, w["emails"][0]))
    record_through_portal(service, w, answers("theory", code, str(DAY)))
    h.wait_for_form(run_id, "decision-1")


def test_wrong_foreign_or_disabled_staff_code_asks_the_decision_again_and_the_right_one_is_stored(service):
    w = make_world("STAFF", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    record_through_portal(service, w, answers("theory", code, str(DAY), negatives=(1, 2, 3, 4, 5)))
    decision = {"decision": "提醒函", "opinion": "请完善考场设施。"}
    mine = staff_code("李科员")
    wrong = mine[:-4] + ("AAAA" if not mine.endswith("AAAA") else "BBBB")
    refusals = [(wrong, "工作人员代码不正确"),
                (staff_code("青岛经办", agency_id="CITY-B"), "属于 CITY-B 的工作人员"),
                (staff_code("已停用", active=False), "账号已停用")]
    for n, (typed, message) in enumerate(refusals, start=1):
        h.resume(run_id, f"decision-{n}", decision | {"staff_code": typed})
        schema = h.wait_for_form(run_id, f"decision-{n + 1}")
        field = schema["properties"]["staff_code"]
        assert field["title"] == "【请修改】工作人员代码" and message in field["description"]
        assert "default" not in field and schema["properties"]["decision"]["default"] == "提醒函"
        case = case_for(w["batch"])
        assert case.decision == "" and case.status == "awaiting_decision"  # nothing else written
    h.resume(run_id, "decision-4", decision | {"staff_code": mine})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    with session_scope() as s:
        stored = s.exec(select(AgencyDecision).where(AgencyDecision.case_id == case.id)).one()
        person = s.get(AgencyStaff, stored.decided_by_staff_id)
    assert (person.name, person.agency_id, stored.handled_by) == ("李科员", "CITY-A", "李科员")
    timeline = timeline_markdown(case.id)
    assert "李科员（CITY-A·经办" in timeline and "决定：提醒函" in timeline  # the timeline says who decided
    assert not any(s in line for line in h.logs(run_id, until="处理决定：") for s in (mine, wrong))


def test_staff_may_decide_not_to_dispatch_to_a_finding(service):
    w = make_world("NODISP", DAY, status="suspended")
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    h.resume(run_id, "go-ahead-1", {"go_on": "不委派，结案", "staff_code": staff_code("青岛经办", agency_id="CITY-B")})
    schema = h.wait_for_form(run_id, "go-ahead-2")  # another agency's staff may not decide
    assert "属于 CITY-B 的工作人员" in schema["properties"]["staff_code"]["description"]
    assert case_for(w["batch"]).status == "awaiting_go_ahead"
    h.resume(run_id, "go-ahead-2", {"go_on": "不委派，结案", **decided_by()})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    assert case.status == "closed" and not to(service, w["emails"][0])
    assert case.go_ahead_by == "王科长" and case.go_ahead_by_staff_id is not None


def test_missing_calendar_year_does_not_block_the_dispatch(service):
    # 2098 has no official calendar whatever the installed holidays release knows.
    w = make_world("DEC", date(2098, 12, 30), term_start=date(2097, 1, 1))
    w2 = make_world("DEC2", date(2098, 12, 31), term_start=date(2097, 1, 1))
    run_id, code = dispatch_named(w, "2098-12-30")
    dispatch_named(w2, "2098-12-31")
    case = case_for(w["batch"])
    assert case.record_due is None and "2098年的法定节假日安排尚未录入，期限待定" in case.record_due_reason
    notice = to(service, w["emails"][0])[0].get_body(("plain",)).get_content()
    assert "待定" in notice
    admin = [m for m in to(service, "city-a@") if m["Subject"].startswith("【工作日历缺失】2098年")]
    assert len(admin) == 1  # once, for both sessions
    record_through_portal(service, w, answers("theory", code, "2098-12-30"))
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    assert (record.due_on, record.late) == (None, False)


def test_second_run_for_an_inspected_batch_is_refused_with_the_first_runs_link(service):
    w = make_world("TWICE", DAY)
    first, _ = dispatch_named(w, str(DAY))
    second = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    run = h.wait_for(second, REFUSED)
    assert "该批次已有日常督导" in run.state.message and str(first) in run.state.message


def test_supervisor_verdict_contradicting_the_rule_is_refused_naming_the_rule(service):
    w = make_world("VERDICT", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    page = through_portal(service, w["emails"][0], answers("theory", code, str(DAY), negatives=(1, 2, 3, 4, 5),
                                                           supervisor_verdict="合格"))
    assert page.status_code == 400
    assert re.search(r'id="err-supervisor_verdict">[^<]*达到20%[^<]*应评定为“不合格”', page.text)
    record_through_portal(service, w, answers("theory", code, str(DAY), negatives=(1, 2, 3, 4, 5)))
    h.wait_for_form(run_id, "decision-1")


def test_pass_record_letter_refused_without_problems_then_verified_then_bulletin(service):
    w = make_world("NOPROB", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    record_through_portal(service, w, answers("theory", code, str(DAY)))
    h.resume(run_id, "decision-1", {"decision": "质量通报", "opinion": "通报。", **decided_by()})
    schema = h.wait_for_form(run_id, "decision-2")
    assert schema["properties"]["problems"]["title"].startswith("【请修改】")
    assert schema["properties"]["decision"]["default"] == "质量通报"  # kept
    assert "default" not in schema["properties"]["staff_code"]  # the staff code is typed again, never kept
    # 调查核实 (第十五条(一)3) is recorded, and the decision asked again
    h.resume(run_id, "decision-2", {"decision": "调查核实", "opinion": "调阅考场录像，核实考场设施不全。",
                                    **decided_by()})
    h.wait_for_form(run_id, "decision-3")
    assert "已调查核实" in h.description(run_id)
    h.resume(run_id, "decision-3", {"decision": "质量通报", "opinion": "通报。", **decided_by(),
                                    "problems": "考场设施不全\n"})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    assert case.verifications[0]["text"].startswith("调阅考场录像")
    (letter,) = to(service, w["institution_email"])
    text = docx_text(next(letter.iter_attachments()).get_content())
    assert "1. 考场设施不全" in text and "调阅考场录像" not in text


def test_later_end_needs_a_reason_and_lateness_counts_from_the_scheduled_end(service):
    # Session 11-16 (Mon): due 11-18 from the scheduled end. Filed 11-19 stating a later end.
    w = make_world("LATEREASON", date(2026, 11, 16))
    run_id, code = dispatch_named(w, "2026-11-19")
    page = through_portal(service, w["emails"][0], answers("theory", code, "2026-11-18"))
    assert page.status_code == 400 and 'id="err-later_end_reason"' in page.text
    record_through_portal(service, w, answers("theory", code, "2026-11-18", later_end_reason="评价结束后进行数据比对"))
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case_for(w["batch"]).id)).one()
    assert (record.due_on, record.late, record.stated_end_reason) == (date(2026, 11, 20), False, "评价结束后进行数据比对")
    received = [m for m in to(service, "city-a@") if w["batch"] in m["Subject"] and "督导记录已提交" in m["Subject"]]
    assert "原因：评价结束后进行数据比对" in received[0].get_body(("plain",)).get_content()


def test_two_supervisors_one_record_counts_only_after_the_other_confirms_through_their_link(service):
    w = make_world("TWO", DAY)
    run_id, (code_a, code_b) = dispatch_named(w, str(DAY), supervisor=(0, 1))
    record_through_portal(service, w, answers("theory", code_a, str(DAY), negatives=(1, 2, 3, 4, 5)))
    h.wait_for_form(run_id, "confirm-1")
    case = case_for(w["batch"])
    assert case.status == "awaiting_confirmation"
    assert not [m for m in to(service, "city-a@") if w["batch"] in m["Subject"]]  # does not count yet
    # B's record link is spent (the record is in); B's confirmation link came by mail.
    ask = [m for m in to(service, w["emails"][1]) if "确认日常督导情况记录表" in m["Subject"]]
    assert ask and "/runs/" not in ask[0].get_body(("plain",)).get_content()
    page = through_portal(service, w["emails"][1], {"position": "确认记录表", "assignment_code": code_a})
    assert page.status_code == 400 and 'id="err-assignment_code"' in page.text  # not B's own code
    page = through_portal(service, w["emails"][1], {"position": "不同意（写明意见）", "assignment_code": code_b})
    assert page.status_code == 400 and "不同意时须写明不同意见" in page.text
    page = through_portal(service, w["emails"][1], {"position": "不同意（写明意见）", "assignment_code": code_b,
                                                    "text": "第3项应为“是”"})
    assert "已收到" in page.text
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    assert record.confirmed_on == DAY and record.submitted_by is not None
    (received,) = [m for m in to(service, "city-a@") if w["batch"] in m["Subject"]]
    assert "不同意：第3项应为“是”" in received.get_body(("plain",)).get_content()


def test_agency_closes_a_missing_confirmation_as_overdue_with_a_staff_code_after_the_deadline(service):
    # Session 11-16: record due 11-18; the case's today is 11-19, so the deadline has passed.
    w = make_world("TWOLATE", date(2026, 11, 16))
    run_id, (code_a, _) = dispatch_named(w, "2026-11-19", supervisor=(0, 1))
    record_through_portal(service, w, answers("theory", code_a, "2026-11-16"))
    good, other = staff_code("王科长"), staff_code("外市科长", agency_id="CITY-B")
    h.resume(run_id, "confirm-1", {"staff_code": other})
    schema = h.wait_for_form(run_id, "confirm-2")
    assert "本案由" in schema["properties"]["staff_code"]["description"]
    assert case_for(w["batch"]).status == "awaiting_confirmation"
    h.resume(run_id, "confirm-2", {"staff_code": good})
    h.wait_for_form(run_id, "decision-1")
    case = case_for(w["batch"])
    assert case.proposal["overdue_closed_by"].startswith("王科长（CITY-A")


def wait_mail(service, address, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = to(service, address)
        if got:
            return got[0]
        time.sleep(0.3)
    raise AssertionError(f"no mail to {address}")
