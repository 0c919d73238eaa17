"""The 附件3 record form on a phone (390×844) in a real browser (Debian chromium) against a real
portal (uvicorn, SQLite; Prefect down, so nothing resumes): the sections fold, the answered
items are counted as they are answered, the submit bar stays on screen, and the answers are
kept in the browser — across a reload, and across a submit over the size limit — until the
record is accepted. The screenshots are kept for a person to look at."""

import os
from pathlib import Path

import pytest

from tests.flows.world import answers
from tests.portal_client import nothing_stored, png_bytes, portal_env, running_portal
from tests.procedures.daily.test_portal_record import DAY, dispatched

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]
SHOTS = Path(os.environ.get("SUPERVISION_SCREENSHOT_DIR", "var/screenshots"))
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-phone"), max_request_mb="1") as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
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


def phone(chromium, **extra):
    context = chromium.new_context(**PHONE, **extra)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return context, page, problems


def answer_some(page, code: str) -> None:
    page.fill("#assignment_code", code)
    page.fill("#inspection_ended_on", str(DAY))
    page.check("input[name=methods][value=现场督导]")
    for n in (1, 2, 3):
        page.check(f"input[name=veto_{n}][value=否]")
    for n in range(1, 16):
        page.check(f"input[name=item_{n:02d}][value={'否' if n == 6 else '是'}]")
    page.fill("textarea[name=remark_06]", "考场座位间距不足")


def bar_count(page) -> str:
    return page.locator(".submitbar [data-count]").inner_text()


def test_record_form_on_a_phone_counts_answers_keeps_them_across_a_reload_and_keeps_the_submit_bar_in_reach(
        portal, chromium):
    case, (token,), (code,) = dispatched("PHONE")
    url = f"{portal.url}/l/{token}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    context, page, problems = phone(chromium)
    try:
        page.goto(url)
        assert bar_count(page) == "已答 0/23"
        page.screenshot(path=str(SHOTS / "phone-record-1-top-390x844.png"))
        answer_some(page, code)
        assert bar_count(page) == "已答 15/23"  # counted as answered
        assert page.locator("#part-veto summary [data-count]").inner_text() == "已答 3/3"

        page.reload()  # a dropped connection, a closed tab: the same link opened again
        assert bar_count(page) == "已答 15/23"
        assert page.locator("input[name=item_06][value=否]").is_checked()
        assert page.locator("input[name=item_15][value=是]").is_checked()
        assert not page.locator("input[name=item_16][value=是]").is_checked()
        assert page.locator("textarea[name=remark_06]").input_value() == "考场座位间距不足"
        assert page.locator("#inspection_ended_on").input_value() == str(DAY)
        assert page.locator("input[name=methods][value=现场督导]").is_checked()
        assert page.locator("#assignment_code").input_value() == ""  # a code is never kept
        assert page.locator("#part-phase-1 summary [data-count]").inner_text() == "已答 13/13"

        # The submit bar stays on screen in the middle of the ~9,500 px page.
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height > 4000
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        box = page.locator(".submitbar button").bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844
        page.screenshot(path=str(SHOTS / "phone-record-2-middle-390x844.png"))

        # A section folds (and opens again); the jump goes to the next unanswered item.
        page.locator("#part-phase-1 > summary").click()
        assert not page.locator("#q-item_01").is_visible()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "phone-record-3-folded-390x844.png"), full_page=True)
        page.locator(".submitbar .next").click()
        target = page.locator("#q-item_16").bounding_box()
        assert target and 0 <= target["y"] <= 40, target  # the unanswered item itself at the top, not the one before
        assert page.evaluate("document.activeElement.name") == "item_16"
        page.locator("#part-phase-1 > summary").click()
        assert page.locator("#q-item_01").is_visible()

        page.fill("#assignment_code", code)
        for n in range(16, 24):
            page.check(f"input[name=item_{n:02d}][value=是]")
        page.fill("#overall_evaluation", "考场组织基本规范。")
        page.check("input[name=supervisor_verdict][value=合格]")
        assert bar_count(page) == "已答 23/23" and not page.locator(".submitbar .next").is_visible()
        page.locator(".submitbar button").click()
        page.wait_for_selector("text=已收到")
        assert page.evaluate(f"localStorage.getItem('portal-answers:/l/{token}')") is None  # cleared
        assert not problems, problems  # the CSP let our script run, and nothing failed
    finally:
        context.close()
    assert not nothing_stored(case.case_id)


