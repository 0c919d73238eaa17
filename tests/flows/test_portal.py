"""The portal end to end, on a Prefect server with basic authentication: a real run waits at a
portal step, its link goes out by mail, bad input changes nothing, a submission resumes the run
exactly once — also when Prefect was down at submit time (the portal retries; the daily sweep
is the backstop) — and a phone-sized browser does the upload."""

import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from prefect.client.schemas.objects import StateType
from prefect.input.run_input import keyset_from_base_key
from sqlmodel import select

from adapters.db import session_scope
from adapters.prefect_client import sync_client
from deployments.serve import DEADLINE_SWEEP
from models import PortalLink, PortalSubmission
from tests.flows import harness as h
from tests.flows.portal_probe import PORTAL_PROBE, STEP
from tests.portal_client import browser, open_form, pdf_bytes, png_bytes, post, running_portal

pytestmark = pytest.mark.flow
AUTH = "agency:correct-horse-battery"
LINK = re.compile(r"/l/([A-Za-z0-9_-]{43})")
SHOTS = Path("/tmp/portal-screenshots")


@pytest.fixture(scope="module")
def svc(tmp_path_factory, postgres_server):
    with h.running_service(tmp_path_factory.mktemp("portal-service"), postgres_server,
                           runner_module="tests.flows.portal_probe", extra_deployments=(PORTAL_PROBE,),
                           auth_string=AUTH) as service:
        yield service


def portal_env(svc, **extra) -> dict:
    return svc.env() | {"SUPERVISION_PORTAL_RESUME_RETRY_SECONDS": "1"} | extra


def start_probe(svc, tag: str) -> tuple:
    """A run waiting at the portal step; returns its id and the token mailed to the institution."""
    email = f"inst-{tag}-{uuid.uuid4().hex[:6]}@institution.example.cn"
    run_id = h.start(PORTAL_PROBE, {"case_id": 1, "institution": f"测试机构{tag}", "email": email})
    h.wait_for_form(run_id, STEP)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        mails = [m for m in h.messages(svc.mail_dir) if email in m["To"]]
        if mails:
            break
        time.sleep(0.3)
    (mail,) = mails
    body = mail.get_body(("plain",)).get_content()
    assert "陈述和申辩（第二十五条）" in body and "4200" not in body and "/api" not in body  # a portal link only
    return run_id, LINK.search(body).group(1)


def submissions_of(run_id) -> list[PortalSubmission]:
    with session_scope() as s:
        link = s.exec(select(PortalLink).where(PortalLink.flow_run_id == str(run_id))).one()
        return list(s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link.id)))


def resumes(run_id) -> int:
    with sync_client() as client:
        return sum(1 for st in client.read_flow_run_states(run_id) if st.name == "Resuming")


def stored_input(run_id) -> dict:
    with sync_client() as client:
        import json
        return json.loads(client.read_flow_run_input(run_id, keyset_from_base_key(f"suspended-{STEP}")["response"]))


def still_waiting(run_id) -> None:
    run = h.read(run_id)
    assert run.state.type == StateType.PAUSED and run.state.state_details.pause_key == STEP
    assert submissions_of(run_id) == []


def wait_resumed(run_id, timeout: float = 120) -> PortalSubmission:
    try:
        h.wait_for(run_id, {StateType.COMPLETED}, timeout=timeout)
    except AssertionError as exc:
        subs = [(s.resume_status, s.resume_attempts, s.last_error) for s in submissions_of(run_id)]
        raise AssertionError(f"{exc}; submissions: {subs}") from None
    (sub,) = submissions_of(run_id)
    assert sub.resume_status == "resumed" and resumes(run_id) == 1
    assert stored_input(run_id) == {"submission_id": sub.id}
    return sub


def test_the_server_refuses_a_client_without_the_auth_string(svc):
    flows = svc.api_url + "/flow_runs/filter"
    assert httpx.post(flows, json={}).status_code == 401
    assert httpx.post(flows, json={}, auth=tuple(AUTH.split(":", 1))).status_code == 200
    assert httpx.get(svc.api_url + "/health").status_code == 200
    assert svc.env()["PREFECT_API_AUTH_STRING"] == AUTH  # the service's clients get it from the server's


def test_bad_input_leaves_the_run_waiting_and_two_tabs_resume_it_exactly_once(svc, tmp_path):
    run_id, token = start_probe(svc, "tabs")
    with running_portal(portal_env(svc), tmp_path / "portal.log") as portal:
        url = f"{portal.url}/l/{token}"
        tabs = [browser(), browser()]
        csrf = [open_form(t, url) for t in tabs]
        for response in (post(tabs[0], url, None, "无校验", [("a.pdf", pdf_bytes())]),
                         post(tabs[0], url, csrf[0], "假文件", [("证明.pdf", b"plain text")]),
                         post(tabs[0], url, csrf[0], "路径", [("../../x.pdf", pdf_bytes())]),
                         post(tabs[0], f"{portal.url}/l/{token[:-2]}xy", csrf[0], "错链接")):
            assert response.status_code in (400, 403, 404) and "未能提交" in response.text or "链接无效" in \
                response.text or "页面已失效" in response.text
        still_waiting(run_id)

        barrier, pages = threading.Barrier(2), [None, None]

        def submit(i):
            barrier.wait()
            pages[i] = post(tabs[i], url, csrf[i], f"标签页{i}的陈述", [(f"证明{i}.pdf", pdf_bytes(f"t{i}"))])

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sub = wait_resumed(run_id)
        for page in pages:
            assert page.status_code == 200 and sub.receipt_number in page.text
        assert token not in portal.log_text() and "标签页" not in portal.log_text()


