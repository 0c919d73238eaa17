"""Every free-text field of the portal has a limit, from one table (procedures/portal/limits.py),
over HTTP (a real uvicorn, the real database): the page shows it (maxlength and 「不超过2000字」);
a longer answer is refused beside its field, naming the field and the limit, with every other
answer kept and nothing stored; a request over the size limit shows the form again, saying
which limit was passed."""

import re

import pytest

from tests.flows.world import answers
from tests.portal.test_portal_http import make_link, stored
from tests.portal_client import (
    beside,
    browser,
    nothing_stored,
    open_form,
    portal_env,
    post,
    post_fields,
    running_portal,
)
from tests.procedures.daily.test_portal_record import DAY, dispatched

REQUEST_MB = 2  # above Starlette's own 1 MiB per form part, so a 1.1 MiB remark reaches our check


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-limits"), max_request_mb=str(REQUEST_MB)) as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
        yield p


def record_link(portal, tag: str):
    case, (token,), (code,) = dispatched(tag)
    return case, f"{portal.url}/l/{token}", code


def test_the_record_form_shows_each_text_fields_limit_as_maxlength_and_hint(portal):
    _, url, _ = record_link(portal, "LSHOW")
    page = browser().get(url).text
    remarks = re.findall(r'<textarea name="remark_\d+" rows="1" maxlength="(\d+)"', page)
    assert len(remarks) == 23 and set(remarks) == {"2000"}
    assert re.search(r'id="overall_evaluation" name="overall_evaluation" rows="4" maxlength="5000"', page)
    assert re.search(r'name="later_end_reason" rows="2" maxlength="2000"', page)
    assert 'name="assignment_code" maxlength="40"' in page
    assert "每项备注<span class=\"cap\">（不超过2000字）</span>" in page and "（不超过5000字）" in page


def test_a_remark_over_2000_characters_is_refused_beside_it_naming_the_limit_and_every_other_answer_is_kept(portal):
    case, url, code = record_link(portal, "LREMARK")
    a = answers("theory", code, str(DAY), negatives=(2,)) | {"remark_03": "长" * 2001,
                                                              "overall_evaluation": "考场组织基本规范。"}
    page = post_fields(browser(), url, a)
    assert page.status_code == 400
    assert beside(page.text, "remark_03", "第3项备注：共 2001 字，超过上限。最多 2000 字")
    assert "第3项备注：共 2001 字" in page.text.split('id="errors"')[1][:3000]  # also in the summary on top
    assert "现场发现问题" in page.text and 'value="2026-11-23"' in page.text  # the other answers kept
    assert re.search(r'name="item_02" value="否" checked', page.text)
    assert nothing_stored(case.case_id)


def test_a_remark_of_exactly_2000_characters_with_windows_line_breaks_is_taken(portal):
    case, url, code = record_link(portal, "LEXACT")
    remark = "\r\n".join(["备"] * 1000)  # 1,999 characters as typed (a break counts once) …
    a = answers("theory", code, str(DAY), negatives=(2,)) | {"remark_02": remark + "注"}  # … + 1 = 2,000
    page = post_fields(browser(), url, a)
    assert page.status_code == 200 and "已收到" in page.text
    assert not nothing_stored(case.case_id)


def test_a_one_megabyte_remark_is_refused_beside_its_field_not_as_a_format_error(portal):
    """1,000,000 bytes was stored before; just over 1 MiB the page said only 提交格式有误."""
    for size, tag in ((1_000_000, "LMEGA"), (1_100_000, "LMIB")):
        case, url, code = record_link(portal, tag)
        a = answers("theory", code, str(DAY)) | {"remark_05": "x" * size}
        page = post_fields(browser(), url, a)
        assert page.status_code == 400, (size, page.text[:500])
        assert "提交格式有误" not in page.text
        assert beside(page.text, "remark_05", f"第5项备注：共 {size} 字，超过上限。最多 2000 字")
        assert 'value="2026-11-23"' in page.text and "考场组织基本规范。" in page.text
        assert nothing_stored(case.case_id)


def test_a_request_over_the_size_limit_shows_the_record_form_again_naming_the_limits(portal):
    case, url, code = record_link(portal, "LHUGE")
    a = answers("theory", code, str(DAY)) | {"overall_evaluation": "y" * (REQUEST_MB * 1024 * 1024 + 10)}
    page = post_fields(browser(), url, a)
    assert page.status_code == 413
    assert 'name="item_01"' in page.text and 'name="csrf_token"' in page.text  # the form, to send again
    assert f"超过整张表单的上限 {REQUEST_MB} MB" in page.text and "每个文件最大 0.05 MB" in page.text
    assert beside(page.text, "files", "未保存任何内容")
    assert nothing_stored(case.case_id)


def test_a_statement_over_its_limit_is_refused_beside_the_field_with_the_text_kept(portal):
    url, link_id = make_link(portal)
    client = browser()
    page = post(client, url, open_form(client, url), "陈" * 20_001)
    assert page.status_code == 400
    assert beside(page.text, "statement", "「陈述」：共 20001 字，超过上限。最多 20000 字")
    assert page.text.count("陈" * 20_001) == 1  # kept in the field, to shorten
    assert not stored(link_id)["submissions"] and not stored(link_id)["accepted"]


def test_a_statement_request_over_the_size_limit_shows_the_form_again(portal):
    url, link_id = make_link(portal)
    client = browser()
    files = [(f"{n}.pdf", b"%PDF-1.4\n" + bytes(700_000)) for n in range(3)]  # 2.1 MB > 2 MB
    page = post(client, url, open_form(client, url), "陈述", files)
    assert page.status_code == 413
    assert 'id="statement"' in page.text and f"超过整张表单的上限 {REQUEST_MB} MB" in page.text
    assert not stored(link_id)["submissions"] and not stored(link_id)["accepted"]
