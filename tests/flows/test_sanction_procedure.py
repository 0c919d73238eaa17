"""处理程序 end to end: real Prefect server and runner, the portal as its own process, real SMTP,
real database. Time travels by as_of; nothing sleeps for a legal period.

Few runs carry the scenarios (to keep the suite's time modest):
Every run is first opened by a staff member (staff code; nothing reaches the institution before).
1. 第二十二条 with a defence through the portal, a refused staff code, the decision served with its
   送达回执 link (the measure goes on; the institution downloads the decision and signs later), the
   整改通知书 + suspension + register, the Prefect server restarted while the rectification waits,
   the report through the portal, the review — showing a 第二十三条（一） finding opened meanwhile,
   so a resumption needs its stated reason — → 恢复评价活动 and the register updated; `supervise
   runs check` finds the sanction run in step with its case throughout.
2. No defence in time (the sweep closes the period once), a defence submitted afterwards in the
   link's grace days shown on the decision form and answered; the 3-month deadline missed → one
   escalation though the sweep runs twice; the run ends.
3. The other measures, and 第二十七条's improvement report reviewed: returned with requirements
   and a new date (a new link), then accepted.
4. Issue 17: a referral changed to a revocation is heard before it is decided; a city acting on a
   province-filed institution reports (no hearing of its own) and the province's own run hears and
   decides; a run opened on 2099-12-25 waits with its period 期限待定 (2100 not declared).
"""

import re
from datetime import date

import httpx
import pytest
from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from adapters.documents import docx_text
from deployments.serve import DEADLINE_SWEEP, SANCTION_PROCEDURE
from models import Document, Institution, RegisterEntry, SanctionCase
from procedures.casework import run_health, staff
from tests.flows import harness as h
from tests.flows.world import decided_by, make_world
from tests.portal_client import browser, docx_bytes, open_form, post, running_portal

pytestmark = pytest.mark.flow
LINK = re.compile(r"/l/([A-Za-z0-9_-]{43})")
DONE = {StateType.COMPLETED}
DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def portal(service, tmp_path_factory):
    env = service.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"}
    with running_portal(env, tmp_path_factory.mktemp("sanction-portal") / "portal.log") as p:
        yield p


@pytest.fixture(scope="module")
def code(service):
    with session_scope() as s:
        return staff.add(s, "CITY-A", "李审核", "审核")[1]


def tokens(service, address: str, subject: str = "", body: str = "") -> list[str]:
    """The portal link tokens mailed to `address` (in mails whose subject and body hold these)."""
    found = []
    for m in h.messages(service.mail_dir):
        text = m.get_body(("plain",)).get_content()
        if address in m["To"] and subject in m["Subject"] and body in text and LINK.search(text):
            found.append(LINK.search(text).group(1))
    return found


def submit(portal, token: str, statement: str, files=()) -> None:
    b = browser()
    url = f"{portal.url}/l/{token}"
    page = post(b, url, open_form(b, url), statement, list(files))
    assert page.status_code == 200 and "回执" in page.text, page.text[:500]


def case_of(run_id) -> SanctionCase:
    with session_scope() as s:
        return s.exec(select(SanctionCase).where(SanctionCase.flow_run_id == str(run_id))).one()


def restart_prefect(service) -> None:
    """Stop the runner first (a runner that outlives its server cancels its runs), then the
    server; start both again on the same database and port."""
    service.kill_runner()
    service.server.terminate()
    service.server.wait(timeout=30)
    service.start_server(*service.server_args)
    service.start_runner()


def open_case(run_id, code: str) -> None:
    """A staff member opens the procedure with their code (before anything reaches the institution)."""
    h.resume(run_id, "opening-1", {"staff_code": code})


def artifact_versions(run_id, key: str) -> list[str]:
    """Every version of the run's artifact with this key, oldest first."""
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    from adapters.prefect_client import sync_client

    with sync_client() as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])),
            sort=ArtifactSort.CREATED_DESC)
    return [a.data for a in reversed(found)]


