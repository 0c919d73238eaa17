"""专项督导 end to end (第十五条(二)) on the real service: Prefect server and runner, SMTP catcher,
the portal as its own process, the app database. Time travels by as_of and the sweep's date.

Two lifecycles cover the scenarios (the flow tests are the slow part of CI):
- the whole path from a complaint: a member with a declared conflict is never drawn; a member's
  findings form refused by the portal (nothing stored) and filed again with an evidence file; a
  wrong staff code refused; the runner killed while the run
  waits for the rebuttal and the Prefect server restarted while it waits for the report; a
  rebuttal partly accepted, reflected in the opinion letter; the report asked again, accepted;
- on the agency's initiative with nobody answering: no self-report (it goes on, and says so), no
  rebuttal (the window closes once, swept twice), the report overdue → one sanction case.
"""

from datetime import date

import pytest
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import StateType
from sqlmodel import col, select

from adapters import portal_tokens
from adapters.db import session_scope
from adapters.documents import docx_text
from adapters.prefect_client import sync_client
from cli.demo_data import add_institution, add_supervisor
from deployments.serve import DEADLINE_SWEEP, SPECIAL_INSPECTION
from models import (
    CaseEvent,
    ConflictDeclaration,
    Document,
    InspectionCase,
    PendingCase,
    PortalLink,
    SpecialInspection,
    SpecialInspectionDeadline,
    SpecialInspectionMember,
)
from procedures.casework import staff
from tests.flows import harness as h
from tests.portal_client import (
    browser,
    docx_bytes,
    open_form,
    pdf_bytes,
    post,
    post_fields,
    running_portal,
)

pytestmark = pytest.mark.flow
DAY = "2026-12-01"  # a Tuesday; every window below ends in December (2027's calendar is not out yet)
COMPLAINANT = "李举报人（电话13900000000）"
COMPLAINT = "反映该机构超出备案等级开展焊工三级评价"
NUMBERS = {"二": 2, "三": 3, "六": 6}


@pytest.fixture(scope="module")
def portal(service, tmp_path_factory):
    env = service.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"}
    with running_portal(env, tmp_path_factory.mktemp("si-portal") / "portal.log") as p:
        yield p


def make_world(tag: str, city: str, employers: list[str], conflicted: int | None = None) -> dict:
    with session_scope() as s:
        inst = add_institution(s, f"专项测试机构{tag}", f"T-SI-{tag}", city=city,
                               email=f"inst-si-{tag.lower()}@institution.example.cn")
        sups = [add_supervisor(s, f"专项督导{tag}{n}", city, 700 + n, employer=e,
                               email=f"si-{tag.lower()}-{n}@supervisor.example.cn") for n, e in enumerate(employers)]
        if conflicted is not None:
            s.add(ConflictDeclaration(supervisor_id=sups[conflicted].id, institution_id=inst.id,
                                      declared_on=date(2026, 1, 5), reason="配偶在该机构任职"))
        _, code = staff.add(s, f"CITY-{city}", f"经办{tag}", "经办")
        return {"filing": inst.filing_number, "inst_email": inst.contact_email, "code": code,
                "cards": [x.card_code for x in sups]}


def case_of(run_id) -> tuple[InspectionCase, SpecialInspection]:
    with session_scope() as s:
        case = s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == str(run_id))).one()
        return case, s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case.id)).one()


def members(special_id: int) -> list[SpecialInspectionMember]:
    with session_scope() as s:
        return list(s.exec(select(SpecialInspectionMember).where(SpecialInspectionMember.special_id == special_id)
                           .order_by(col(SpecialInspectionMember.is_lead).desc(), SpecialInspectionMember.position)))


def submit(portal, case_id: int, step: str, text: str, files=()) -> None:
    """Through the portal, with the token of the link that was mailed for this step."""
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id,
                                                       PortalLink.case_kind == "special_inspection",
                                                       PortalLink.step_key == step)).one()
    client, url = browser(), f"{portal.url}/l/{portal_tokens.token_for(key)}"
    page = post(client, url, open_form(client, url), text, list(files))
    assert page.status_code == 200 and "已收到" in page.text, page.text[-500:]


def findings(matters: dict[str, str], fact="现场核查情况属实") -> dict:
    """The member-findings form's fields: per matter a rating, the facts and the evidence seen."""
    fields = {}
    for n, r in matters.items():
        no = NUMBERS[n]
        fields |= {f"rating_{no}": r, f"facts_{no}": fact, f"evidence_{no}": "抽查评价资料10份、调阅监控录像"}
    return fields


def file_findings(portal, case_id: int, step: str, fields: dict, files=(), expect: int = 200) -> str:
    """A member files findings (or the lead the consolidation) through the portal's form, as a
    browser posts it."""
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id,
                                                       PortalLink.case_kind == "special_inspection",
                                                       PortalLink.step_key == step)).one()
    page = post_fields(browser(), f"{portal.url}/l/{portal_tokens.token_for(key)}", fields, files)
    assert page.status_code == expect, page.text[-800:]
    return page.text


