"""The public register (第二十二条, 第二十三条) on the portal, over HTTP (a real uvicorn): a plain
address to cite (/register, in full on the home page, which links to it), answering GET and
HEAD alike (a link checker or `curl -I` gets 200, not 405)."""

import pytest

from tests.portal_client import browser, portal_env, running_portal


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-register")) as env:
        clean = {k: v for k, v in env.items() if not k.startswith("_")}
        with running_portal(clean, env["_root"] / "portal.log") as p:
            yield p


def test_the_home_page_links_the_public_register_at_its_plain_address(portal):
    home = browser().get(f"{portal.url}/")
    assert home.status_code == 200 and '<a href="/register">处理情况公布</a>' in home.text
    assert f"<code>{portal.url}/register</code>" in home.text  # the address to cite, in full
    page = browser().get(f"{portal.url}/register")
    assert page.status_code == 200 and "技能人才评价机构处理情况公布" in page.text


@pytest.mark.parametrize("path, kind", [("/register", "text/html"), ("/register.csv", "text/csv"),
                                        ("/register.json", "application/json"), ("/", "text/html")])
def test_the_public_register_answers_head_as_get_does(portal, path, kind):
    client = browser()
    got, head = client.get(f"{portal.url}{path}"), client.head(f"{portal.url}{path}")
    assert (got.status_code, head.status_code) == (200, 200), path
    assert head.headers["content-type"].startswith(kind) and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]


def test_other_methods_on_the_register_are_still_refused_in_chinese(portal):
    r = browser().post(f"{portal.url}/register")
    assert r.status_code == 405 and "不支持的操作" in r.text


def test_the_public_register_shows_the_latest_audit_seals_anyone_can_keep(portal):
    from datetime import date

    from adapters.db import session_scope
    from models import InspectionCase
    from procedures.casework.audit_seal import seal_day
    from procedures.casework.cases import add_event

    day = date(2026, 12, 1)
    with session_scope() as s:
        case = InspectionCase(flow_run_id="run-seal", batch_number="B-SEAL", opened_on=day)
        s.add(case)
        s.flush()
        add_event(s, case.id, "opened", day, "案件已发起")
    with session_scope() as s:
        seal = seal_day(s, day)
        head = (seal.head_seq, seal.head_hash)
    page = browser().get(f"{portal.url}/register").text
    assert "案卷审计日志封存值" in page
    assert f'<td data-label="封存日期">2026-12-01</td><td data-label="链头序号">{head[0]}</td>' in page
    assert f"<code>{head[1]}</code>" in page