def revocation_level_finding(institution_id: int) -> int:
    """A pending 第二十三条（一） finding of the institution, as a daily inspection registers it."""
    from models import InspectionCase, PendingCase

    with session_scope() as s:
        source = InspectionCase(flow_run_id=f"finding-{institution_id}", batch_number=f"PC-F{institution_id}",
                                institution_id=institution_id, agency_id="CITY-A", opened_on=DAY, status="closed")
        s.add(source)
        s.flush()
        pending = PendingCase(kind="sanction", institution_id=institution_id, source_case_id=source.id,
                              article="第二十三条（一）", facts="整改期间组织评价", opened_on=DAY)
        s.add(pending)
        s.flush()
        return pending.id


def sweep(as_of: str) -> None:
    h.wait_for(h.start(DEADLINE_SWEEP, {"as_of": as_of}), DONE)


def test_rectification_heard_decided_suspended_reported_and_resumed_through_the_portal(service, portal, code):
    w = make_world("SA1", DAY, supervisors=0)
    email = w["institution_email"]
    with session_scope() as s:
        filing = s.get(Institution, w["institution_id"]).filing_number
    run_id = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": "第二十二条（二）",
                                          "facts": "2026年3月1日督导发现超职业范围组织评价", "as_of": str(DAY)})
    h.wait_for_form(run_id, "opening-1")  # nothing reaches the institution before a staff member opens it
    assert not [m for m in h.messages(service.mail_dir) if email in m["To"]]
    h.resume(run_id, "opening-1", {"staff_code": "0001-AAAA-BBBB-CCCC"})
    again = h.wait_for_form(run_id, "opening-2")
    assert "工作人员代码" in again["properties"]["staff_code"]["description"]  # the Chinese error, on the field
    h.resume(run_id, "opening-2", {"staff_code": code})
    h.wait_for_form(run_id, "defence")
    assert case_of(run_id).details["opened_by"].startswith("李审核")
    from adapters.prefect_client import sync_client

    with sync_client() as client:  # the run is named by the case's number (issue 23.8)
        assert client.read_flow_run(run_id).name.startswith(f"处理程序 {case_of(run_id).number} · ")
    assert case_of(run_id).number.startswith("处理-CITY-A-2026-")
    assert "告知、待陈述申辩（第二十五条）" in h.artifact(run_id, f"sanction-case-{case_of(run_id).id}")
    (token,) = tokens(service, email)
    hearing = [m for m in h.messages(service.mail_dir) if email in m["To"] and "告知书" in m["Subject"]]
    assert hearing and "陈述和申辩" in hearing[0].get_body(("plain",)).get_content()
    submit(portal, token, "超范围系误会\n已停止该职业评价")

    schema = h.wait_for_form(run_id, "decision-1")
    assert {"point_01", "point_reason_01", "point_02", "staff_code"} <= set(schema["properties"])
    answers = {"decision": "采纳拟处理意见", "point_01": "不采纳", "point_reason_01": "现场记录为证",
               "point_02": "采纳", "problems": "超职业范围组织评价", "requirements": "强化考点管理"}
    h.resume(run_id, "decision-1", answers | {"staff_code": "0001-AAAA-BBBB-CCCC"})
    again = h.wait_for_form(run_id, "decision-2")
    assert "工作人员代码" in again["properties"]["staff_code"]["description"]  # the Chinese error, on the field
    h.resume(run_id, "decision-2", answers | {"staff_code": code})

    h.wait_for_form(run_id, "rectification-1")  # the measure went on: nothing waits for the 送达回执
    case = case_of(run_id)
    assert case.status == "rectifying" and case.rectification_due == date(2026, 6, 2)
    assert case.receipt_signed_at is None and case.decision_served_on == DAY
    (receipt,) = tokens(service, email, "处理决定书")
    b, url = browser(), f"{portal.url}/l/{receipt}"
    assert b.get(f"{url}?document=decision").content[:2] == b"PK"  # the .docx, through the link
    assert b.post(url, data={"csrf_token": open_form(b, url), "signer": "王五"}).status_code == 303
    assert case_of(run_id).receipt_signer == "王五"
    shown = h.artifact(run_id, f"sanction-case-{case.id}")  # written by the portal at once (issue 23.14)
    assert "签收人：王五" in shown and "送达回执待签收" not in shown
    assert "事先告知书 " in shown and "李审核" in shown and "**不采纳**（理由：现场记录为证）" in shown
    with session_scope() as s:
        assert s.get(Institution, w["institution_id"]).status == "suspended"
        notice = s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case.id}-rectification")).one()
        assert "限期3个月（至2026年6月2日）" in docx_text(notice.content)
    register = httpx.get(f"{portal.url}/register.json").json()
    mine = [e for e in register["entries"] if e["filing_number"] == filing]
    assert [e["measure"] for e in mine] == ["暂停评价活动并限期整改（发出《整改通知书》）"]

    restart_prefect(service)  # the 3-month wait outlives a Prefect server restart
    assert h.read(run_id).state.type == StateType.PAUSED
    (rect_token,) = tokens(service, email, "整改报告")
    finding = revocation_level_finding(w["institution_id"])  # e.g. a 第二十三条（一） finding that morning
    submit(portal, rect_token, "整改报告：已完成考点整改", [("整改报告.docx", docx_bytes())])
    schema = h.wait_for_form(run_id, "review-1-1")  # the review shows it, and a resumption needs a reason
    assert f"待处理案件{finding}（第二十三条（一）" in schema["properties"]["resume_reason"]["description"]
    h.resume(run_id, "review-1-1", {"outcome": "恢复评价活动", "staff_code": code})
    again = h.wait_for_form(run_id, "review-1-2")
    assert "须写明理由" in again["properties"]["resume_reason"]["description"]  # the Chinese error, on the field
    h.resume(run_id, "review-1-2", {"outcome": "恢复评价活动", "staff_code": code,
                                    "resume_reason": "整改已完成；第二十三条（一）线索另案依程序办理"})
    h.wait_for(run_id, DONE)
    with session_scope() as s:
        assert s.get(Institution, w["institution_id"]).status == "active"
        measures = [e.measure for e in s.exec(select(RegisterEntry).where(RegisterEntry.filing_number == filing))]
    assert measures[-1] == "恢复评价活动"
    page = httpx.get(f"{portal.url}/register").text
    assert "恢复评价活动" in page and filing in page
    letters = [m["Subject"] for m in h.messages(service.mail_dir) if email in m["To"]]
    assert sum(x.startswith("【质量督导处理决定书】") for x in letters) == 1
    assert sum("恢复评价活动" in x for x in letters) == 1 and sum("回执" in x and "送达回执" in x for x in letters) == 1
    assert not [f for f in run_health.check() if f.run_id == str(run_id)]  # run and case in step
    versions = artifact_versions(run_id, f"sanction-case-{case.id}")  # one card on the run: the current file
    assert len(versions) == 1 and "签收人：王五" in versions[0], versions  # earlier versions deleted


