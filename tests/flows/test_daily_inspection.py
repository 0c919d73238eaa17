"""日常督导 end to end: real Prefect server, real runner, real SMTP, real database."""

from datetime import date

import pytest
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run
from sqlmodel import select

from adapters.db import session_scope
from adapters.documents import docx_text
from deployments.serve import DAILY_INSPECTION
from models import InspectionRecord, PendingCase
from tests.flows import harness as h
from tests.flows.world import answers, case_for, dispatch_named, make_world, outbox_for

DAY = date(2026, 11, 23)
DONE = {StateType.COMPLETED}


def to(service, address):
    return [m for m in h.messages(service.mail_dir) if address in m["To"]]


def dispatched(service, world, run_id):
    """The supervisor who got the dispatch notice, and the code in it."""
    h.wait_for_form(run_id, "record-1")
    for address in world["emails"]:
        got = to(service, address)
        if got:
            return address, h.assignment_code(got[0])
    raise AssertionError("no dispatch notice reached any supervisor")


def test_pass_path_dispatch_record_pass_no_action_closes_case(service):
    w = make_world("PASS", DAY)
    run_id = h.start(DAILY_INSPECTION, {"batch_number": w["batch"], "as_of": str(DAY)})
    address, code = dispatched(service, w, run_id)
    notice = to(service, address)[0]
    assert notice["Subject"].startswith("【督导派遣通知】") and w["batch"] in notice["Subject"]
    assert "测试机构PASS" in notice.get_body(("plain",)).get_content()

    h.resume(run_id, "record-1", answers("theory", code, str(DAY)))
    h.resume(run_id, "decision-1", {"decision": "无需处理", "handled_by": "王科长"})
    run = h.wait_for(run_id, DONE)

    case = case_for(w["batch"])
    assert case.status == "closed" and case.decision == "无需处理"
    kinds = [m.recipient_kind for m in outbox_for(case.id)]
    assert kinds == ["supervisor", "agency"]  # one dispatch mail, one agency mail
    assert len(to(service, address)) == 1
    assert len(to(service, "city-a@")) >= 1 and not to(service, w["institution_email"])
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
    assert record.verdict == "合格" and record.late is False and record.negative_count == 0
    assert run.state.is_completed()


def test_fail_path_five_negatives_reminder_letter_reaches_institution_with_docx(service):
    w = make_world("FAIL", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    h.resume(run_id, "record-1", answers("theory", code, str(DAY), negatives=(3, 7, 9, 11, 12)))
    schema = h.wait_for_form(run_id, "decision-1")
    assert "系统建议：**提醒函**" in h.description(run_id)
    assert schema["properties"]["decision"]["description"].startswith("系统建议：提醒函（第十五条（一））")
    h.resume(run_id, "decision-1", {"decision": "提醒函", "opinion": "请于一个月内完善考场设施。", "handled_by": "王科长"})
    h.wait_for(run_id, DONE)

    (letter,) = to(service, w["institution_email"])
    assert letter["Subject"].startswith("【关于测试机构FAIL技能人才评价质量督导情况的提醒函】")
    (attachment,) = list(letter.iter_attachments())
    assert attachment.get_filename().endswith("号）.docx") and "提醒函" in attachment.get_filename()
    text = docx_text(attachment.get_content())
    assert "试题形式和内容符合职业（工种）和级别要求" in text  # item 3
    assert "内部督导员的安排与评价计划一致" in text  # item 11
    assert "济南人社督〔2026〕" in text and "不合格" in text
    body = letter.get_body(("plain",)).get_content()
    assert "现场发现问题" not in body and "督导FAIL" not in body  # no remarks, no supervisor names (第八条)
    assert case_for(w["batch"]).proposal["option"] == "提醒函"


def test_veto_item_fails_whatever_the_count_and_opens_special_inspection(service):
    w = make_world("VETO", DAY, form_kind="skill")
    run_id, code = dispatch_named(w, str(DAY), supervisor=1)
    h.resume(run_id, "record-1", answers("skill", code, str(DAY), vetoes=(2,)))
    h.resume(run_id, "decision-1", {"decision": "转专项督导", "handled_by": "王科长"})
    h.wait_for(run_id, DONE)
    case = case_for(w["batch"])
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one()
        pending = s.exec(select(PendingCase).where(PendingCase.source_case_id == case.id)).one()
    assert (record.verdict, record.negative_count, record.veto_hits) == ("不合格", 0, [2])
    assert pending.kind == "special_inspection" and pending.status == "open"


def test_wrong_assignment_code_is_refused_and_the_form_asked_again(service):
    w = make_world("CODE", DAY, form_kind="review")
    run_id, code = dispatch_named(w, str(DAY))
    # A missing answer never reaches the flow: the server refuses it against the schema.
    incomplete = answers("review", code, str(DAY))
    del incomplete["item_05"]
    with pytest.raises(RuntimeError, match="item_05"):
        resume_flow_run(run_id, run_input=incomplete)

    h.resume(run_id, "record-1", answers("review", "ZZZZ-ZZZZ", str(DAY), negatives=(2,)))
    schema = h.wait_for_form(run_id, "record-2")
    assert "任务编码不正确" in h.description(run_id)
    assert schema["properties"]["item_02"]["default"] == "否"  # the supervisor's answers kept
    assert "default" not in schema["properties"]["assignment_code"]  # but never the code
    case = case_for(w["batch"])
    with session_scope() as s:
        assert s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).first() is None

    # An impossible date passes the server (it does not check formats) and is refused in Chinese;
    # so is a date after the case's today.
    h.resume(run_id, "record-2", answers("review", code, "2026-02-30"))
    h.wait_for_form(run_id, "record-3")
    assert "督导结束日期：应为有效日期" in h.description(run_id)
    h.resume(run_id, "record-3", answers("review", code, "2026-11-30"))
    h.wait_for_form(run_id, "record-4")
    assert "晚于今天（2026-11-23）" in h.description(run_id)

    h.resume(run_id, "record-4", answers("review", code, str(DAY)))
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        assert s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.id)).one().verdict == "合格"


def test_refusals_end_the_run_with_a_clear_reason(service):
    suspended = make_world("SUSP", DAY, status="suspended")
    outside = make_world("SCOPE", DAY, occupation="美容师")
    r1 = h.start(DAILY_INSPECTION, {"batch_number": suspended["batch"], "as_of": str(DAY)})
    r2 = h.start(DAILY_INSPECTION, {"batch_number": outside["batch"], "as_of": str(DAY)})
    r3 = h.start(DAILY_INSPECTION, {"batch_number": "NO-SUCH-BATCH", "as_of": str(DAY)})
    # A session whose record deadline falls in a year with no official calendar (2027 today;
    # 2098 here, so the test holds whatever the installed holidays release knows):
    unknown_year = make_world("DEC", date(2098, 12, 30))
    r4 = h.start(DAILY_INSPECTION, {"batch_number": unknown_year["batch"], "as_of": "2098-12-30"})
    assert "整改期间" in h.wait_for(r1, DONE).state.message
    assert "美容师" in h.wait_for(r2, DONE).state.message
    assert "不存在" in h.wait_for(r3, DONE).state.message
    assert "2098年的全国节假日安排" in h.wait_for(r4, DONE).state.message
    with session_scope() as s:
        finding = s.exec(select(PendingCase).where(PendingCase.institution_id == outside["institution_id"])).one()
    assert finding.article == "第二十二条（二）"
    assert not to(service, suspended["emails"][0]) and not to(service, outside["institution_email"])
