"""The desk in a real browser (Debian chromium, playwright) against a real portal (uvicorn,
SQLite; Prefect down), on a desktop (1366×900) and a phone (390×844): sign in with staff code
and password, read 待办, open a case, download its letter, open 统计 (a chart beside its table, a
CSV download, the year's report .docx), sign out. The screenshots are kept for a person to look at
(the stats page's also under the test's tmp dir)."""

import os
from pathlib import Path

import pytest

from adapters.clock import today
from adapters.db import session_scope
from adapters.documents import docx_text
from procedures.desk import auth
from tests.portal_client import portal_env, running_portal
from tests.procedures.desk.world import build

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))
PASSWORD = "browser password 9"
SCREENS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
              "has_touch": True, "locale": "zh-CN"},
}

WIDER = """w => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > w)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("desk-browser"), agencies=True) as env:
        w = build(today())
        with session_scope() as s:
            auth.set_password(s, w["codes"]["CITY-A"], PASSWORD)
        yield env, w


@pytest.fixture(scope="module")
def portal(world):
    env, _ = world
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log") as p:
        yield p


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_staff_sign_in_read_their_todo_open_a_case_and_download_its_letter(portal, world, chromium, screen,
                                                                           tmp_path):
    _, w = world
    context = chromium.new_context(**SCREENS[screen], accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{portal.url}/desk")
        assert page.url.endswith("/desk/signin") and page.locator("h1").inner_text() == "工作台登录"
        page.fill("#staff_code", w["codes"]["CITY-A"])
        page.fill("#password", PASSWORD)
        page.screenshot(path=str(SHOTS / f"desk-signin-{screen}.png"), full_page=True)
        page.click("button.primary")
        page.wait_for_url("**/desk/todo")
        items = page.locator("ol.todo > li")
        assert items.count() == 6
        assert items.nth(0).locator(".tag").inner_text() == "已逾期"
        assert "王经办W" in page.locator(".desknav .who").inner_text()
        signout = page.locator(".desknav button")
        assert signout.inner_text() == "退出登录" and signout.evaluate(
            "b => getComputedStyle(b).color !== getComputedStyle(b).backgroundColor")  # readable, not white on white
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= SCREENS[screen]["viewport"]["width"]  # nothing runs off the side, phone included
        page.screenshot(path=str(SHOTS / f"desk-todo-{screen}.png"), full_page=True)
        page.click(f"a[href='/desk/case/i{w['late']}']")
        page.wait_for_url(f"**/desk/case/i{w['late']}")
        assert page.locator(".facts .step").inner_text().startswith("待提交记录表")
        assert "委派督导员 <b>张三</b>" in page.locator("ol.timeline").inner_text()  # shown as text, not markup
        page.screenshot(path=str(SHOTS / f"desk-case-{screen}.png"), full_page=True)
        with page.expect_download() as got:
            page.click("a.download")
        download = got.value
        assert download.suggested_filename == "督导派遣通知.docx"
        saved = tmp_path / "letter.docx"
        download.save_as(saved)
        assert saved.read_bytes().startswith(b"PK-docx")
        read_the_statistics(page, screen, tmp_path)
        page.click(".desknav button")  # 退出登录
        page.wait_for_url("**/desk/signin")
        page.goto(f"{portal.url}/desk/todo")
        assert page.url.endswith("/desk/signin")
        assert problems == []
    finally:
        context.close()


def read_the_statistics(page, screen: str, tmp_path: Path) -> None:
    """统计 from the desk's menu: a chart (inline SVG) beside its table — side by side on the desktop,
    stacked on the phone, neither wider than the screen — one table's CSV, and the year's report."""
    page.click(".desknav a[href='/desk/stats']")
    page.wait_for_url("**/desk/stats")
    assert page.locator("h1").inner_text() == "技能人才评价质量督导统计"
    page.screenshot(path=str(tmp_path / f"desk-stats-{screen}.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"desk-stats-{screen}.png"), full_page=True)
    panel = page.locator("section.panel", has=page.locator("figure svg")).first
    chart, table = panel.locator("figure svg"), panel.locator("table")
    assert chart.is_visible() and table.is_visible() and table.locator("tbody tr").count() >= 1
    c, t = chart.bounding_box(), table.bounding_box()
    width = SCREENS[screen]["viewport"]["width"]
    if screen == "desktop":
        assert c["x"] + c["width"] <= t["x"] and c["y"] < t["y"] + t["height"]  # beside it, same row
    else:
        assert c["y"] + c["height"] <= t["y"]  # above it
    box = panel.locator("figure").bounding_box()
    assert box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width  # the chart's box is not cut
    if screen == "phone":  # the chart keeps a readable size and scrolls sideways in its box
        assert c["width"] >= 560 > box["width"], (c, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.evaluate(  # a wide table
        WIDER, width)  # scrolls in its own box
    with page.expect_download() as got:
        panel.locator("a", has_text="下载CSV").click()
    csv = tmp_path / "table.csv"
    got.value.save_as(csv)
    assert got.value.suggested_filename.endswith(".csv")
    text = csv.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].split(",")[0] == panel.locator("thead th").first.inner_text()
    scope = page.locator("main p", has_text=" · ").first.inner_text().split(" · ")[0]
    with page.expect_download() as got:
        page.click("a[href^='/desk/report.docx']")
    report = tmp_path / "report.docx"
    got.value.save_as(report)
    assert got.value.suggested_filename.endswith(".docx")
    content = report.read_bytes()
    assert content.startswith(b"PK")
    assert f"{scope}{today().year}年度技能人才评价质量督导工作情况报告" in docx_text(content)
