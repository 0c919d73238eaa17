"""A special-inspection member's findings (第十四条 matters, 第十五条（二）) in the portal over HTTP
(a real uvicorn, the real database, Prefect unreachable): one section per matter of the case,
checked by the special-inspection procedure before anything is stored, each refusal in Chinese
beside its field with the earlier answers kept; evidence files per matter checked by content."""

import json
from itertools import count

import pytest
from sqlmodel import select

from adapters import portal_tokens
from adapters.db import session_scope
from cli.demo_data import add_institution, add_supervisor
from models import (
    CaseEvent,
    InspectionCase,
    PortalFile,
    PortalLink,
    PortalSubmission,
    SpecialInspection,
    SpecialInspectionFinding,
    SpecialInspectionMatter,
    SpecialInspectionMember,
    Supervisor,
)
from procedures.casework import staff
from procedures.portal import submissions as portal_submissions
from procedures.special import consolidation, findings, notices, opening, timeline
from tests.portal_client import (
    beside,
    browser,
    nothing_stored,
    pdf_bytes,
    png_bytes,
    portal_env,
    post_fields,
    running_portal,
)

SERIALS = count(800)
GOOD = {"rating_2": "不符合", "facts_2": "超范围开展焊工三级评价", "evidence_2": "抽查评价资料12份",
        "rating_6": "基本符合", "facts_6": "录像完整，个别考场签到表缺失", "evidence_6": "调阅监控录像"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-findings"), max_request_mb="1") as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
        yield p


def opened(tag: str, planned_start: str = "2026-12-01") -> tuple[int, str]:
    """A special inspection of matters (二) and (六) with its notices sent (business date
    2026-12-01, the site visit planned from `planned_start`); the first member's findings link
    (its URL path)."""
    with session_scope() as s:
        add_institution(s, f"专项表单机构{tag}", f"T-SF-{tag}", city="B", email=f"sf-{tag.lower()}@institution.example.cn")
        for n, employer in enumerate(["甲大学", "乙公司", "丙协会"]):
            add_supervisor(s, f"表单督导{tag}{n}", "B", next(SERIALS),
                           employer=f"{employer}{tag}", email=f"sf-{tag.lower()}-{n}@supervisor.example.cn")
    view = opening.open_special(f"run-sf-{tag}", opening.Opening(
        institution=f"T-SF-{tag}", origin="主动开展", matters=[2, 6], planned_start=planned_start,
        planned_end="2026-12-03", as_of="2026-12-01"))
    assert view.status == "special_open", view.refusal_reason
    notices.send_notices(view.case_id)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(
            PortalLink.case_id == view.case_id, PortalLink.step_key == f"findings-{view.members[0].member_id}-1")).one()
    return view.case_id, f"/l/{portal_tokens.token_for(key)}"


def test_the_form_shows_each_matter_of_the_case_verbatim_with_a_rating_facts_evidence_and_files(portal):
    _, path = opened("PAGE")
    page = browser().get(portal.url + path).text
    assert "（二）备案范围" in page and "（六）质量管控" in page and "（三）制度建设" not in page
    assert "评价机构在备案职业（工种）、等级和地域范围内开展活动等方面的情况" in page
    assert page.count('name="rating_2"') == 3 and 'name="facts_6"' in page and 'name="files_6"' in page
    assert "提交督导情况" in page and "Submit" not in page and "评定：基本符合；事实" not in page
    assert "自评（自查）报告尚未提交（期限 " in page  # the team reviews it with the site visit (第十五条（二）2)


def test_the_findings_page_lists_the_whole_team_under_its_heading_with_the_lead_marked(portal):
    case_id, path = opened("TEAM")
    page = browser().get(portal.url + path).text
    team = timeline.view(case_id).members
    listed = page.split("督导小组成员", 1)[1].split("</dd>", 1)[0]
    assert all(f"{m.name}（{m.card_code}）" in listed for m in team) and listed.count("<li>") == 3
    assert listed.count("组长") == 1 and f"{timeline.view(case_id).lead.name}（{timeline.view(case_id).lead.card_code}）<strong>·组长" \
        in listed
    assert "（本链接成员）" in listed