def test_no_defence_in_time_a_late_one_weighed_then_the_deadline_missed_escalates_once(service, portal, code):
    w = make_world("SA2", DAY, supervisors=0)
    with session_scope() as s:
        filing = s.get(Institution, w["institution_id"]).filing_number
    run_id = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": "第二十二条（七）",
                                          "facts": "网站宣传“包过”", "as_of": str(DAY)})
    open_case(run_id, code)
    h.wait_for_form(run_id, "defence")
    sweep("2026-03-10")  # the period ended on 03-09: closed, the run told once
    schema = h.wait_for_form(run_id, "decision-1")
    assert not any(k.startswith("point_") for k in schema["properties"])
    sweep("2026-03-10")
    (defence,) = tokens(service, w["institution_email"])
    submit(portal, defence, "宣传内容系合作方擅自发布")  # late: the link lives a few grace days longer
    h.resume(run_id, "decision-1", {"decision": "采纳拟处理意见", "requirements": "规范宣传行为", "staff_code": code})
    schema = h.wait_for_form(run_id, "decision-2")  # asked again: the defence read after the close is on it
    # (its label — 逾期提交, or in time but read after the close — compares real times; this run
    # travels in time, so tests/procedures/sanctions/test_sanctions.py proves the labels)
    assert "收到）宣传内容系合作方擅自发布" in schema["properties"]["point_01"]["title"]
    h.resume(run_id, "decision-2", {"decision": "采纳拟处理意见", "requirements": "规范宣传行为", "staff_code": code, "point_01": "不采纳",
                                    "point_reason_01": "逾期提交，且与网站备案信息不符"})
    h.wait_for_form(run_id, "rectification-1")
    for _ in range(2):
        sweep("2026-06-03")
    h.wait_for(run_id, DONE)
    case = case_of(run_id)
    with session_scope() as s:
        escalations = list(s.exec(select(SanctionCase).where(SanctionCase.source_sanction_id == case.id)))
    assert len(escalations) == 1 and escalations[0].finding_case == "22.6"
    assert case.status == "closed" and case.escalated_on == date(2026, 6, 3)
    assert case.defence["late"]["points"] == ["宣传内容系合作方擅自发布"]


