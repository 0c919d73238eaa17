"""The special-inspection run form as staff see it in the Prefect UI (a real browser, Debian
chromium, 1366×900): 督导来源 is a choice list and 督导事项 a multi-select of 第十四条's nine areas
by name — no JSON to type. The screenshots are kept for a person to look at."""

import os
from pathlib import Path

import pytest

from adapters.prefect_client import sync_client
from deployments.serve import SPECIAL_INSPECTION
from regulation.inspection_matters import matter_names

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]

pytestmark = [pytest.mark.flow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")]


def test_the_run_form_offers_origin_as_a_choice_list_and_the_matters_as_a_multi_select_by_name(service):
    from playwright.sync_api import sync_playwright

    with sync_client() as client:
        deployment = client.read_deployment_by_name(SPECIAL_INSPECTION)
    ui = service.api_url.removesuffix("/api")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.goto(f"{ui}/deployments/deployment/{deployment.id}/run")
            page.wait_for_selector("text=督导事项", timeout=60_000)
            origin = page.locator(".schema-form-property", has_text="督导来源").locator(".p-select-button__control")
            options = page.locator("[role=option]")
            origin.focus()
            page.keyboard.press("ArrowDown")  # a click on the control opens and closes it again
            options.first.wait_for()
            assert [t.strip() for t in options.all_inner_texts()] == ["投诉举报", "待处理案件", "主动开展"]
            options.filter(has_text="主动开展").click()
            matters = page.locator(".schema-form-property-array .p-select-button__control")
            matters.focus()
            page.keyboard.press("ArrowDown")
            options.first.wait_for()
            offered = [t.strip() for t in options.all_inner_texts()]
            assert offered == list(matter_names()) and len(offered) == 9  # the nine of 第十四条, by name
            for name in ("第十四条（二）备案范围", "第十四条（六）质量管控"):
                options.filter(has_text=name).click()
            page.screenshot(path=str(SHOTS / "special-run-form-matters-open-1366x900.png"))
            page.mouse.click(1000, 40)  # outside: the list closes, the chosen names stay as tags
            options.first.wait_for(state="detached")
            chosen = page.locator(".schema-form-property-array").inner_text()
            assert "第十四条（二）备案范围" in chosen and "第十四条（六）质量管控" in chosen, chosen
            assert "主动开展" in origin.inner_text()
            assert page.locator(".schema-form-property-array textarea").count() == 0  # no JSON to type
            page.screenshot(path=str(SHOTS / "special-run-form-chosen-1366x900.png"))
        finally:
            browser.close()