def test_prefect_down_at_submit_time_the_receipt_is_shown_and_the_run_resumed_once_it_is_back(svc, tmp_path):
    run_id, token = start_probe(svc, "down")
    with running_portal(portal_env(svc), tmp_path / "portal.log") as portal:
        svc.server.terminate()
        svc.server.wait(timeout=30)
        try:
            client = browser()
            url = f"{portal.url}/l/{token}"
            page = post(client, url, open_form(client, url), "服务器停机时提交", [("a.pdf", pdf_bytes("down"))])
            assert page.status_code == 200 and "已收到" in page.text
            sub = retried_against_the_stopped_server(run_id)
            assert sub.resume_status in ("pending", "resuming") and sub.resume_attempts >= 1
            assert "ConnectError" in sub.last_error
        finally:
            svc.start_server(*svc.server_args)
        sub = wait_resumed(run_id)
        assert sub.resume_attempts >= 2


def retried_against_the_stopped_server(run_id, timeout: float = 60) -> PortalSubmission:
    """The submission once the portal has tried to resume the run and failed (attempts and the
    error are written together, procedures/portal/submissions.py)."""
    deadline = time.monotonic() + timeout
    while True:
        (sub,) = submissions_of(run_id)
        if sub.resume_attempts >= 1 or time.monotonic() > deadline:
            return sub
        time.sleep(0.1)


def test_the_daily_sweep_resumes_what_the_portal_could_not(svc, tmp_path):
    run_id, token = start_probe(svc, "sweep")
    dead = f"http://127.0.0.1:{__import__('tests.postgres_server').postgres_server.free_port()}/api"
    with running_portal(portal_env(svc, PREFECT_API_URL=dead), tmp_path / "portal.log") as portal:
        client = browser()
        url = f"{portal.url}/l/{token}"
        assert "已收到" in post(client, url, open_form(client, url), "由巡检续办", []).text
    (sub,) = submissions_of(run_id)
    assert sub.resume_status == "pending"
    still = h.read(run_id)
    assert still.state.type == StateType.PAUSED
    sweep = h.start(DEADLINE_SWEEP, {})
    h.wait_for(sweep, {StateType.COMPLETED})
    wait_resumed(run_id)


def test_an_institution_uploads_on_a_phone_and_gets_a_receipt(svc, tmp_path):
    from playwright.sync_api import sync_playwright

    run_id, token = start_probe(svc, "phone")
    SHOTS.mkdir(parents=True, exist_ok=True)
    (tmp_path / "陈述书.pdf").write_bytes(pdf_bytes("defence"))
    (tmp_path / "现场照片.png").write_bytes(png_bytes(64, 48))
    (tmp_path / "伪装.pdf").write_bytes(b"this is not a pdf")
    with running_portal(portal_env(svc), tmp_path / "portal.log") as portal, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                      args=["--no-sandbox", "--lang=zh-CN"])  # a Chinese phone
        try:
            page = chromium.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True, locale="zh-CN")
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{portal.url}/l/{token}")
            assert page.locator("h1").inner_text() == "陈述和申辩（第二十五条）"
            page.screenshot(path=str(SHOTS / "1-form.png"), full_page=True)

            page.fill("#statement", "<script>alert(1)</script>我机构已按要求整改，现提交陈述和证明材料。")
            page.set_input_files("#files", [str(tmp_path / "陈述书.pdf"), str(tmp_path / "伪装.pdf")])
            page.click("button[type=submit]")
            assert "未能提交" in page.locator(".errors").inner_text()
            assert "伪装.pdf" in page.locator(".errors").inner_text()
            page.screenshot(path=str(SHOTS / "2-refused.png"), full_page=True)
            still_waiting(run_id)

            page.set_input_files("#files", [str(tmp_path / "陈述书.pdf"), str(tmp_path / "现场照片.png")])
            assert page.locator("#chosen").inner_text() == "已选择 2 个文件：陈述书.pdf、现场照片.png"
            page.screenshot(path=str(SHOTS / "2b-chosen.png"), full_page=True)
            page.click("button[type=submit]")
            page.wait_for_selector("text=已收到")
            body = page.locator("main").inner_text()
            assert "<script>alert(1)</script>我机构" in body  # shown as text, never run
            assert "陈述书.pdf" in body and "现场照片.png" in body and "SHA-256" in body
            page.screenshot(path=str(SHOTS / "3-receipt.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390  # nothing wider than the phone
            assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]  # nothing blocked
            page.goto(f"{portal.url}/l/{'x' * 43}")
            page.screenshot(path=str(SHOTS / "4-unknown.png"), full_page=True)
        finally:
            chromium.close()
        wait_resumed(run_id)
