"""What a supervisor sees: the record form (附件3) in the portal, in a real browser (Debian
chromium) on a phone-sized screen. A refused answer shows its error beside the field with the
earlier answers kept; an evidence photo goes up with the record and the receipt lists it; the
run goes on to the agency's decision. The screenshots are kept for a person to look at."""

import os
from datetime import date
from pathlib import Path

import pytest

from tests.flows import harness as h
from tests.flows.world import dispatch_named, make_world, portal_token
from tests.portal_client import png_bytes

CHROMIUM = "/usr/bin/chromium"
DAY = date(2026, 11, 23)
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


def test_supervisor_files_the_record_on_a_phone_refused_verdict_beside_its_field_then_receipt(service, tmp_path):
    from playwright.sync_api import sync_playwright

    w = make_world("UIPHONE", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    token = portal_token(service.mail_dir, w["emails"][0])
    photo = tmp_path / "考场照片.png"
    photo.write_bytes(png_bytes(64, 48))
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True, locale="zh-CN")
            page.goto(f"{service.portal.url}/l/{token}")
            assert page.locator("h1").inner_text().startswith("山东省技能人才评价日常督导情况记录表")
            page.screenshot(path=str(SHOTS / "record-1-form-390x844.png"))
            page.fill("#assignment_code", code)
            page.fill("#inspection_ended_on", str(DAY))
            page.check("input[name=methods][value=现场督导]")
            for n in (1, 2, 3):
                page.check(f"input[name=veto_{n}][value=否]")
            for n in range(1, 24):
                page.check(f"input[name=item_{n:02d}][value={'否' if n <= 5 else '是'}]")
            page.fill("textarea[name=remark_03]", "<script>alert(1)</script>试题与职业不符")
            page.fill("#overall_evaluation", "考场组织存在明显问题。")
            page.check("input[name=supervisor_verdict][value=合格]")  # contradicts the 20% rule
            page.click("button[type=submit]")

            error = page.locator("#err-supervisor_verdict")
            assert "应评定为“不合格”" in error.inner_text()
            error.scroll_into_view_if_needed()
            assert error.is_visible() and error.bounding_box()["height"] > 0
            page.screenshot(path=str(SHOTS / "record-2-refused-verdict-390x844.png"))
            assert page.locator("input[name=item_05][value=否]").is_checked()  # earlier answers kept
            assert page.locator("textarea[name=remark_03]").input_value().startswith("<script>")
            assert h.read(run_id).state.is_paused()  # nothing reached the run

            page.fill("#assignment_code", code)  # never kept
            page.check("input[name=supervisor_verdict][value=不合格]")
            page.set_input_files("#evidence_03", str(photo))
            assert "考场照片.png" in page.locator("output[for=evidence_03]").inner_text()
            page.click("button[type=submit]")
            page.wait_for_selector("text=已收到")
            body = page.locator("main").inner_text()
            assert "考场照片.png" in body and "SHA-256" in body and "Choose" not in body
            page.wait_for_load_state("load")  # measured as styled: "已收到" may show before the stylesheet
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
            page.screenshot(path=str(SHOTS / "record-3-receipt-390x844.png"), full_page=True)
        finally:
            browser.close()
    h.wait_for_form(run_id, "decision-1")