def test_the_other_measures_each_carried_out_once_from_registered_and_pending_cases(service, portal, code):
    """第二十一条 interview + minutes; 第二十四条 transfer, never announced; 第二十条 the institution's
    explanation through the portal; 第二十七条 refusal → revocation + discipline proposal, not
    published; a session held while suspended (daily inspection) → 第二十三条（一） revocation, published."""
    from deployments.serve import DAILY_INSPECTION
    from models import InstitutionHistory, PendingCase
    from tests.flows.world import case_for

    held = make_world("SB23", DAY, supervisors=0, status="suspended")
    daily = h.start(DAILY_INSPECTION, {"batch_number": held["batch"], "as_of": str(DAY)})
    h.resume(daily, "go-ahead-1", {"go_on": "不委派，结案", **decided_by()})
    h.wait_for(daily, DONE)
    with session_scope() as s:
        pending = s.exec(select(PendingCase).where(PendingCase.source_case_id == case_for(held["batch"]).id)).one()

    tags = {"SB21": ("第二十一条（三）", False), "SB24": ("第二十四条", False), "SB20": ("第二十条（二）", False),
            "SB27": ("第二十七条（三）", True), "SB27I": ("第二十七条（一）", False)}
    worlds = {tag: make_world(tag, DAY, supervisors=0) for tag in tags}
    runs = {"SB23": h.start(SANCTION_PROCEDURE, {"pending_case_id": pending.id, "as_of": str(DAY)})}
    for tag, (article, serious) in tags.items():
        with session_scope() as s:
            filing = s.get(Institution, worlds[tag]["institution_id"]).filing_number
        runs[tag] = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": article, "serious": serious,
                                                 "facts": f"{tag} 督导发现的问题", "as_of": str(DAY)})
    for run in runs.values():
        open_case(run, code)
    for tag in ("SB23", "SB21", "SB20", "SB27", "SB27I"):
        h.wait_for_form(runs[tag], "defence")
    h.resume(runs["SB24"], "decision-1", {"decision": "采纳拟处理意见", "authority": "某市公安局", "staff_code": code})
    sweep("2026-03-10")  # every period ended on 03-09 without a defence

    h.resume(runs["SB21"], "decision-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                          "interview_time": "2026年3月20日9时", "interview_place": "市人社局301室"})
    h.resume(runs["SB21"], "minutes-1", {"minutes": "主要负责人说明情况并承诺规范操作", "staff_code": code})
    h.resume(runs["SB20"], "decision-1", {"decision": "采纳拟处理意见", "staff_code": code})
    h.resume(runs["SB27"], "decision-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                          "authority": "某集团公司纪委", "persons": "张某（考务负责人）"})
    h.resume(runs["SB23"], "decision-1", {"decision": "采纳拟处理意见", "staff_code": code})
    h.resume(runs["SB27I"], "decision-1", {"decision": "采纳拟处理意见", "staff_code": code,
                                           "requirements": "建立督导配合制度"})
    improving = worlds["SB27I"]["institution_email"]
    h.wait_for_form(runs["SB27I"], "improvement-1")
    submit(portal, tokens(service, improving, "改进情况报告")[0], "已建立制度")
    h.resume(runs["SB27I"], "improvement-review-1-1", {"outcome": "提出改进要求并另定期限", "staff_code": code,
                                                       "requirements": "补充培训记录", "new_due": "2026-05-29"})
    h.wait_for_form(runs["SB27I"], "improvement-2")
    (again,) = tokens(service, improving, "改进情况报告", "补充培训记录")  # the new link says what is asked
    submit(portal, again, "已补充培训记录")
    h.resume(runs["SB27I"], "improvement-review-2-1", {"outcome": "改进到位，结案", "staff_code": code})
    h.wait_for_form(runs["SB20"], "explanation")
    explanation = [t for t in tokens(service, worlds["SB20"]["institution_email"])][-1]
    submit(portal, explanation, "经核查考生资格不符，现宣布以下成绩无效\nZKZ-0001\nZKZ-0002")
    for run in runs.values():
        h.wait_for(run, DONE)

    with session_scope() as s:
        def history(tag, world=None):
            inst_id = (world or worlds[tag])["institution_id"]
            return [e.kind for e in s.exec(select(InstitutionHistory).where(InstitutionHistory.institution_id == inst_id)
                                           .order_by(InstitutionHistory.id))]

        assert history("SB21") == ["decision", "interview"]
        assert history("SB24") == ["referral"]
        assert history("SB20") == ["decision", "void_results"]
        assert history("SB27") == ["decision", "revocation", "discipline"]
        assert history("SB27I") == ["decision", "improvement", "improvement-report-1", "requirements-2",
                                    "improvement-report-2", "improvement-accepted"]
        assert history("SB23", held) == ["decision", "revocation"]
        assert s.get(Institution, worlds["SB27"]["institution_id"]).status == "revoked"
        assert s.get(Institution, held["institution_id"]).status == "revoked"
        published = {e.institution_id: e.article for e in s.exec(select(RegisterEntry))}
        assert published.get(held["institution_id"]) == "第二十三条（一）"
        assert worlds["SB27"]["institution_id"] not in published  # 第二十七条 is not published
        sb20 = case_of(runs["SB20"])
        assert sb20.details["voided"] == ["ZKZ-0001", "ZKZ-0002"]
    assert not [m for m in h.messages(service.mail_dir) if worlds["SB24"]["institution_email"] in m["To"]]
    assert "ZKZ-0001" not in " ".join(h.logs(runs["SB20"]))  # personal data never in logs
    register = httpx.get(f"{portal.url}/register.json").text
    assert "张某" not in register and "ZKZ" not in register and "SB27 督导发现的问题" not in register


def test_a_referral_changed_to_a_revocation_waits_for_a_new_hearing_before_it_is_decided(service, portal, code):
    """Issue 17 point 1 (24 → 23): the referral's decision form carries every measure's fields; the
    change to 第二十三条（四） sends a new 告知书 and a defence link, the run waits for the defence,
    and only the second decision revokes; no letter reads 「（）」 or 「None」."""
    w = make_world("SH24", DAY, supervisors=0)
    email = w["institution_email"]
    with session_scope() as s:
        filing = s.get(Institution, w["institution_id"]).filing_number
    run_id = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": "第二十四条",
                                          "facts": "督导发现其贩卖证书", "as_of": str(DAY)})
    open_case(run_id, code)
    schema = h.wait_for_form(run_id, "decision-1")  # a referral is not announced: no hearing first
    assert schema["properties"]["interview_time"]["title"] == "约谈时间（变更为第二十一条约谈时填写）"
    assert not tokens(service, email)
    assert schema["properties"]["changed_facts"]["title"] == "变更后的事实（变更须重新告知时必填）"
    h.resume(run_id, "decision-1", {"decision": "变更处理", "changed_article": "第二十三条（四）",
                                    "reason": "经核实属贩卖证书", "changed_facts": "经核实，该机构出售证书3本。",
                                    "staff_code": code})
    h.wait_for_form(run_id, "defence-2")
    assert s_status(run_id) == ("hearing", "active")  # told, not yet decided
    (token,) = tokens(service, email)  # the defence link of the new 告知书 (round 1 had none)
    submit(portal, token, "证书系他人伪造")
    schema = h.wait_for_form(run_id, "decision-r2-1")
    assert schema["properties"]["point_01"]["title"].endswith("证书系他人伪造")
    h.resume(run_id, "decision-r2-1", {"decision": "采纳拟处理意见", "point_01": "不采纳",
                                       "point_reason_01": "有交易记录为证", "staff_code": code})
    h.wait_for(run_id, DONE)
    assert s_status(run_id) == ("closed", "revoked")
    case = case_of(run_id)
    with session_scope() as s:
        letters = {d.idempotency_key.rsplit("-", 1)[-1]: docx_text(d.content) for d in s.exec(
            select(Document).where(Document.idempotency_key.startswith(f"sanction-{case.id}-")))}
    assert {"2", "decision", "revocation"} <= set(letters)  # hearing-2, the decision, the revocation
    for text in letters.values():
        assert "（）" not in text and "None" not in text
    assert "申请行政复议" in letters["decision"] and "自2026年3月2日起" in letters["revocation"]
    assert "出售证书3本" in letters["2"] and "拟变更" not in letters["2"]  # the first 告知书 it receives
    assert "变更处理并重新告知" in h.artifact(run_id, f"sanction-case-{case.id}")


