"""What agency staff see in the Prefect UI (Debian chromium, 1366×900) when text from outside the
agency carries markup: the catalogue — an `<img onerror>`, an `<a href=javascript:>`, a Markdown
link, `**x**`, a table row and a 2,000-character line without spaces — put into an institution's
name, a record's remarks and overall evaluation, a staff opinion, the facts of a sanction case, an
institution's statement and its file name shows as literal text on the record artifact, the
decision form headers (daily and sanction), the sanction case artifact and the case timeline,
with no `img` or `a` element made from it and no script run. The staff-code field is a password
input (its value reaches the check and is never stored), and the sanction decision form's header
is readable from its first line. Screenshots are kept for a person to look at."""

import os
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from prefect.client.schemas.objects import StateType
from sqlmodel import select

from adapters.db import session_scope
from deployments.serve import SANCTION_PROCEDURE
from models import InspectionCase, Institution, SanctionCase
from tests.flows import harness as h
from tests.flows.world import (
    answers,
    decided_by,
    dispatch_named,
    make_world,
    portal_token,
    record_through_portal,
)
from tests.portal_client import browser as http_browser
from tests.portal_client import open_form, pdf_bytes, post

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))
DAY = date(2026, 11, 23)
LONG = "L" * 2000
CATALOGUE = ["<img src=x onerror=alert(1)>", "<a href=javascript:alert(1)>x</a>", "[x](javascript:alert(1))",
             "**x**", "| a | b |", LONG]
FILE_NAME = "**x**[x](javascript alert).pdf"
NAME = "机构<img src=x onerror=alert(1)>**x**"  # an institution's name as a roster could carry it

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


@contextmanager
def browsing():
    """A page at 1366×900 in Debian chromium. Opened only between calls to Prefect: while
    Playwright's sync API runs, this thread has an event loop and Prefect's sync calls turn async."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN").new_page()
            page.dialogs = []
            page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))  # alert(1) lands here
            yield page
        finally:
            browser.close()


def ui(service) -> str:
    return service.api_url.removesuffix("/api")


def rename(institution_id: int, name: str) -> None:
    with session_scope() as s:
        inst = s.get(Institution, institution_id)
        inst.name = name
        s.add(inst)


def artifact_id(run_id, key: str) -> str:
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
    return str(found[0].id)


def dump(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
    (SHOTS / f"{name}.html").write_text(page.content())


def shows_literally(page, scope, texts: list[str]) -> None:
    """Each text is on the screen as typed (apart from the zero-width break points); nothing in
    `scope` is an element made from it; no script ran."""
    shown = scope.inner_text().replace("\u200b", "")
    for text in texts:
        assert text in shown, (text, shown[:3000])
    assert scope.locator("img").count() == 0
    assert scope.locator("a[href^='javascript'], a[href='x'], a:text-is('x')").count() == 0
    assert scope.locator("strong:text-is('x'), b:text-is('x')").count() == 0
    assert page.dialogs == []


# Prefect 3.9 serves two UIs: the new one (/v2, where its root leads) and the classic one, a click
# away ("Switch to V1 UI"). Staff may use either: each is checked. (path prefix, the artifact's body)
UIS = {"v2": ("/v2", "[data-testid=markdown-display]"), "v1": ("", ".artifact-data-view")}


def open_artifact(page, service, version: str, artifact: str):
    prefix, body = UIS[version]
    page.goto(f"{ui(service)}{prefix}/artifacts/artifact/{artifact}")
    scope = page.locator(body).first
    scope.locator("h1, h2").first.wait_for()  # rendered, not the loading placeholder
    page.wait_for_timeout(300)
    return scope


def open_resume_form(page, service, version: str, run_id):
    """The run's page, then Resume: the dialog with the form header and the fields, loaded."""
    prefix, _ = UIS[version]
    page.goto(f"{ui(service)}{prefix}/runs/flow-run/{run_id}")
    if version == "v2":
        page.locator("button[aria-haspopup=menu]").last.click()  # the run's ⋮ menu
        page.get_by_role("menuitem", name="Resume").click()
    else:
        page.get_by_role("button", name="Resume").first.click()
    dialog = page.get_by_role("dialog").last
    dialog.get_by_text("工作人员代码").first.wait_for()
    return dialog


