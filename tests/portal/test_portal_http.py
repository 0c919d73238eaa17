"""The portal over HTTP (a real uvicorn, the real database): bad input is refused in Chinese and
changes nothing; a good submission is stored once with its files and receipt. Prefect is
unreachable here, so every stored submission keeps its resume pending (the flow tests
resume real runs)."""

import threading
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import delete
from sqlmodel import select

from adapters import settings
from adapters.clock import now
from adapters.db import session_scope
from models import OutboxMessage, PortalFile, PortalLink, PortalSubmission, PortalTokenMiss
from procedures.portal import links as pl
from tests.portal_client import (
    browser,
    docx_bytes,
    open_form,
    pdf_bytes,
    png_bytes,
    portal_env,
    post,
    running_portal,
)

SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"  # a file name cannot hold the "/" of </script>


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal"), max_request_mb="0.2", agencies=False) as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
        yield p


def make_link(portal, days: float = 5, name: str = "济南某职业技能评价中心") -> tuple[str, int]:
    step = pl.CaseStep("test", 1, "statement-1", str(uuid4()))
    created = pl.invite(step, pl.Recipient("institution", name, f"{uuid4().hex[:8]}@inst.example.cn"),
                        pl.Contact("济南市技能人才评价管理部门", "city-a@example.gov.cn"),
                        "陈述和申辩（第二十五条）", now() + timedelta(days=days))
    return f"{portal.url}/l/{created.token}", created.link_id


def stored(link_id: int) -> dict:
    with session_scope() as s:
        link = s.get(PortalLink, link_id)
        subs = list(s.exec(select(PortalSubmission).where(PortalSubmission.link_id == link_id)))
        files = [f for sub in subs for f in s.exec(select(PortalFile).where(PortalFile.submission_id == sub.id))]
        receipts = list(s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("portal-receipt:"))
                               .where(OutboxMessage.recipient == link.recipient_email)))
        return {"accepted": link.accepted_at is not None, "submissions": subs, "files": files, "receipts": receipts}


def upload_count() -> int:
    root = settings.get_settings().uploads_dir()
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def assert_nothing_stored(link_id: int, uploads_before: int) -> None:
    got = stored(link_id)
    assert not got["accepted"] and not got["submissions"] and not got["files"] and not got["receipts"]
    assert upload_count() == uploads_before


def test_link_page_is_chinese_readable_on_a_phone_and_sends_the_security_headers(portal):
    url, _ = make_link(portal)
    page = browser().get(url)
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and 'name="viewport"' in page.text
    assert "陈述和申辩（第二十五条）" in page.text and "济南市技能人才评价管理部门" in page.text
    assert ">提交</button>" in page.text and "Submit" not in page.text
    h = page.headers
    assert "frame-ancestors 'none'" in h["content-security-policy"] and "script-src 'self';" in h["content-security-policy"]
    assert "unsafe-inline" not in h["content-security-policy"] and "unsafe-eval" not in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"
    assert "samesite=strict" in h["set-cookie"].lower() and "httponly" in h["set-cookie"].lower()
    for path in ("/docs", "/openapi.json", "/api/flow_runs/filter"):  # no API, no English chrome
        r = browser().get(portal.url + path)
        assert r.status_code == 404 and "页面不存在" in r.text


@pytest.mark.parametrize("how", ["random", "tampered", "truncated", "junk"])
def test_wrong_tokens_are_answered_in_chinese_and_store_nothing(portal, how):
    url, link_id = make_link(portal)
    token = url.rsplit("/", 1)[1]
    bad = {"random": "A" * 43, "tampered": token[:-1] + ("B" if token[-1] != "B" else "C"),
           "truncated": token[:20], "junk": "..%2f..%2fetc"}[how]
    before = upload_count()
    client = browser()
    csrf = open_form(client, url)
    for response in (client.get(f"{portal.url}/l/{bad}"),
                     post(client, f"{portal.url}/l/{bad}", csrf, "陈述", [("a.pdf", pdf_bytes())])):
        assert response.status_code == 404
        assert "链接无效" in response.text and "请从邮件中完整复制链接" in response.text
    assert_nothing_stored(link_id, before)


