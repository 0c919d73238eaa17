"""The desk over HTTP (a real uvicorn, the real database; Prefect down): the bad-input catalogue
for every desk page — no session, a tampered cookie, another agency's case id, a POST without
its CSRF token — and the cookie's flags, the sign-in log and the download log."""

import re

import httpx
import pytest
from sqlmodel import select

from adapters.clock import today
from adapters.db import session_scope
from models import DeskAccess, DeskSession, InspectionCase
from procedures.desk import auth
from tests.portal_client import portal_env, running_portal
from tests.procedures.desk.world import build

PASSWORD = "desk password 1"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("desk"), agencies=True) as env:
        w = build(today())
        with session_scope() as s:
            for code in w["codes"].values():
                auth.set_password(s, code, PASSWORD)
            s.get(InspectionCase, w["soon"]).batch_number = "PC-<script>alert(1)</script>"
        yield env, w


@pytest.fixture(scope="module")
def portal(world):
    env, _ = world
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log") as p:
        yield p


def signed_in(portal, code: str) -> httpx.Client:
    client = httpx.Client(timeout=30, base_url=portal.url)
    form = client.get("/desk/signin")
    assert form.status_code == 200
    r = client.post("/desk/signin", data={"csrf_token": CSRF.search(form.text).group(1), "staff_code": code,
                                          "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/desk/todo", r.text
    return client


def pages(w) -> list[str]:
    late = f"i{w['late']}"
    return ["/desk/todo", f"/desk/case/{late}", f"/desk/case/{late}/document/{w['doc']}",
            f"/desk/case/{late}/evidence/{'0' * 64}", "/desk/stats", "/desk/stats.csv?period=2026&table=coverage",
            "/desk/report.docx?period=2026", f"/desk/case/{late}/audit.json"]


def downloads() -> list[DeskAccess]:
    with session_scope() as s:
        return list(s.exec(select(DeskAccess).where(DeskAccess.what == "download")))


def test_signing_in_sets_an_httponly_strict_8_hour_cookie_and_logs_who_and_when(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-A"])
    cookie = next(h for h in client.cookies.jar if h.name == "desk_session")
    raw = [v for k, v in client.get("/desk/signin").request.headers.items() if k == "cookie"]
    assert raw and cookie.path == "/desk" and not cookie.secure  # plain http here: Secure only over https
    with session_scope() as s:
        assert s.exec(select(DeskAccess).where(DeskAccess.what == "signin_ok",
                                               DeskAccess.staff_id == w["staff"]["CITY-A"])).first()


def test_the_set_cookie_header_carries_httponly_samesite_strict_and_max_age(portal, world):
    _, w = world
    client = httpx.Client(timeout=30, base_url=portal.url)
    form = client.get("/desk/signin")
    r = client.post("/desk/signin", data={"csrf_token": CSRF.search(form.text).group(1),
                                          "staff_code": w["codes"]["CITY-B"], "password": PASSWORD})
    header = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("desk_session="))
    assert "HttpOnly" in header and "SameSite=strict" in header and "Max-Age=28800" in header
    assert "Path=/desk" in header and "Secure" not in header


@pytest.mark.parametrize("cookie", [None, "tampered"])
def test_every_desk_page_without_a_valid_session_leads_to_sign_in_and_serves_nothing(portal, world, cookie):
    _, w = world
    before = len(downloads())
    client = httpx.Client(timeout=30, base_url=portal.url)
    if cookie:
        good = signed_in(portal, w["codes"]["CITY-A"]).cookies["desk_session"]
        client.cookies.set("desk_session", good[:-2] + ("xx" if not good.endswith("xx") else "yy"), path="/desk")
    for path in pages(w):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/desk/signin", path
        assert b"PK-docx" not in r.content
    assert len(downloads()) == before


def test_another_agencys_case_and_document_answer_as_missing_and_nothing_is_logged(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-B"])
    before = len(downloads())
    for path in pages(w)[1:4]:
        r = client.get(path)
        assert r.status_code == 404 and "没有这个案件" in r.text and "PC-W-LATE" not in r.text, path
    assert client.get(f"/desk/case/i{w['other']}/document/{w['doc']}").status_code == 404  # its own case, A's letter
    assert len(downloads()) == before
    assert "PC-W-LATE" not in client.get("/desk/todo").text


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(portal, world):
    _, w = world
    fresh = httpx.Client(timeout=30, base_url=portal.url)
    fresh.get("/desk/signin")
    r = fresh.post("/desk/signin", data={"staff_code": w["codes"]["CITY-A"], "password": PASSWORD})
    assert r.status_code == 403 and "页面已失效" in r.text and "desk_session" not in r.headers.get("set-cookie", "")
    other = httpx.Client(timeout=30, base_url=portal.url)  # a page from another site: no CSRF cookie of ours
    form = other.get("/desk/signin")
    stolen = CSRF.search(form.text).group(1)
    r = httpx.post(f"{portal.url}/desk/signin", data={"csrf_token": stolen, "staff_code": w["codes"]["CITY-A"],
                                                      "password": PASSWORD})
    assert r.status_code == 403
    a = signed_in(portal, w["codes"]["CITY-A"])
    b = signed_in(portal, w["codes"]["CITY-A"])
    b_csrf = CSRF.search(b.get("/desk/todo").text).group(1)
    for data in ({}, {"csrf_token": b_csrf}):
        r = a.post("/desk/signout", data=data)
        assert r.status_code == 403 and "页面已失效" in r.text
        assert a.get("/desk/todo").status_code == 200  # still signed in
    r = a.post("/desk/signout", data={"csrf_token": CSRF.search(a.get("/desk/todo").text).group(1)})
    assert r.status_code == 303 and a.get("/desk/todo").status_code == 303


def test_a_wrong_password_is_refused_in_chinese_and_logged(portal, world):
    _, w = world
    client = httpx.Client(timeout=30, base_url=portal.url)
    form = client.get("/desk/signin")
    r = client.post("/desk/signin", data={"csrf_token": CSRF.search(form.text).group(1),
                                          "staff_code": w["codes"]["PROV"], "password": "not it at all"})
    assert r.status_code == 401 and "工作人员代码或密码不正确" in r.text
    with session_scope() as s:
        assert s.exec(select(DeskAccess).where(DeskAccess.what == "signin_failed",
                                               DeskAccess.staff_id == w["staff"]["PROV"])).first()
        assert s.exec(select(DeskSession).where(DeskSession.staff_id == w["staff"]["PROV"])).first() is None


def test_todo_lists_the_agencys_work_escaped_and_says_prefect_is_down(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-A"])
    page = client.get("/desk/todo")
    assert page.status_code == 200 and "content-security-policy" in page.headers
    assert "已逾期" in page.text and "PC-W-LATE" in page.text and "流程服务暂时无法访问" in page.text
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert page.text.index("PC-W-LATE") < page.text.index("PC-W-TP")  # overdue first


def test_a_downloaded_document_is_the_cases_letter_and_the_download_is_logged(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-A"])
    case = client.get(f"/desk/case/i{w['late']}")
    assert case.status_code == 200 and "待提交记录表" in case.text and "委派督导员 &lt;b&gt;张三&lt;/b&gt;" in case.text
    before = len(downloads())
    r = client.get(f"/desk/case/i{w['late']}/document/{w['doc']}")
    assert r.status_code == 200 and r.content.startswith(b"PK-docx") and "attachment" in r.headers["content-disposition"]
    logged = downloads()
    assert len(logged) == before + 1 and logged[-1].staff_id == w["staff"]["CITY-A"]
    assert f"document:{w['doc']}" in logged[-1].detail


def test_the_province_opens_any_citys_case(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["PROV"])
    assert client.get(f"/desk/case/i{w['other']}").status_code == 200
    assert "PC-W-B" in client.get("/desk/todo").text


def test_an_evidence_file_downloads_under_its_case_only_its_name_escaped_and_logged(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-A"])
    case = client.get(f"/desk/case/i{w['late']}").text
    assert "考场&lt;照片&gt;.png" in case and "考场<照片>" not in case
    before = len(downloads())
    r = client.get(f"/desk/case/i{w['late']}/evidence/{w['evidence']}")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG-evidence") and r.headers["content-type"] == "image/png"
    assert client.get(f"/desk/case/i{w['soon']}/evidence/{w['evidence']}").status_code == 404
    assert signed_in(portal, w["codes"]["CITY-B"]).get(
        f"/desk/case/i{w['late']}/evidence/{w['evidence']}").status_code == 404
    logged = downloads()
    assert len(logged) == before + 1 and logged[-1].detail.startswith(f"evidence:{w['evidence'][:16]}")


def test_statistics_page_shows_charts_beside_tables_and_its_csv_and_report_are_logged_downloads(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-A"])
    before = len(downloads())
    page = client.get("/desk/stats", params={"period": str(today().year)})
    assert page.status_code == 200 and "<svg" in page.text and "下载CSV" in page.text, page.text[-2000:]
    csv_link = re.search(r'href="(/desk/stats\.csv\?[^"]+)"', page.text).group(1).replace("&amp;", "&")
    csv = client.get(csv_link)
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode()) and "attachment" in \
        csv.headers["content-disposition"]
    report = client.get("/desk/report.docx", params={"period": str(today().year)})
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert len(downloads()) == before + 2  # the CSV and the report, each logged


def test_statistics_refuse_a_scope_outside_the_agency_and_a_bad_period_in_chinese(portal, world):
    _, w = world
    client = signed_in(portal, w["codes"]["CITY-B"])
    other = client.get("/desk/stats", params={"period": str(today().year), "scope": "city:A"})
    assert other.status_code == 400 and "统计范围" in other.text and "<svg" not in other.text
    bad = client.get("/desk/stats", params={"period": "2026-13"})
    assert bad.status_code == 400 and "统计期间" in bad.text
    assert client.get("/desk/report.docx", params={"period": "2026-Q1"}).status_code == 400
    assert client.get("/desk/stats.csv", params={"period": "2026", "table": "<b>"}).status_code == 400


def test_a_cases_audit_record_downloads_with_its_hashes_for_its_agency_only_and_is_logged(portal, world):
    _, w = world
    late = f"i{w['late']}"
    client = signed_in(portal, w["codes"]["CITY-A"])
    before = len(downloads())
    r = client.get(f"/desk/case/{late}/audit.json")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    record = r.json()
    assert record["case"] == f"inspection:{w['late']}" and record["entries"]
    assert all(len(e["hash"]) == 64 and len(e["prev_hash"]) == 64 for e in record["entries"])
    assert len(downloads()) == before + 1
    assert signed_in(portal, w["codes"]["CITY-B"]).get(f"/desk/case/{late}/audit.json").status_code == 404