def s_status(run_id) -> tuple[str, str]:
    case = case_of(run_id)
    with session_scope() as s:
        return case.status, s.get(Institution, case.institution_id).status


def test_a_city_that_did_not_file_reports_to_the_province_whose_own_run_hears_and_decides(service, portal, code):
    """Issue 17 point 2 (第二十三条 「由负责备案的人社部门」): 济南's daily inspection found a province-filed
    institution selling certificates. 济南's run serves no 告知书 and no 处理决定书: its staff decide what
    to propose, a numbered 报告 goes to the province and the run ends 已报告负责备案的人社部门. The
    province's own case then runs from its staff: its 告知书 (its letterhead), its decision."""
    from cli.demo_data import add_institution
    from models import Agency, InspectionCase, OutboxMessage, PendingCase

    email = "inst-srp@institution.example.cn"
    with session_scope() as s:
        inst = add_institution(s, "测试机构SRP", "T-SRP", authority="province", email=email)
        source = InspectionCase(flow_run_id="finding-srp", batch_number="PC-SRP", institution_id=inst.id,
                                agency_id="CITY-A", opened_on=DAY, status="closed")
        s.add(source)
        s.flush()
        pending = PendingCase(kind="sanction", institution_id=inst.id, source_case_id=source.id,
                              article="第二十三条（四）", facts="督导发现其贩卖证书", opened_on=DAY)
        s.add(pending)
        s.flush()
        inst_id, pending_id = inst.id, pending.id
        prov_code = staff.add(s, "PROV", "赵审核", "审核")[1]
        prov_letterhead = s.get(Agency, "PROV").letterhead_name
    run_id = h.start(SANCTION_PROCEDURE, {"pending_case_id": pending_id, "as_of": str(DAY)})
    open_case(run_id, code)
    schema = h.wait_for_form(run_id, "decision-1")  # no 告知书 of its own: straight to what it reports
    assert "决定后报告山东省人力资源和社会保障厅" in schema["properties"]["decision"]["description"]
    assert not [m for m in h.messages(service.mail_dir) if email in m["To"]]
    h.resume(run_id, "decision-1", {"decision": "采纳拟处理意见", "staff_code": code})
    h.wait_for(run_id, DONE)
    reporting = case_of(run_id)
    assert reporting.status == "reported" and reporting.details["report_number"]
    with session_scope() as s:
        assert s.get(Institution, inst_id).status == "active"  # nothing decided by 济南
        kinds = {d.idempotency_key.rsplit("-", 1)[-1] for d in s.exec(
            select(Document).where(Document.idempotency_key.startswith(f"sanction-{reporting.id}-")))}
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"sanction-report:{reporting.id}")).one()
    assert "report" in kinds and not kinds & {"hearing", "decision", "revocation"}
    followed = reporting.details["filing_authority_case"]
    assert mail.recipient.startswith("prov@") and str(followed) in mail.text_body
    assert not [m for m in h.messages(service.mail_dir) if email in m["To"]]  # the institution heard nothing

    own = h.start(SANCTION_PROCEDURE, {"sanction_case_id": followed, "as_of": str(DAY)})
    open_case(own, prov_code)
    h.wait_for_form(own, "defence")  # the province hears the institution itself
    case = case_of(own)
    assert (case.id, case.agency_id) == (followed, "PROV")
    with session_scope() as s:
        hearing = docx_text(s.exec(select(Document).where(Document.idempotency_key == f"sanction-{followed}-hearing"))
                            .one().content)
    assert prov_letterhead in hearing and "撤销备案回执" in hearing and "贩卖证书" in hearing
    assert tokens(service, email)  # its defence link
    sweep("2026-03-10")  # the period ended on 03-09 without a defence
    h.wait_for_form(own, "decision-1")
    h.resume(own, "decision-1", {"decision": "采纳拟处理意见", "staff_code": prov_code})
    h.wait_for(own, DONE)
    assert s_status(own) == ("closed", "revoked")


