"""Evidence files reach agency staff, and only them (第八条): the receipt page and mail say which
item each file belongs to; the record's artifact lists each item's files (name, type, size,
SHA-256 — never content or a token); `supervise evidence export` copies every file of a case
under generated names with a manifest and checks every hash. A real uvicorn portal, the real
database, the real `supervise` command; Prefect is down (the run takes the record by reference)."""

import csv
import hashlib
import json
import re
import stat
import subprocess
from datetime import timedelta

import pytest
from sqlmodel import select

from adapters import uploads
from adapters.clock import now
from adapters.db import session_scope
from models import OutboxMessage, PortalLink, PortalSubmission
from procedures.daily.record import take_record
from procedures.daily.views import record_markdown
from procedures.portal import links as pl
from regulation.checklists import load_checklist
from tests.flows.world import answers
from tests.portal_client import (
    ROOT,
    browser,
    open_form,
    pdf_bytes,
    png_bytes,
    portal_env,
    post,
    running_portal,
)
from tests.procedures.daily.test_portal_record import DAY, dispatched, send

SUPERVISE = ROOT / ".venv" / "bin" / "supervise"
IMG = "<img src=x onerror=alert(1)>.png"  # a file name cannot hold the "/" of </script>


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with portal_env(tmp_path_factory.mktemp("portal-evidence"), max_request_mb="1") as env:
        yield env


@pytest.fixture(scope="module")
def portal(env):
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    with running_portal(clean, env["_root"] / "portal.log", bad_token_limit="1000") as p:
        yield p


def filed(portal, tag: str, files):
    """A record with evidence filed through the portal and taken by the run; (case, token, page)."""
    case, (token,), (code,) = dispatched(tag)
    page = send(browser(), f"{portal.url}/l/{token}", answers("theory", code, str(DAY), negatives=(3,)), files=files)
    assert page.status_code == 200 and "已收到" in page.text, page.text[:2000]
    with session_scope() as s:
        sub = s.exec(select(PortalSubmission).join(PortalLink).where(PortalLink.case_id == case.case_id)).one()
    assert take_record(case.case_id, case.flow_run_id, sub.id).accepted
    return case, token, page


def institution_upload(portal, case_id: int, files) -> None:
    """The institution's own upload to the same case (e.g. a written explanation)."""
    created = pl.invite(pl.CaseStep("daily_inspection", case_id, "explanation", f"run-{case_id}"),
                        pl.Recipient("institution", "济南某职业技能评价中心", f"inst-{case_id}@inst.example.cn"),
                        pl.Contact("济南市技能人才评价管理部门", "city-a@example.gov.cn"), "书面说明", now() + timedelta(days=5))
    client = browser()
    url = f"{portal.url}/l/{created.token}"
    page = post(client, url, open_form(client, url), "情况说明见附件。", files)
    assert page.status_code == 200 and "已收到" in page.text


def export(case_id: int, to, env, *extra) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in env.items() if not k.startswith("_")}
    return subprocess.run([str(SUPERVISE), "evidence", "export", "--case", str(case_id), "--to", str(to), *extra],
                          capture_output=True, text=True, env=clean)


def test_receipt_page_and_mail_say_which_item_each_evidence_file_belongs_to(portal):
    item3, item5 = (f"第{n}项 {load_checklist('theory').item(n).text}" for n in (3, 5))
    case, token, page = filed(portal, "EVREC", [("evidence_03", "现场.png", png_bytes()),
                                                ("evidence_05", "签到表.pdf", pdf_bytes())])
    shown = re.sub(r"\s+", " ", page.text)
    assert f"现场.png</span><span class=\"item\">所属项目：{item3}" in shown
    assert f"签到表.pdf</span><span class=\"item\">所属项目：{item5}" in shown
    with session_scope() as s:
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("portal-receipt:"),
                                                  OutboxMessage.subject.contains("记录表"))).all()
    text = next(m.text_body for m in mail if "现场.png" in m.text_body)
    assert "现场.png（PNG 图片" in text and f"所属项目：{item3}" in text and f"所属项目：{item5}" in text
    again = browser().get(f"{portal.url}/l/{token}").text  # the used link shows the same receipt
    assert f"所属项目：{item3}" in again


