"""What staff and supervisors see in the Prefect UI, in a real browser (Debian chromium).

ARCHITECTURE: the markdown above a form is squeezed to 0 px as soon as the form scrolls, so a
refused record must carry its errors in field titles and descriptions. This test opens the
re-asked record form at 1400×900 and at phone size, and checks that the error is visible
on screen; the screenshots are kept for a person to look at.
"""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from tests.flows import harness as h
from tests.flows.world import answers, dispatch_named, make_world

CHROMIUM = "/usr/bin/chromium"
DAY = date(2026, 11, 23)
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")


def ui_url(service) -> str:
    return service.api_url.removesuffix("/api")


def open_form(page, service, run_id):
    page.goto(f"{ui_url(service)}/runs/flow-run/{run_id}", wait_until="networkidle")
    resume = page.get_by_role("button", name="Resume").first
    if not resume.is_visible():  # phone-sized: the run's actions sit behind its ⋮ menu
        header = page.get_by_text("Suspended").first.bounding_box()
        menu = next(b for b in page.get_by_role("button").all()
                    if b.is_visible() and not b.inner_text().strip()
                    and abs(b.bounding_box()["y"] - header["y"]) < 40 and b.bounding_box()["x"] > header["x"] + 100)
        menu.click()
        resume = page.get_by_text("Resume", exact=True).first
    resume.click()
    page.get_by_text("上次提交未通过").first.wait_for(timeout=30_000)


@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_refused_record_form_shows_its_errors_where_the_ui_renders_them(service, size):
    from playwright.sync_api import sync_playwright

    w = make_world(f"UI{size[0]}", DAY)
    run_id, code = dispatch_named(w, str(DAY))
    bad = answers("theory", code, str(DAY), negatives=(1, 2, 3, 4, 5), supervisor_verdict="合格")
    bad["overall_evaluation"] = " "
    h.resume(run_id, "record-1", bad)
    h.wait_for_form(run_id, "record-2")

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
        open_form(page, service, run_id)
        summary = page.get_by_text("上次提交未通过").first
        summary.scroll_into_view_if_needed()
        box = summary.bounding_box()
        assert summary.is_visible() and box and box["height"] > 0
        page.screenshot(path=SHOTS / f"record-form-errors-{size[0]}x{size[1]}.png")
        # The field's own error, next to the field, after scrolling down the long form.
        verdict = page.get_by_text("【请修改】评定（合格/不合格）").first
        verdict.scroll_into_view_if_needed()
        assert verdict.is_visible() and verdict.bounding_box()["height"] > 0
        assert page.get_by_text("应评定为“不合格”").first.is_visible()
        page.screenshot(path=SHOTS / f"record-form-verdict-error-{size[0]}x{size[1]}.png")
        # Earlier answers are kept as defaults, yet only the optional fields say "(Optional)".
        optional = page.get_by_text(re.compile(r"\(Optional\)$")).all_inner_texts()
        assert optional and all(t.startswith(("结束日期晚于计划的原因", "第")) for t in optional), optional
        assert len(optional) == 1 + 23  # the later-end reason and the 23 remarks
        browser.close()