def test_findings_are_refused_before_the_planned_site_visit_starts_unless_staff_moved_the_dates(portal):
    case_id, path = opened("EARLY", planned_start="2026-12-02")  # business date 2026-12-01
    page = browser().get(portal.url + path).text
    assert "现场考察（核查）计划于 2026年12月2日开始；现场督导开始前不能提交督导情况" in page
    refused = post_fields(browser(), portal.url + path, GOOD)
    assert refused.status_code == 400 and "现场督导开始前不能提交督导情况" in refused.text
    assert nothing_stored(case_id)
    with session_scope() as s:  # staff moved the visit a day earlier: the plan's date on the case counts
        special = s.exec(select(SpecialInspection).where(SpecialInspection.case_id == case_id)).one()
        special.planned_start = special.planned_start.replace(day=1)
        s.add(special)
    page = post_fields(browser(), portal.url + path, GOOD)
    assert page.status_code == 200 and "已收到" in page.text


def test_the_institutions_self_report_page_names_the_matters_inspected(portal):
    case_id, _ = opened("SELF")
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.step_key == "self-report",
                                                       PortalLink.case_id == case_id)).one()
    page = browser().get(f"{portal.url}/l/{portal_tokens.token_for(key)}").text
    assert "督导事项：第十四条（二）备案范围；第十四条（六）质量管控" in page


@pytest.mark.parametrize("name, change, field, message", [
    ("norating", lambda a: a.pop("rating_6"), "rating_6", "第十四条（六）质量管控「评定」：请选择"),
    ("nofacts", lambda a: a.update(facts_2="  "), "facts_2", "第十四条（二）备案范围「事实」：未填写"),
])
def test_a_missing_rating_or_facts_is_refused_beside_its_field_and_nothing_is_stored(portal, name, change, field,
                                                                                    message):
    case_id, path = opened(name.upper())
    a = dict(GOOD)
    change(a)
    page = post_fields(browser(), portal.url + path, a)
    assert page.status_code == 400
    assert "未能提交，尚未保存任何内容" in page.text and beside(page.text, field, message)
    assert "抽查评价资料12份" in page.text and 'value="不符合" checked' in page.text  # earlier answers kept
    assert nothing_stored(case_id)


def test_a_field_for_a_matter_outside_the_case_is_refused_in_chinese(portal):
    case_id, path = opened("UNKNOWN")
    page = post_fields(browser(), portal.url + path, GOOD | {"rating_3": "符合", "facts_3": "制度齐全"})
    assert page.status_code == 400 and "督导事项（三）：不是本次督导事项" in page.text
    page = post_fields(browser(), portal.url + path, GOOD, files=[("files_3", "制度.pdf", pdf_bytes())])
    assert page.status_code == 400 and "表单中没有“files_3”这一上传项" in page.text
    assert nothing_stored(case_id)


def test_a_mistyped_evidence_file_is_refused_beside_its_matter(portal):
    case_id, path = opened("FILE")
    page = post_fields(browser(), portal.url + path, GOOD, files=[("files_6", "录像截图.jpg", png_bytes())])
    assert page.status_code == 400 and beside(page.text, "matter_6", "扩展名表示JPG 图片，但内容是PNG 图片")
    page = post_fields(browser(), portal.url + path, GOOD, files=[("files_2", "资料.pdf", b"not a pdf")])
    assert page.status_code == 400 and beside(page.text, "matter_2", "按文件内容判断")
    assert nothing_stored(case_id)