def test_record_form_without_javascript_still_folds_and_its_submit_bar_stays_in_reach(portal, chromium):
    _, (token,), _ = dispatched("PHONENOJS")
    context, page, _ = phone(chromium, java_script_enabled=False)
    try:
        page.goto(f"{portal.url}/l/{token}")
        assert page.locator("details.part[open]").count() == 6
        page.locator("#q-item_12").scroll_into_view_if_needed()  # the middle of the page
        box = page.locator(".submitbar button").bounding_box()
        assert box and 0 <= box["y"] and box["y"] + box["height"] <= 844
        page.locator("#part-veto > summary").click()
        assert not page.locator("#q-veto_1").is_visible()
    finally:
        context.close()


def test_a_submit_over_the_size_limit_shows_the_form_again_with_the_answers_the_browser_kept(portal, chromium, tmp_path):
    case, (token,), (code,) = dispatched("PHONEBIG")
    big = tmp_path / "现场全景.png"
    big.write_bytes(png_bytes(8, 8) + os.urandom(1_200_000))  # the whole request > 1 MB
    context, page, problems = phone(chromium)
    try:
        page.goto(f"{portal.url}/l/{token}")
        a = answers("theory", code, str(DAY))
        answer_some(page, code)
        for n in range(16, 24):
            page.check(f"input[name=item_{n:02d}][value={a[f'item_{n:02d}']}]")
        page.fill("#overall_evaluation", "考场组织基本规范。")
        page.set_input_files("#evidence_03", str(big))
        page.locator(".submitbar button").click()
        page.wait_for_selector("#err-files")
        assert "超过整张表单的上限 1 MB" in page.locator("#err-files").inner_text()
        assert "每个文件最大 0.05 MB" in page.locator("#err-files").inner_text()
        assert page.locator("input[name=item_20][value=是]").is_checked()  # the browser's answers, back
        assert page.locator("textarea[name=remark_06]").input_value() == "考场座位间距不足"
        assert page.locator("#overall_evaluation").input_value() == "考场组织基本规范。"
        assert bar_count(page) == "已答 23/23"
        page.screenshot(path=str(SHOTS / "phone-record-4-too-large-390x844.png"))
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()
    assert nothing_stored(case.case_id)


def test_a_refused_record_opens_at_the_list_of_what_to_change(portal, chromium):
    # The walk-through (issue 23): a refused page on a phone reloaded at its top, the red list a
    # screen and a half below the brief, and looked as if nothing had happened.
    case, (token,), (code,) = dispatched("PHONEREFUSED")
    context, page, problems = phone(chromium)
    try:
        page.goto(f"{portal.url}/l/{token}")
        answer_some(page, code)  # items 16–23, the overall evaluation and the verdict left out
        page.locator(".submitbar button").click()
        page.wait_for_selector("#errors")
        box = page.locator("#errors").bounding_box()
        assert box and -2 <= box["y"] <= 60, box  # at the top of the screen, not below the brief
        assert page.evaluate("document.activeElement.id") == "errors"
        assert "未能提交" in page.locator("#errors").inner_text()
        page.screenshot(path=str(SHOTS / "phone-record-5-refused-390x844.png"))
        assert not [p for p in problems if "status of 400" not in p], problems  # the refusal is a 400
    finally:
        context.close()
    assert nothing_stored(case.case_id)