def test_a_hearing_opened_on_2099_12_25_waits_with_its_period_pending_instead_of_crashing(service, portal, code):
    """Issue 17 point 6: the 5 working days run into 2100, whose official schedule is not declared.
    The run does not stop on CalendarDataMissing: the 告知书 goes out saying 期限待定, the period is
    stored as unknown with its reason, the agency's administrator is told once, the run waits."""
    from models import OutboxMessage
    from procedures.casework.calendar_declarations import Declaration, declare

    with session_scope() as s:  # 2099 is official (the window opens in a known year); 2100 is not
        declare(s, Declaration(2099, "国办发明电〔2098〕1号", "", {date(2099, 1, 1): "元旦"}, {}), "测试管理员")
    w = make_world("SY99", date(2099, 12, 25), supervisors=0)
    email = w["institution_email"]
    with session_scope() as s:
        filing = s.get(Institution, w["institution_id"]).filing_number
    run_id = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": "第二十二条（二）",
                                          "facts": "督导发现超职业范围组织评价", "as_of": "2099-12-25"})
    open_case(run_id, code)
    h.wait_for_form(run_id, "defence")
    assert h.read(run_id).state.type == StateType.PAUSED
    case = case_of(run_id)
    assert case.status == "hearing" and case.hearing_due is None
    assert "2100年的法定节假日安排尚未录入" in case.details["due_pending"]["hearing_due"]["reason"]
    (told,) = [m for m in h.messages(service.mail_dir) if email in m["To"] and "告知书" in m["Subject"]]
    with session_scope() as s:
        letter = docx_text(s.exec(select(Document).where(Document.idempotency_key == f"sanction-{case.id}-hearing"))
                           .one().content)
        admin = s.exec(select(OutboxMessage).where(OutboxMessage.subject.startswith("【工作日历缺失】2100年"),
                                                   OutboxMessage.recipient.startswith("city-a@"))).all()
    assert "另行通知的日期（期限待定，2100年法定节假日安排公布后确定）" in letter and "None" not in letter
    assert len(admin) == 1 and "supervise calendar declare" in admin[0].text_body
    assert tokens(service, email)  # the defence link is mailed all the same