def sweep(as_of: str) -> None:
    h.wait_for(h.start(DEADLINE_SWEEP, {"as_of": as_of}), {StateType.COMPLETED})


def events(case_id: int) -> list[str]:
    with session_scope() as s:
        return [e.text for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]


def documents(case_id: int) -> dict[str, Document]:
    with session_scope() as s:
        return {d.kind: d for d in s.exec(select(Document).where(Document.case_id == case_id))}


def test_whole_path_from_a_complaint_to_an_accepted_rectification_report(service, portal):
    w = make_world("A", "B", ["甲大学", "乙公司", "丙协会", "丁学院"], conflicted=3)
    run = h.start(SPECIAL_INSPECTION, {
        "institution": w["filing"], "origin": "投诉举报", "matters": ["第十四条（二）备案范围", "第十四条（六）质量管控"], "planned_start": "2026-12-01",
        "planned_end": "2026-12-03", "complaint_source": "群众举报", "complaint_received_on": "2026-11-30",
        "complaint_content": COMPLAINT, "complainant": COMPLAINANT, "as_of": DAY})
    h.wait_for_form(run, "self-report")
    case, si = case_of(run)
    team = members(si.id)
    assert len(team) == 3 and w["cards"][3] not in {m.card_code for m in team}  # declared a conflict (第十三条)
    lead = team[0]
    assert lead.is_lead
    assert h.read(run).name.startswith(f"{case.batch_number} · ")  # the run is named by its case (issue 23)
    assert case.batch_number.startswith("专项督导-")

    submit(portal, case.id, "self-report", "本单位自评报告：制度健全。", [("自评报告.pdf", pdf_bytes("self"))])
    h.wait_for_form(run, f"findings-{lead.id}-1")
    refused = file_findings(portal, case.id, f"findings-{lead.id}-1", findings({"二": "不符合"}), expect=400)
    assert "第十四条（六）质量管控「评定」：请选择" in refused  # refused by the portal, nothing stored
    assert "已收到" in file_findings(portal, case.id, f"findings-{lead.id}-1",
                                     findings({"二": "不符合", "六": "基本符合"}),
                                     [("files_2", "抽查记录.pdf", pdf_bytes("f"))])
    for m in team[1:]:
        file_findings(portal, case.id, f"findings-{m.id}-1", findings({"二": "基本符合", "六": "符合"}))
    h.wait_for_form(run, "consolidation-1")
    page = file_findings(portal, case.id, "consolidation-1", {"hearing": "", "rating_6": "符合"}, expect=400)
    assert "应写明理由" in page and "未填写" in page  # the lead's form refuses beside its fields
    file_findings(portal, case.id, "consolidation-1", {"hearing": "机构负责人对超等级评价作了说明。",
                                                       "rating_2": "不符合", "rating_6": "符合",
                                                       "reason_6": "录像经复核完整"})

    h.resume(run, "approval-1-1", {"decision": "批准初步督导意见", "staff_code": "0001-AAAA-BBBB-CCCC"})
    schema = h.wait_for_form(run, "approval-1-2")  # the wrong code is refused, the form asked again
    assert "工作人员代码" in str(schema)
    h.resume(run, "approval-1-2", {"decision": "批准初步督导意见", "staff_code": w["code"]})

    h.wait_for_form(run, "rebuttal")
    service.kill_runner()  # the runner dies while the run waits; a new one takes the resume
    service.start_runner()
    submit(portal, case.id, "rebuttal", "1. 焊工三级已于11月获准备案变更\n2. 评价资料已全部补齐", [("变更回执.pdf", pdf_bytes("r"))])
    h.resume(run, "weighing-1", {"point_1": "采纳", "reason_1": "已核实备案变更回执", "point_2": "不采纳",
                                 "requirements": "补齐评价资料，完善质量管控制度。", "report_days": 10,
                                 "staff_code": w["code"]})
    schema = h.wait_for_form(run, "weighing-2")  # point 2 not accepted without a reason
    assert "不予采纳的，应写明理由" in str(schema)
    h.resume(run, "weighing-2", {"point_1": "采纳", "reason_1": "已核实备案变更回执", "point_2": "不采纳",
                                 "reason_2": "现场抽查仍缺考生签到表", "rating_2": "基本符合",
                                 "requirements": "补齐评价资料，完善质量管控制度。", "report_days": 10,
                                 "staff_code": w["code"]})

    h.wait_for_form(run, "report-1")
    service.server.terminate()  # the Prefect server restarts while the run is suspended
    service.server.wait(timeout=30)
    service.start_server(*service.server_args)
    submit(portal, case.id, "report-1", "整改工作报告：已补齐资料。", [("整改报告.docx", docx_bytes())])
    h.resume(run, "review-1-1", {"outcome": "需补充，退回重新提交", "reasons": "未附考生签到表", "staff_code": w["code"]})
    h.wait_for_form(run, "report-2")
    submit(portal, case.id, "report-2", "整改工作报告（补充）：附签到表。", [("签到表.pdf", pdf_bytes("sign"))])
    h.resume(run, "review-2-1", {"outcome": "通过，结案", "staff_code": w["code"]})
    done = h.wait_for(run, {StateType.COMPLETED})
    assert "已结案" in done.state.message

    case, si = case_of(run)
    assert case.status == "closed" and si.stage == "closed" and si.hearing_notes.startswith("机构负责人")
    assert {"approval-1-2", "weighing-2", "review-1-1", "review-2-1"} <= set(si.decided_by)
    assert all("经办A" in v for k, v in si.decided_by.items() if k != "report_days")
    docs = documents(case.id)
    assert set(docs) == {"special_notice", "special_draft", "special_opinion"}
    assert len({d.number for d in docs.values()}) == 3
    draft, opinion = docx_text(docs["special_draft"].content), docx_text(docs["special_opinion"].content)
    assert "第十四条（二）备案范围：不符合" in draft and "第十四条（六）质量管控：符合" in draft
    assert "焊工三级已于11月获准备案变更——予以采纳（已核实备案变更回执）" in opinion
    assert "评价资料已全部补齐——不予采纳，理由：现场抽查仍缺考生签到表" in opinion
    assert "第十四条（二）备案范围：基本符合" in opinion and "补齐评价资料" in opinion
    # 第八条: the complainant reaches nobody; the complaint never reaches the institution
    mails = h.messages(service.mail_dir)
    assert all(COMPLAINANT[:3] not in m.get_body(("plain",)).get_content() for m in mails)
    to_inst = [m for m in mails if w["inst_email"] in m["To"]]
    assert len(to_inst) >= 6 and all(COMPLAINT[:8] not in m.get_body(("plain",)).get_content() for m in to_inst)
    assert all(COMPLAINT[:8] not in docx_text(d.content) for d in docs.values())
    assert not any(COMPLAINANT[:3] in line or COMPLAINT[:8] in line for line in h.logs(run))
    timeline = events(case.id)
    assert any("督导小组成员" in e for e in timeline) and "整改工作报告审核通过" in timeline[-1]
    with sync_client() as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[f"special-inspection-{case.id}-timeline"])))
    assert "专项督导案卷" in artifact.data and "质量督导意见书" in artifact.data and COMPLAINANT[:3] not in artifact.data