def test_record_artifact_lists_each_items_files_with_type_size_and_hash_but_never_content_or_token(portal):
    png, pdf = png_bytes(), pdf_bytes("evidence")
    case, token, _ = filed(portal, "EVART", [("evidence_03", IMG, png), ("evidence_03", "签到表.pdf", pdf)])
    text = record_markdown(case.case_id)
    section = text.split("## 证据文件（仅限委派机构内部，第八条）", 1)[1]
    assert f"**日常督导情况记录表（附件3） · 第3项 {load_checklist('theory').item(3).text}**" in section.replace("\\", "")
    assert f"PNG 图片 · {len(png)} 字节 · SHA-256 `{hashlib.sha256(png).hexdigest()}`" in section
    assert f"PDF 文档 · {len(pdf)} 字节 · SHA-256 `{hashlib.sha256(pdf).hexdigest()}`" in section
    assert "签到表\\.pdf" in section and "&lt;img src=x onerror=alert\\(1\\)&gt;" in section  # inert, not HTML
    assert "<img" not in text and token not in text and "evidence)" not in text  # no markup, token, content
    assert f"`supervise evidence export --case {case.case_id} --to <目录>`" in section


def test_evidence_export_copies_every_file_of_a_case_with_generated_names_and_a_checked_manifest(portal, env,
                                                                                                 tmp_path):
    png, pdf = png_bytes(), pdf_bytes("report")
    case, _, _ = filed(portal, "EVEXP", [("evidence_03", "现场 照片.png", png)])
    institution_upload(portal, case.case_id, [("说明.pdf", pdf)])
    to = tmp_path / "export"
    done = export(case.case_id, to, env)
    assert done.returncode == 0, done.stderr
    assert "已导出 2 个文件" in done.stdout and "SHA-256 已逐个核对" in done.stdout
    rows = json.loads((to / "manifest.json").read_text(encoding="utf-8"))
    with (to / "manifest.csv").open(encoding="utf-8-sig") as fh:
        assert list(csv.DictReader(fh)) == [{k: str(v) for k, v in r.items()} for r in rows]
    assert [(r["step"], r["item"].split(" ")[0], r["original_name"], r["status"]) for r in rows] == [
        ("日常督导情况记录表（附件3）", "第3项", "现场 照片.png", "ok"), ("书面说明", "", "说明.pdf", "ok")]
    assert rows[0]["sender"].endswith("（督导员）") and rows[1]["sender"] == "济南某职业技能评价中心（评价机构）"
    assert all(r["received_at"] and r["receipt_number"].startswith("HZ") for r in rows)
    for r, data in zip(rows, (png, pdf), strict=True):
        assert re.fullmatch(r"\d{3}-[A-Za-z0-9_-]+-[A-Za-z0-9_-]+-[0-9a-f]{12}\.(png|pdf)", r["file"])
        copied = to / r["file"]
        assert copied.read_bytes() == data and r["sha256"] == hashlib.sha256(data).hexdigest()
        assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert stat.S_IMODE(to.stat().st_mode) == 0o700
    assert sorted(p.name for p in to.iterdir()) == sorted([rows[0]["file"], rows[1]["file"], "manifest.csv",
                                                          "manifest.json", "audit.json"])


def test_evidence_export_names_a_file_altered_in_storage_copies_the_rest_and_exits_1(portal, env, tmp_path):
    good, bad = png_bytes(6, 6), pdf_bytes("altered")
    case, _, _ = filed(portal, "EVBAD", [("evidence_03", "好.png", good), ("evidence_04", "坏.pdf", bad)])
    stored = uploads.path_for(hashlib.sha256(bad).hexdigest())
    stored.chmod(0o600)
    stored.write_bytes(bad + b"tampered")
    done = export(case.case_id, tmp_path / "out", env)
    assert done.returncode == 1
    assert "已导出 1 个文件" in done.stdout and "未导出：坏.pdf" in done.stdout and "与登记的 SHA-256 不一致" in done.stdout
    rows = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["original_name"], r["status"], bool(r["file"])) for r in rows] == [("好.png", "ok", True),
                                                                                  ("坏.pdf", "mismatch", False)]
    assert len([p for p in (tmp_path / "out").iterdir() if not p.name.startswith(("manifest", "audit"))]) == 1


def test_evidence_export_refuses_a_non_empty_directory_or_a_case_without_files_in_chinese(portal, env, tmp_path):
    case, _, _ = filed(portal, "EVDIR", [("evidence_03", "现场.png", png_bytes(3, 3))])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "other.txt").write_text("x")
    done = export(case.case_id, tmp_path / "busy", env)
    assert done.returncode == 1 and "已存在且不为空" in done.stderr
    done = export(987654, tmp_path / "none", env)
    assert done.returncode == 1 and "案件 987654 没有经门户收到的文件" in done.stderr
    assert not (tmp_path / "none").exists()
    done = export(case.case_id, tmp_path / "k", env, "--kind", "institution")
    assert done.returncode == 1 and "--kind 应为 inspection 或 sanction" in done.stderr