def test_good_findings_with_files_are_stored_once_and_the_run_takes_them_without_parsing(portal):
    case_id, path = opened("GOOD")
    page = post_fields(browser(), portal.url + path, GOOD,
                       files=[("files_2", "资料.pdf", pdf_bytes()), ("files_6", "截图.png", png_bytes())])
    assert page.status_code == 200 and "已收到" in page.text
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.case_id == case_id, PortalLink.kind == "member_findings")
                      .order_by(PortalLink.id)).first()
        sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
        files = list(s.exec(select(PortalFile).where(PortalFile.submission_id == sub.id)))
    assert sub.payload["findings"]["2"] == {"rating": "不符合", "facts": "超范围开展焊工三级评价",
                                            "evidence": "抽查评价资料12份"}
    assert [f["field"] for f in sub.payload["files"]] == ["matter_2", "matter_6"] and len(files) == 2
    member_id = int(link.step_key.split("-")[1])
    assert findings.record_findings(case_id, member_id, 1, sub.id).accepted
    with session_scope() as s:
        rows = list(s.exec(select(SpecialInspectionFinding).where(SpecialInspectionFinding.submission_id == sub.id)))
    assert sorted(r.matter_no for r in rows) == [2, 6]


def test_staff_enter_a_members_paper_findings_with_their_own_code_and_the_member_link_closes(portal):
    """代录: a member who cannot file (or handed in paper) does not stall the inspection."""
    from tests.cli.test_cli import run

    case_id, member_path = opened("PROXY")
    with session_scope() as s:
        _, good = staff.add(s, "CITY-B", "王代录", "经办")
        _, other = staff.add(s, "CITY-A", "外市代录", "经办")
        number = s.get(InspectionCase, case_id).batch_number
        card = s.exec(select(Supervisor.card_code).join(SpecialInspectionMember,
                      SpecialInspectionMember.supervisor_id == Supervisor.id)
                      .where(SpecialInspectionMember.id == timeline.view(case_id).members[0].member_id)).one()
    assert run("portal", "staff-link", "--batch", number).returncode == 1  # which member?
    refused = run("portal", "staff-link", "--batch", number, "--member", "37-0000-0-9999")
    assert refused.returncode == 1 and "不是本次督导小组成员" in refused.stderr
    done = run("portal", "staff-link", "--batch", number, "--member", card, "--json")
    assert done.returncode == 0, done.stderr
    path = "/l/" + json.loads(done.stdout)["url"].rsplit("/l/", 1)[1]
    page = browser().get(portal.url + path).text
    assert 'name="staff_code"' in page and "代录" in page
    for typed, why in [("", "格式不对"), (other, "本案由")]:
        page = post_fields(browser(), portal.url + path, GOOD | {"staff_code": typed})
        assert page.status_code == 400 and beside(page.text, "staff_code", why)
        assert nothing_stored(case_id)
    page = post_fields(browser(), portal.url + path, GOOD | {"staff_code": good})
    assert page.status_code == 200 and "已收到" in page.text
    with session_scope() as s:
        sub = s.exec(select(PortalSubmission).join(PortalLink).where(PortalLink.case_id == case_id,
                                                                     PortalLink.recipient_kind == "staff")).one()
        link = s.get(PortalLink, sub.link_id)
    assert sub.payload["entered_by"].startswith("王代录（CITY-B") and "staff_code" not in json.dumps(sub.payload)
    # Stored, not yet taken by the run (it takes members in turn): the member's own link is closed already.
    member_page = browser().get(portal.url + member_path).text
    assert "已经提交" in member_page and "<form" not in member_page
    assert findings.findings_step_waits(link)  # the stored 代录 itself still resumes the run
    member_id = int(link.step_key.split("-")[1])
    assert findings.record_findings(case_id, member_id, 1, sub.id).accepted  # the run takes them as the member's
    with session_scope() as s:
        events = [e.text for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case_id))]
    assert any("（代录：王代录" in e for e in events)
    assert "已经提交" in browser().get(portal.url + member_path).text  # and still, once taken
    again = run("portal", "staff-link", "--batch", number, "--member", card)
    assert again.returncode == 1 and "无需代录" in again.stderr