def test_nobody_answers_self_report_and_rebuttal_close_once_and_an_overdue_report_opens_one_sanction_case(
        service, portal):
    w = make_world("D", "D", ["甲", "乙", "丙"])
    run = h.start(SPECIAL_INSPECTION, {"institution": w["filing"], "origin": "主动开展", "matters": ["第十四条（三）制度建设"],
                                       "planned_start": "2026-12-01", "planned_end": "2026-12-02", "as_of": DAY})
    h.wait_for_form(run, "self-report")
    case, si = case_of(run)
    sweep("2026-12-08")  # the last day of the window: nothing closes
    assert h.read(run).state.state_details.pause_key == "self-report"
    sweep("2026-12-09")
    team = members(si.id)
    h.wait_for_form(run, f"findings-{team[0].id}-1")
    for m in team:
        file_findings(portal, case.id, f"findings-{m.id}-1", findings({"三": "不符合"}, "考务管理制度缺失"))
    h.wait_for_form(run, "consolidation-1")
    file_findings(portal, case.id, "consolidation-1", {"hearing": "机构表示将完善制度。"})
    h.resume(run, "approval-1-1", {"decision": "批准初步督导意见", "staff_code": w["code"]})
    h.wait_for_form(run, "rebuttal")
    sweep("2026-12-09")
    sweep("2026-12-09")
    h.resume(run, "weighing-1", {"requirements": "建立考务管理制度。", "report_days": 5, "staff_code": w["code"]})
    h.wait_for_form(run, "report-1")
    sweep("2026-12-09")
    sweep("2026-12-10")
    done = h.wait_for(run, {StateType.COMPLETED})
    assert "第二十二条（六）" in done.state.message

    timeline = events(case.id)
    assert any("未在 2026-12-08 前提交自评（自查）报告；督导继续进行" in e for e in timeline)
    assert sum("申辩意见提交期限" in e for e in timeline) == 1 and "申辩期限届满，未收到申辩意见" in timeline
    assert "你单位在规定期限内未提出申辩意见" in docx_text(documents(case.id)["special_opinion"].content)
    with session_scope() as s:
        pending = list(s.exec(select(PendingCase).where(PendingCase.source_case_id == case.id)))
        windows = list(s.exec(select(SpecialInspectionDeadline).where(SpecialInspectionDeadline.special_id == si.id)))
    assert [(p.kind, p.article) for p in pending] == [("sanction", "第二十二条（六）")]
    closed = [wd for wd in windows if wd.kind != "findings"]
    assert all(wd.status == "closed" and wd.resumed for wd in closed) and len(closed) == 3
    # the members filed after their 2 working days: the agency was told once per member
    assert sorted(wd.status for wd in windows if wd.kind == "findings") == ["received"] * 3
    overdue = [m for m in h.messages(service.mail_dir) if "【专项督导情况逾期】" in m["Subject"]
               and case.batch_number in m["Subject"]]
    assert len(overdue) == 3
    assert case_of(run)[0].status == "closed"


