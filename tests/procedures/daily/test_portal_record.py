"""The supervisor's record form (附件3) in the portal over HTTP (a real uvicorn, the real
database, Prefect unreachable): the same checks as the run, each refusal in Chinese beside its
field with nothing stored; evidence files checked by content and size; 代录 by agency staff with
their staff code. A good record is stored once with its files, waiting to resume its run."""

import json
import os
import re
import time
from datetime import date
from uuid import uuid4

import pytest
from sqlmodel import select

from adapters.db import session_scope
from models import CaseEvent, Dispatch, InspectionRecord, PortalFile, PortalLink, PortalSubmission
from procedures.casework import staff
from procedures.casework.cases import Refusal
from procedures.daily import dispatch, opening
from procedures.daily.links import staff_link
from procedures.daily.record import take_record
from procedures.portal import forms as portal_forms
from procedures.portal import resumes as portal_resumes
from procedures.portal import submissions as portal_submissions
from tests.flows.world import answers, make_world
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

DAY = date(2026, 11, 23)
LINK = re.compile(r"/l/([A-Za-z0-9_-]{43})")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-record"), max_request_mb="1") as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
        yield p


def dispatched(tag: str, form_kind="theory", supervisors=(0,)):
    """A case waiting for its record; returns the case, the record links' tokens, the codes."""
    w = make_world(tag, DAY, form_kind=form_kind)
    case = opening.open_case(f"run-{tag}-{uuid4().hex[:6]}", w["batch"], str(DAY), None)
    case = dispatch.dispatch(case.case_id, [w["cards"][n] for n in supervisors], 1)
    assert case.status == "awaiting_record"
    from adapters import assignment_codes, portal_tokens

    with session_scope() as s:
        links = list(s.exec(select(PortalLink).where(PortalLink.case_id == case.case_id,
                                                     PortalLink.kind == "record_form").order_by(PortalLink.id)))
        ds = list(s.exec(select(Dispatch).where(Dispatch.case_id == case.case_id).order_by(Dispatch.id)))
        tokens = [portal_tokens.token_for(link.link_key) for link in links]
        codes = [assignment_codes.code_for(d.id) for d in ds]
    return case, tokens, codes


def send(client, url, a: dict, files=(), follow=True):
    return post_fields(client, url, a, files, follow)


def test_record_form_renders_the_checklist_in_chinese_with_every_item(portal):
    case, (token,), _ = dispatched("RPAGE", form_kind="skill")
    page = browser().get(f"{portal.url}/l/{token}").text
    assert "日常督导情况记录表" in page and "测试机构RPAGE" in page
    assert page.count('name="item_') == 22 * 2 and page.count('name="veto_') == 3 * 2
    assert "提交记录表" in page and "Submit" not in page and "Choose" not in page


@pytest.mark.parametrize("case_name, change, field, message", [
    ("missing-item", lambda a: a.pop("item_05"), "item_05", "督导内容第5项未作答"),
    ("bad-date", lambda a: a.update(inspection_ended_on="2026-02-30"), "inspection_ended_on", "应为有效日期"),
    ("future-date", lambda a: a.update(inspection_ended_on="2026-11-30"), "inspection_ended_on", "晚于今天"),
    ("verdict-vs-20pct", lambda a: a.update({f"item_{n:02d}": "否" for n in (1, 2, 3, 4, 5)}),
     "supervisor_verdict", "应评定为“不合格”"),
    ("wrong-code", lambda a: a.update(assignment_code="ZZZZ-ZZZZ"), "assignment_code", "任务编码不正确"),
    ("no-method", lambda a: a.update(methods=[]), "methods", "请至少选择一项"),
])
def test_bad_record_is_refused_in_chinese_beside_its_field_and_nothing_is_stored(portal, case_name, change, field,
                                                                                 message):
    case, (token,), (code,) = dispatched(f"RBAD{case_name.replace('-', '').upper()[:6]}")
    a = answers("theory", code, str(DAY), negatives=(2,))
    change(a)
    page = send(browser(), f"{portal.url}/l/{token}", a)
    assert page.status_code == 400
    assert "未能提交，尚未保存任何内容" in page.text and beside(page.text, field, message)
    assert 'value="2026' in page.text or case_name == "bad-date"  # earlier answers kept
    assert "现场发现问题" in page.text  # the remark typed before
    assert nothing_stored(case.case_id)


def test_evidence_file_too_large_or_mistyped_is_refused_beside_its_item(portal):
    case, (token,), (code,) = dispatched("RFILE")
    a = answers("theory", code, str(DAY))
    page = send(browser(), f"{portal.url}/l/{token}", a,
                files=[("evidence_03", "照片.jpg", png_bytes()), ("evidence_04", "大.png", png_bytes() + os.urandom(60_000))])
    assert page.status_code == 400
    assert beside(page.text, "item_03", "扩展名表示JPG 图片，但内容是PNG 图片")
    assert beside(page.text, "item_04", "超过上限")
    page = send(browser(), f"{portal.url}/l/{token}", a, files=[("evidence_03", "扫描.pdf", b"not a pdf at all")])
    assert page.status_code == 400 and beside(page.text, "item_03", "按文件内容判断")
    assert nothing_stored(case.case_id)