def test_an_expired_link_says_so_and_whom_to_contact(portal):
    grace = settings.get_settings().portal_link_grace_days
    url, link_id = make_link(portal, days=-(grace + 1))
    before = upload_count()
    client = browser()
    page = client.get(url)
    assert page.status_code == 410
    assert "链接已过期" in page.text and "city-a@example.gov.cn" in page.text and "济南市技能人才评价管理部门" in page.text
    assert post(client, url, "0" * 64, "陈述").status_code == 410
    assert_nothing_stored(link_id, before)


def test_a_link_that_expires_while_its_form_is_read_is_refused_and_nothing_is_stored(portal):
    """The portal looks the link up once, before it reads the form, and hands that lookup to the
    procedure: a link that expires in between is checked again at the moment of storing."""
    from procedures.portal import submissions as portal_submissions

    url, link_id = make_link(portal, days=0)
    token = url.rsplit("/", 1)[1]
    with session_scope() as s:
        found = pl.lookup(s, token)
    assert found.problem == ""
    before = upload_count()
    later = pl.aware(found.link.expires_at) + timedelta(seconds=1)
    result = portal_submissions.submit(token, "陈述", [], at=later, found=found)
    assert result.status == "expired"
    assert_nothing_stored(link_id, before)


def test_a_form_without_its_csrf_token_or_with_another_links_is_refused(portal):
    url, link_id = make_link(portal)
    other_url, _ = make_link(portal)
    before = upload_count()
    client = browser()
    open_form(client, url)
    other_csrf = open_form(client, other_url)
    for csrf in (None, other_csrf, "0" * 64):
        r = post(client, url, csrf, "陈述", [("a.pdf", pdf_bytes())])
        assert r.status_code == 403 and "页面已失效" in r.text and "未被保存" in r.text
    fresh = browser()  # a cross-site post carries no cookie of ours
    r = fresh.post(url, data={"csrf_token": open_form(client, url), "statement": "陈述"})
    assert r.status_code == 403
    assert_nothing_stored(link_id, before)