def first_line_readable(dialog, text: str) -> bool:
    """Some element holding `text` shows its first line: the point a few pixels into that line is
    the element itself (not clipped away by an ancestor's overflow, not covered)."""
    return dialog.evaluate("""(d, text) => [...d.querySelectorAll('*')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.includes(text)))
        .some(e => {
            const line = e.getClientRects()[0];
            if (!line || line.height < 10) return false;
            const hit = document.elementFromPoint(line.left + 4, line.top + line.height / 2);
            return !!hit && (hit === e || e.contains(hit));
        })""", text)


def test_catalogue_in_a_daily_inspection_shows_as_text_on_record_form_header_and_timeline(service):
    w = make_world("UIESC", DAY)
    rename(w["institution_id"], NAME)
    run_id, code = dispatch_named(w, str(DAY))
    remarks = {f"remark_{n:02d}": text for n, text in enumerate(CATALOGUE, 1)}
    fields = answers("theory", code, str(DAY), negatives=range(1, 7), overall_evaluation=CATALOGUE[1]) | remarks
    record_through_portal(service, w, fields)
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        case_id = s.exec(select(InspectionCase.id).where(InspectionCase.flow_run_id == str(run_id))).one()
    record = artifact_id(run_id, f"inspection-{case_id}-record")

    with browsing() as page:
        for version in UIS:
            body = open_artifact(page, service, version, record)
            dump(page, f"escape-1-record-artifact-{version}-1366x900")
            shows_literally(page, body, CATALOGUE)

            dialog = open_resume_form(page, service, version, run_id)
            dump(page, f"escape-2-daily-decision-form-{version}-1366x900")
            shows_literally(page, dialog, [NAME])
            # the case heads the form once; the classic UI squeezes that header (README: staff use /v2)
            assert first_line_readable(dialog, NAME) or version == "v1", version
            if version == "v2":  # the classic UI has no password input for a schema form
                code = dialog.locator("input[type=password]")
                assert code.count() == 1  # 工作人员代码, masked
                code.fill("0007-TEST-CODE-MASK")
                assert "0007-TEST-CODE-MASK" not in dialog.inner_text()

    h.resume(run_id, "decision-1", {"decision": "提醒函", "opinion": "\n".join(CATALOGUE)} | decided_by())
    h.wait_for(run_id, {StateType.COMPLETED})
    timeline = artifact_id(run_id, f"inspection-{case_id}-timeline")
    with browsing() as page:
        for version in UIS:
            body = open_artifact(page, service, version, timeline)
            dump(page, f"escape-3-daily-timeline-{version}-1366x900")
            shows_literally(page, body, [NAME])


def test_catalogue_in_a_sanction_case_shows_as_text_on_its_artifact_and_decision_form(service):
    w = make_world("UIESCS", DAY, supervisors=0)
    rename(w["institution_id"], NAME)
    with session_scope() as s:
        filing = s.get(Institution, w["institution_id"]).filing_number
    run_id = h.start(SANCTION_PROCEDURE, {"filing_number": filing, "article": "第二十二条（二）",
                                          "facts": "督导发现：" + CATALOGUE[2] + CATALOGUE[3], "as_of": str(DAY)})
    h.resume(run_id, "opening-1", decided_by())  # a staff member opens the procedure first
    h.wait_for_form(run_id, "defence")
    token = portal_token(service.mail_dir, w["institution_email"])
    b = http_browser()
    url = f"{service.portal.url}/l/{token}"
    got = post(b, url, open_form(b, url), "\n".join(CATALOGUE), [(FILE_NAME, pdf_bytes())])
    assert got.status_code == 200, got.text[:500]
    h.wait_for_form(run_id, "decision-1")
    with session_scope() as s:
        case_id = s.exec(select(SanctionCase.id).where(SanctionCase.flow_run_id == str(run_id))).one()
    case_file = artifact_id(run_id, f"sanction-case-{case_id}")

    with browsing() as page:
        for version in UIS:
            body = open_artifact(page, service, version, case_file)
            dump(page, f"escape-4-sanction-artifact-{version}-1366x900")
            shows_literally(page, body, CATALOGUE + [NAME, FILE_NAME])

            dialog = open_resume_form(page, service, version, run_id)
            dump(page, f"escape-5-sanction-decision-form-{version}-1366x900")
            shows_literally(page, dialog, [NAME])
            assert first_line_readable(dialog, NAME) or version == "v1", version  # the case, at 1366×900 (new UI)