def test_too_few_eligible_refuses_the_opening_saying_how_many_and_why(service):
    w = make_world("C", "C", ["甲", "甲", ""])
    run = h.start(SPECIAL_INSPECTION, {"institution": w["filing"], "origin": "主动开展", "matters": ["第十四条（一）执行法律法规和政策"],
                                       "planned_start": "2026-12-01", "planned_end": "2026-12-02", "as_of": DAY})
    done = h.wait_for(run, {StateType.CANCELLED})
    assert done.state.name == "已拒绝" and done.state.message.startswith("已拒绝：督导小组：") and done.state.message.count("已拒绝") == 1
    assert "符合条件的仅 1 名" in done.state.message and "同一工作单位 1人" in done.state.message
    assert "未登记工作单位 1人" in done.state.message
    with session_scope() as s:
        assert s.exec(select(InspectionCase).where(InspectionCase.flow_run_id == str(run))).first() is None
    # a refusal is an answer, not a failure: no ERROR line (the flow returned a Cancelled state before)
    h.wait_leg_exited(service, run)
    assert h.error_levels(run) == []


def test_a_member_withdrawn_while_awaited_is_replaced_and_an_all_conforming_inspection_closes_with_the_letter(
        service, portal):
    """第十三条: the lead declares a conflict after the draw while the run waits for their findings:
    staff withdraw them, the run stops waiting, the replacement drawn from the same pool files in
    their place. Every matter 符合: no 整改要求, no report; the opinion letter closes the case."""
    from procedures.special.team import withdraw_member

    w = make_world("W", "F", ["甲", "乙", "丙", "丁"])
    run = h.start(SPECIAL_INSPECTION, {"institution": w["filing"], "origin": "主动开展", "matters": ["第十四条（三）制度建设"],
                                       "planned_start": DAY, "planned_end": DAY, "as_of": DAY})
    h.wait_for_form(run, "self-report")
    case, si = case_of(run)
    team = members(si.id)
    submit(portal, case.id, "self-report", "本单位自评报告：考务制度齐全。")
    h.wait_for_form(run, f"findings-{team[0].id}-1")
    done = withdraw_member(case.batch_number, team[0].card_code, "配偶在该机构任职", w["code"])
    assert done.resumed == "resumed", done
    h.wait_for_form(run, f"findings-{team[1].id}-1")  # no longer waiting for the withdrawn lead
    now = [m for m in members(si.id) if m.withdrawn_on is None]
    assert team[0].card_code not in {m.card_code for m in now} and now[0].card_code == team[1].card_code
    for m in now:
        file_findings(portal, case.id, f"findings-{m.id}-1", findings({"三": "符合"}, "考务管理制度齐全"))
    h.wait_for_form(run, "consolidation-1")
    file_findings(portal, case.id, "consolidation-1", {"hearing": "机构介绍了考务制度。"})
    h.resume(run, "approval-1-1", {"decision": "批准初步督导意见", "staff_code": w["code"]})
    h.wait_for_form(run, "rebuttal")
    sweep("2026-12-09")  # no rebuttal: the window closes
    h.resume(run, "weighing-1", {"staff_code": w["code"]})  # no 整改要求: every matter 符合
    done = h.wait_for(run, {StateType.COMPLETED})
    assert "督导事项均符合，无需整改" in done.state.message
    case, si = case_of(run)
    assert case.status == "closed" and si.stage == "closed"
    letter = docx_text(documents(case.id)["special_opinion"].content)
    assert "无需整改，无需提交整改工作报告" in letter and "整改要求" not in letter
    timeline = events(case.id)
    assert any("撤回" in e and team[0].card_code in e and "配偶在该机构任职" in e for e in timeline)
    with session_scope() as s:
        assert not s.exec(select(PortalLink).where(PortalLink.case_id == case.id,
                                                   col(PortalLink.step_key).startswith("report-"))).all()