def _all_filed(portal, tag: str, ratings: tuple[str, ...]) -> tuple[int, str]:
    """Every member's findings filed through the portal and taken by the run; the lead's
    consolidation link (its URL path)."""
    case_id, _ = opened(tag)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.step_key == "self-report",
                                                       PortalLink.case_id == case_id)).one()
    report = portal_submissions.submit(portal_tokens.token_for(key), "本机构严格按备案范围开展评价<b>", [])
    findings.record_self_report(case_id, report.receipt.submission_id)
    for m, rating in zip(timeline.view(case_id).members, ratings, strict=True):
        step = f"findings-{m.member_id}-1"
        with session_scope() as s:
            key = s.exec(select(PortalLink.link_key).where(PortalLink.step_key == step,
                                                           PortalLink.case_id == case_id)).one()
        page = post_fields(browser(), f"{portal.url}/l/{portal_tokens.token_for(key)}",
                           {"rating_2": rating, "facts_2": f"事实{m.name}", "rating_6": "符合", "facts_6": "录像完整"})
        assert page.status_code == 200, page.text[-400:]
        with session_scope() as s:
            sub = s.exec(select(PortalSubmission).join(PortalLink).where(PortalLink.link_key == key)).one()
        assert findings.record_findings(case_id, m.member_id, 1, sub.id).accepted
    consolidation.invite_lead(case_id, 1)
    with session_scope() as s:
        key = s.exec(select(PortalLink.link_key).where(PortalLink.case_id == case_id,
                                                       PortalLink.step_key == "consolidation-1")).one()
    return case_id, f"/l/{portal_tokens.token_for(key)}"


def test_the_lead_sees_every_members_findings_and_the_worst_rating_proposed_per_matter(portal):
    case_id, path = _all_filed(portal, "LEADPAGE", ("符合", "不符合", "基本符合"))
    page = browser().get(portal.url + path).text
    assert "（二）备案范围" in page and page.count("事实") >= 3 and "（组长）" in page
    assert "系统拟定：不符合" in page and "系统拟定：符合" in page
    assert 'name="rating_2" value="不符合" checked' in page and "听取意见" in page and "评定：符合；理由" not in page
    assert "本机构严格按备案范围开展评价&lt;b&gt;" in page  # the self-report beside the findings, escaped
    assert "<dt>提交期限</dt>" in page  # as the mail states it (the page showed only 链接有效至)


def test_a_rating_changed_without_a_reason_or_no_hearing_is_refused_beside_its_field(portal):
    case_id, path = _all_filed(portal, "LEADBAD", ("符合", "不符合", "符合"))
    page = post_fields(browser(), portal.url + path, {"hearing": " ", "rating_2": "基本符合", "rating_6": "符合"})
    assert page.status_code == 400 and beside(page.text, "hearing", "「听取意见」：未填写")
    assert beside(page.text, "reason_2", "由拟定的“不符合”改为“基本符合”的，应写明理由")
    assert 'name="rating_2" value="基本符合" checked' in page.text  # the lead's choice kept
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "consolidation-1",
                                               PortalLink.case_id == case_id)).one()
        assert not list(s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)))


def test_the_leads_consolidation_is_stored_and_the_run_takes_the_changed_rating_with_its_reason(portal):
    case_id, path = _all_filed(portal, "LEADOK", ("符合", "不符合", "符合"))
    page = post_fields(browser(), portal.url + path, {"hearing": "机构负责人作了说明", "rating_2": "基本符合",
                                                      "reason_2": "复核后系个别资料缺失", "rating_6": "符合"})
    assert page.status_code == 200 and "已收到" in page.text
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.step_key == "consolidation-1",
                                               PortalLink.case_id == case_id)).one()
        sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
    assert sub.payload["changes"] == {"2": {"rating": "基本符合", "reason": "复核后系个别资料缺失"}}
    assert consolidation.record_consolidation(case_id, 1, sub.id).accepted
    with session_scope() as s:
        matters = {m.matter_no: m for m in s.exec(select(SpecialInspectionMatter).join(
            SpecialInspection, SpecialInspection.id == SpecialInspectionMatter.special_id)
            .where(SpecialInspection.case_id == case_id))}
    assert (matters[2].draft_rating, matters[2].draft_change_reason) == ("基本符合", "复核后系个别资料缺失")
    assert matters[6].draft_rating == "符合"