def test_good_record_with_evidence_is_stored_once_with_its_files_and_a_receipt(portal):
    case, (token,), (code,) = dispatched("RGOOD")
    a = answers("theory", code, str(DAY), negatives=(3,))
    client = browser()
    page = send(client, f"{portal.url}/l/{token}", a,
                files=[("evidence_03", "现场.png", png_bytes()), ("evidence_03", "签到表.pdf", pdf_bytes())])
    assert page.status_code == 200 and "已收到" in page.text and "现场.png" in page.text
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.case_id == case.case_id)).one()
        sub = s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)).one()
        files = list(s.exec(select(PortalFile).where(PortalFile.submission_id == sub.id)))
    assert "assignment_code" not in sub.payload["answers"] and sub.payload["dispatch_id"]  # proven, not kept
    assert [f["field"] for f in sub.payload["files"]] == ["item_03", "item_03"] and len(files) == 2
    assert sub.resume_status in ("pending", "resuming")  # Prefect is down here: the flow tests resume runs
    assert "考场组织基本规范" not in portal.log_text() and token not in portal.log_text()
    take_record(case.case_id, case.flow_run_id, sub.id)  # the run takes it
    page = client.get(f"{portal.url}/l/{token}").text  # the used link: its receipt
    assert "已收到" in page
    other = staff_link("PC-RGOOD")
    assert isinstance(other, str) and "无需代录" in other


def test_staff_entry_needs_a_valid_staff_code_of_the_owning_agency(portal):
    case, _, (code,) = dispatched("RSTAFF")
    with session_scope() as s:
        _, good = staff.add(s, "CITY-A", "李代录", "经办")
        _, other = staff.add(s, "CITY-B", "外市人员", "经办")
        gone_row, gone = staff.add(s, "CITY-A", "已停用", "经办")
        gone_row.active = False
        s.add(gone_row)
    from tests.cli.test_cli import run

    done = run("portal", "staff-link", "--batch", "PC-RSTAFF", "--json")  # how staff get the link
    assert done.returncode == 0, done.stderr
    url = f"{portal.url}/l/{LINK.search(json.loads(done.stdout)['url']).group(1)}"
    again = json.loads(run("portal", "staff-link", "--batch", "PC-RSTAFF", "--json").stdout)["url"]
    assert again.endswith(url.rsplit("/", 1)[1])  # the same link until it is used
    with session_scope() as s:
        dispatch_id = s.exec(select(Dispatch).where(Dispatch.case_id == case.case_id)).first().id
    a = answers("theory", "", str(DAY)) | {"dispatch_id": str(dispatch_id)}
    a.pop("assignment_code")
    for typed, why in [("0001-AAAA-BBBB-CCCC", "不正确"), (other, "本案由"), (gone, "已停用")]:
        page = send(browser(), url, a | {"staff_code": typed})
        assert page.status_code == 400 and beside(page.text, "staff_code", why), typed
        assert nothing_stored(case.case_id)
    page = send(browser(), url, a | {"staff_code": good})
    assert page.status_code == 200 and "已收到" in page.text
    with session_scope() as s:
        sub = s.exec(select(PortalSubmission).join(PortalLink).where(PortalLink.case_id == case.case_id)).one()
    assert sub.payload["entered_by"].startswith("李代录（CITY-A") and sub.payload["dispatch_id"] == dispatch_id
    # The run takes it (same checks again) and marks the record and the timeline 代录, with who.
    outcome = take_record(case.case_id, case.flow_run_id, sub.id)
    assert outcome.accepted, outcome.errors
    with session_scope() as s:
        record = s.exec(select(InspectionRecord).where(InspectionRecord.case_id == case.case_id)).one()
        events = [e.text for e in s.exec(select(CaseEvent).where(CaseEvent.case_id == case.case_id))]
    assert record.entered_by.startswith("李代录（CITY-A") and any("（代录：李代录" in e for e in events)
    refused = run("portal", "staff-link", "--batch", "PC-NOSUCH")
    assert refused.returncode == 1 and "没有进行中的日常督导" in refused.stderr


def resume_status(submission_id: int) -> str:
    with session_scope() as s:
        return s.get(PortalSubmission, submission_id).resume_status


def wait_until(condition, seconds: float = 10) -> bool:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


def test_with_several_supervisors_the_first_record_counts_and_the_others_links_say_so(portal):
    case, (token_a, token_b, token_c), (code_a, code_b, _) = dispatched("RTWO", supervisors=(0, 1, 2))
    page = send(browser(), f"{portal.url}/l/{token_b}", answers("theory", code_a, str(DAY)))
    assert page.status_code == 400 and "这不是你本人的任务编码" in page.text  # A's code in B's link
    assert "已收到" in send(browser(), f"{portal.url}/l/{token_a}", answers("theory", code_a, str(DAY))).text
    with session_scope() as s:
        sub = s.exec(select(PortalSubmission).join(PortalLink).where(PortalLink.case_id == case.case_id)).one()
    # B's record stored in the same moment (both checked while the case still waited):
    form = portal_forms.forms()["record_form"]
    racing = portal_forms.PortalForm("record_form", form.template, form.max_fields, form.parse, form.context,
                                     lambda link, a, f: (Refusal(), {"answers": a, "dispatch_id": None}),
                                     waiting=form.waiting)
    fields = {k: v if isinstance(v, list) else [v] for k, v in answers("theory", code_b, str(DAY)).items()}
    late = portal_submissions.submit_form(token_b, racing, fields, [])
    assert take_record(case.case_id, case.flow_run_id, sub.id).accepted
    # The step has passed: B's stored answer resumes nothing (and is not retried for ever).
    # (the portal's own retry loop may claim it first — "busy" — and reach the same end)
    assert portal_resumes.resume_one(late.receipt.submission_id) in ("obsolete", "busy")
    assert wait_until(lambda: resume_status(late.receipt.submission_id) == "obsolete")
    assert late.receipt.submission_id not in portal_resumes.pending_ids()
    page = browser().get(f"{portal.url}/l/{token_c}").text  # the third supervisor's record link
    assert "记录表已经提交" in page and "<form" not in page