BAD_INPUTS = {
    "fake_pdf": ("陈述", [("证明.pdf", b"this is only text, not a PDF")],
                 ["「附件」文件「证明.pdf」", "内容不是 PDF、DOCX、JPG、PNG", "只能上传"]),
    "traversal": ("陈述", [("../../etc/passwd.pdf", pdf_bytes())], ["路径符号", "请改用普通文件名"]),
    "oversize_file": ("陈述", [("大文件.pdf", b"%PDF-1.4\n" + b"0" * 60_000)], ["超过上限", "每个文件最大 0.05 MB"]),
    "wrong_extension": ("陈述", [("照片.pdf", png_bytes())], ["扩展名表示PDF 文档", "内容是PNG 图片", ".png"]),
    "empty_file": ("陈述", [("空.pdf", b"")], ["空文件"]),
    "no_statement": ("   ", [("a.pdf", pdf_bytes())], ["「陈述」：未填写", "最多 20000 字"]),
    "control_chars": ("陈述\x00隐藏", [], ["「陈述」：含有不可显示的控制字符"]),
    "not_a_docx": ("陈述", [("报告.docx", b"PK\x03\x04" + b"\x00" * 40)], ["内容不是 PDF、DOCX、JPG、PNG"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_field_why_and_what_is_allowed_and_nothing_is_stored(portal, case):
    statement, files, expected = BAD_INPUTS[case]
    url, link_id = make_link(portal)
    before = upload_count()
    client = browser()
    # A good file beside the bad one: nothing of the request is kept.
    r = post(client, url, open_form(client, url), statement, [("好.pdf", pdf_bytes()), *files])
    assert r.status_code == 400, r.text
    assert "未能提交，尚未保存任何内容" in r.text
    for text in expected:
        assert text in r.text.replace("&#34;", '"'), text
    assert_nothing_stored(link_id, before)


def test_a_request_over_the_size_limit_is_refused_whole_and_the_form_shown_again(portal):
    url, link_id = make_link(portal)
    before = upload_count()
    client = browser()
    parts = [(f"{n}.pdf", b"%PDF-1.4\n" + bytes(40_000)) for n in range(6)]  # 240 KB > 0.2 MB
    r = post(client, url, open_form(client, url), "陈述", parts)
    assert r.status_code == 413
    assert "超过整张表单的上限 0.2 MB" in r.text and "每个文件最大 0.05 MB" in r.text and "未保存任何内容" in r.text
    assert 'id="statement"' in r.text  # the form again (the browser fills the statement in from its storage)
    assert_nothing_stored(link_id, before)


def test_script_typed_into_the_statement_is_escaped_on_every_page_and_in_the_receipt_mail(portal):
    url, link_id = make_link(portal, name=f"机构{SCRIPT}")
    client = browser()
    csrf = open_form(client, url)
    form = client.get(url)
    assert SCRIPT not in form.text and "机构&lt;script&gt;" in form.text
    refused = post(client, url, csrf, SCRIPT, [("x.pdf", b"not a pdf")])  # shown again, escaped
    assert refused.status_code == 400 and SCRIPT not in refused.text and "&lt;script&gt;" in refused.text
    receipt = post(client, url, csrf, SCRIPT, [(f"{IMG}.pdf", pdf_bytes())])
    assert receipt.status_code == 200 and "已收到" in receipt.text
    assert SCRIPT not in receipt.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in receipt.text
    assert IMG not in receipt.text and "&lt;img src=x onerror=alert(1)&gt;.pdf" in receipt.text
    got = stored(link_id)
    assert got["submissions"][0].payload["statement"] == SCRIPT  # kept as typed, escaped when shown
    (mail,) = got["receipts"]
    assert IMG not in mail.html_body and "&lt;img" in mail.html_body and "&lt;script&gt;" in mail.html_body


def test_a_good_submission_is_stored_once_by_hash_with_a_receipt_page_and_mail(portal):
    url, link_id = make_link(portal)
    files = [("陈述书.pdf", pdf_bytes("defence")), ("整改报告.docx", docx_bytes()), ("现场照片.png", png_bytes()),
             ("扫描件.JPG", b"\xff\xd8\xff\xe0" + bytes(100))]
    client = browser()
    csrf = open_form(client, url)
    first = client.post(url, data={"csrf_token": csrf, "statement": "我机构对督导意见陈述如下。"},
                        files=[("files", (n, c, "application/octet-stream")) for n, c in files])
    assert first.status_code == 303
    receipt = client.get(str(first.url.join(first.headers["location"])))
    assert receipt.status_code == 200 and "已收到" in receipt.text and "已经提交过" not in receipt.text
    got = stored(link_id)
    (sub,) = got["submissions"]
    assert got["accepted"] and sub.resume_status in ("pending", "resuming")
    import hashlib
    root = settings.get_settings().uploads_dir()
    for (name, content), row in zip(files, sorted(got["files"], key=lambda f: f.position), strict=True):
        digest = hashlib.sha256(content).hexdigest()
        assert row.sha256 == digest and row.display_name == name and row.size == len(content)
        assert (root / digest[:2] / digest).read_bytes() == content
        assert name in receipt.text and digest in receipt.text
        assert name in got["receipts"][0].text_body and digest in got["receipts"][0].text_body
    assert [f.content_type for f in sorted(got["files"], key=lambda f: f.position)] == [
        "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png", "image/jpeg"]
    assert sub.receipt_number in receipt.text and "我机构对督导意见陈述如下。" not in got["receipts"][0].text_body

    again = post(client, url, csrf, "第二次提交", [("b.pdf", pdf_bytes("again"))])  # double click / reload
    assert again.status_code == 200 and "已经提交过" in again.text and sub.receipt_number in again.text
    reopened = browser().get(url)
    assert reopened.status_code == 200 and "已经提交过" in reopened.text and sub.receipt_number in reopened.text
    got = stored(link_id)
    assert len(got["submissions"]) == 1 and len(got["files"]) == 4 and len(got["receipts"]) == 1
    assert got["submissions"][0].payload["statement"] == "我机构对督导意见陈述如下。"


def test_two_tabs_submitting_at_once_store_one_submission_and_both_see_its_receipt(portal):
    url, link_id = make_link(portal)
    tabs = [browser(), browser()]
    tokens = [open_form(t, url) for t in tabs]
    barrier = threading.Barrier(2)
    pages = [None, None]

    def submit(i):
        barrier.wait()
        pages[i] = post(tabs[i], url, tokens[i], f"第{i + 1}个标签页", [(f"tab{i}.pdf", pdf_bytes(f"tab{i}"))])

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = stored(link_id)
    (sub,) = got["submissions"]
    assert len(got["files"]) == 1 and len(got["receipts"]) == 1
    for page in pages:
        assert page.status_code == 200 and "已收到" in page.text and sub.receipt_number in page.text
    winner = sub.payload["statement"]
    loser_file = "tab1.pdf" if winner == "第1个标签页" else "tab0.pdf"
    assert all(loser_file not in p.text for p in pages)  # the loser's file was not kept
    import hashlib
    loser_digest = hashlib.sha256(pdf_bytes(loser_file[:4])).hexdigest()
    assert not (settings.get_settings().uploads_dir() / loser_digest[:2] / loser_digest).exists()


def test_the_log_never_shows_a_token_a_statement_or_a_file_name(portal):
    url, _ = make_link(portal)
    client = browser()
    post(client, url, open_form(client, url), "保密陈述内容XYZ", [("保密证据.pdf", pdf_bytes())])
    client.get(f"{portal.url}/l/{'Z' * 43}")
    log = portal.log_text()
    token = url.rsplit("/", 1)[1]
    assert "/l/[链接]" in log and "POST /l/[链接] 303" in log
    assert token not in log and "Z" * 43 not in log
    assert "保密陈述内容XYZ" not in log and "保密证据" not in log


def worker_processes(pid: int) -> list[int]:
    """The uvicorn worker processes of the portal started as `pid` (multiprocessing spawns them)."""
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and b"spawn_main" in cmd:
            found.append(int(entry.name))
    return found


def test_wrong_tokens_from_one_address_are_limited_across_the_portals_worker_processes(env):
    with session_scope() as s:  # the misses other tests of this module made from 127.0.0.1
        s.exec(delete(PortalTokenMiss))
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal-rate.log", bad_token_limit="3", workers="2") as p:
        assert len(worker_processes(p.proc.pid)) == 2
        url, link_id = make_link(p)
        for _ in range(3):  # a new connection each time: the kernel hands them to either worker
            assert browser().get(f"{p.url}/l/{'Q' * 43}").status_code == 404
        for target in [f"{p.url}/l/{'Q' * 43}", url] * 4:  # now even the right link waits, on every worker
            r = browser().get(target)
            assert r.status_code == 429 and "尝试次数过多" in r.text and "分钟后再试" in r.text
        assert not stored(link_id)["accepted"]


def test_a_replayed_invitation_returns_the_same_link_and_token_and_one_mail(portal):
    step = pl.CaseStep("test", 7, "statement-1", str(uuid4()))
    args = (step, pl.Recipient("institution", "某机构", "same@inst.example.cn"),
            pl.Contact("济南市技能人才评价管理部门", "city-a@example.gov.cn"), "陈述", now() + timedelta(days=5))
    first, second = pl.invite(*args), pl.invite(*args)
    assert (first.link_id, first.token, first.url) == (second.link_id, second.token, second.url)
    with session_scope() as s:
        link = s.get(PortalLink, first.link_id)
        assert first.token not in link.token_hash and len(link.token_hash) == 64  # only the hash is kept
        mails = list(s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"portal-link:{first.link_id}")))
        assert len(mails) == 1 and first.url in mails[0].text_body and "4200" not in mails[0].text_body
