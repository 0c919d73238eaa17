"""The tamper-evident case file (issue 22), on SQLite and PostgreSQL: what the application writes
(a timeline through the ORM, a portal submission through core statements, a letter, a decision)
is appended to the hash-chained log in the same transaction; each tamper of the catalogue — a
timeline row edited or deleted, a stored upload altered, two entries swapped, the whole chain
rewritten after a seal — is detected by `verify` with the entry named; the day's seal is stored
and mailed once; the evidence export carries the case's entries and seal."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from adapters import audit, uploads
from adapters.clock import now
from adapters.db import session_scope, upgrade
from models import AgencyDecision, AuditEntry, AuditSeal, CaseEvent, InspectionCase, OutboxMessage
from procedures.casework.audit_seal import case_manifest, seal_day
from procedures.casework.audit_verify import verify
from procedures.casework.cases import add_event
from procedures.portal import evidence
from procedures.portal import links as pl
from procedures.portal.submissions import IncomingFile, submit
from tests.app_env import app_env
from tests.portal_client import png_bytes

DAY = date(2026, 12, 1)


@pytest.fixture
def world(db_url, tmp_path):
    """A migrated database with a case: two timeline rows, a decision, a portal submission with a file."""
    from cli.demo_data import add_agencies

    with app_env({"SUPERVISION_DATABASE_URL": db_url, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            case = InspectionCase(flow_run_id="run-audit-1", batch_number="B-AUDIT-1", agency_id="CITY-A",
                                  opened_on=DAY)
            s.add(case)
            s.flush()
            add_event(s, case.id, "opened", DAY, "案件已发起")
            add_event(s, case.id, "dispatched", DAY, "已委派督导员张三")
        with session_scope() as s:
            s.add(AgencyDecision(case_id=case.id, option="提醒函", proposed_option="提醒函", handled_by="李四",
                                 decided_on=DAY))
        link = pl.invite(pl.CaseStep("daily_inspection", case.id, "explanation", "run-audit-1"),
                         pl.Recipient("institution", "某评价中心", "inst@inst.example.cn"),
                         pl.Contact("济南市技能人才评价管理部门", "city-a@example.gov.cn"), "书面说明",
                         now() + timedelta(days=5))
        result = submit(link.token, "情况说明见附件。", [IncomingFile("说明.png", png_bytes())])
        assert result.status == "stored"
        yield case.id, result.receipt.submission_id


def _report():
    with session_scope() as s:
        return verify(s)


def _entry(ref: str) -> int:
    with session_scope() as s:
        return s.exec(select(AuditEntry.seq).where(AuditEntry.ref == ref).order_by(AuditEntry.seq.desc())).first()


def _sql(statement: str, **params) -> None:
    with session_scope() as s:
        s.connection().execute(text(statement), params)


def test_every_audited_write_is_chained_in_its_transaction_and_verify_says_complete(world):
    case_id, submission_id = world
    report = _report()
    assert report.ok, report.text()
    assert (report.entries, report.rows, report.files) == (4, 4, 1)
    with session_scope() as s:
        refs = s.exec(select(AuditEntry.ref, AuditEntry.case_ref).order_by(AuditEntry.seq)).all()
    assert (f"portal_submission:{submission_id}", f"inspection:{case_id}") in refs
    assert sum(1 for ref, case in refs if ref.startswith("case_event:") and case == f"inspection:{case_id}") == 2
    assert any(ref.startswith("agency_decision:") for ref, _ in refs)


def test_an_edited_timeline_row_is_named_by_audit_verify(world):
    case_id, _ = world
    with session_scope() as s:
        event = s.exec(select(CaseEvent).where(CaseEvent.key == "dispatched")).one()
    _sql("UPDATE case_event SET text = '已委派督导员王五' WHERE id = :id", id=event.id)
    first = _report().first
    assert (first.seq, first.ref) == (_entry(f"case_event:{event.id}"), f"case_event:{event.id}")
    assert "已被改动" in first.why and "text" in first.why


def test_a_deleted_timeline_row_is_named_by_audit_verify(world):
    with session_scope() as s:
        event = s.exec(select(CaseEvent).where(CaseEvent.key == "opened")).one()
    _sql("DELETE FROM case_event WHERE id = :id", id=event.id)
    first = _report().first
    assert (first.seq, first.ref, first.why) == (_entry(f"case_event:{event.id}"), f"case_event:{event.id}",
                                                 "所记载的行已被删除")


def test_an_altered_stored_upload_is_named_by_audit_verify(world):
    _, submission_id = world
    path = uploads.path_for(uploads.sha256(png_bytes()))
    path.write_bytes(png_bytes(5, 5))
    first = _report().first
    assert (first.seq, first.ref) == (_entry(f"portal_submission:{submission_id}"), f"portal_submission:{submission_id}")
    assert "SHA-256 不符" in first.why


def test_two_swapped_entries_are_named_by_audit_verify(world):
    _sql("UPDATE audit_entry SET seq = -1 WHERE seq = 2")
    _sql("UPDATE audit_entry SET seq = 2 WHERE seq = 3")
    _sql("UPDATE audit_entry SET seq = 3 WHERE seq = -1")
    first = _report().first
    assert first.seq == 2 and "不相连" in first.why


def test_a_chain_rewritten_after_its_seal_is_named_by_audit_verify(world):
    with session_scope() as s:
        seal = seal_day(s, DAY)
        head = seal.head_seq
    with session_scope() as s:  # the tamperer edits a row and rebuilds every hash from there on
        event = s.exec(select(CaseEvent).where(CaseEvent.key == "dispatched")).one()
        event.text = "已委派督导员王五"
        s.add(event)  # through the application: an update entry is appended …
    with session_scope() as s:
        conn = s.connection()
        rows = conn.execute(text("SELECT seq, content FROM audit_entry ORDER BY seq")).all()
        last = rows[-1]  # … and the tamperer folds it back into the insert entry it corrects
        target = next(seq for seq, content in rows if f'"id":{event.id},' in content and seq < last.seq)
        conn.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": last.seq})
        new_content = audit.entry_content("insert", audit.row_part(last.content))
        prev = audit.GENESIS_HASH
        for seq, content in rows[:-1]:
            content = new_content if seq == target else content
            digest = audit.chain_hash(prev, seq, content)
            conn.execute(text("UPDATE audit_entry SET content = :c, prev_hash = :p, hash = :h WHERE seq = :seq"),
                         {"c": content, "p": prev, "h": digest, "seq": seq})
            prev = digest
    report = _report()
    assert [p.seq for p in report.problems] == [head], report.text()
    assert f"{DAY} 封存" in report.first.why


def test_the_days_seal_is_stored_and_mailed_to_the_provincial_centre_once(world):
    with session_scope() as s:
        first = seal_day(s, DAY)
        head = (first.head_seq, first.head_hash)
    with session_scope() as s:
        add_event(s, world[0], "later", DAY, "又一条记录")
    with session_scope() as s:
        again = seal_day(s, DAY)
        assert (again.head_seq, again.head_hash) == head and again.mailed
        assert len(s.exec(select(AuditSeal)).all()) == 1
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == f"audit-seal:{DAY}")).all()
    assert len(mail) == 1 and mail[0].recipient == "prov@example.gov.cn" and head[1] in mail[0].text_body


def test_the_evidence_export_carries_the_cases_entries_and_the_seal_covering_them(world, tmp_path):
    case_id, _ = world
    with session_scope() as s:
        seal_day(s, DAY)
    evidence.export(case_id, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    assert manifest == case_manifest(f"inspection:{case_id}")
    seqs = [e["seq"] for e in manifest["entries"]]
    assert len(seqs) == 4 and manifest["seal"]["head_seq"] >= max(seqs)
    assert all(audit.chain_hash(e["prev_hash"], e["seq"], e["content"]) == e["hash"] for e in manifest["entries"])


def test_rows_written_before_the_log_are_appended_once_by_the_genesis_batch(world):
    _sql("DELETE FROM audit_entry")
    assert _report().first.why.startswith("此行不在审计日志中")
    with session_scope() as s:
        assert audit.genesis(s.connection()) == 4
    with session_scope() as s:
        assert audit.genesis(s.connection()) == 0
    assert _report().ok


def test_audit_verify_command_says_complete_or_names_the_first_mismatch_and_exits_1(world):
    from typer.testing import CliRunner

    from cli.audit import audit_app

    case_id, _ = world
    runner = CliRunner()
    fine = runner.invoke(audit_app, ["verify"])
    assert fine.exit_code == 0 and fine.output.startswith("完整（4 条审计记录"), fine.output
    with session_scope() as s:
        event = s.exec(select(CaseEvent).where(CaseEvent.key == "opened")).one()
    _sql("UPDATE case_event SET \"on\" = '2026-11-30' WHERE id = :id", id=event.id)
    bad = runner.invoke(audit_app, ["verify", "--case", f"inspection:{case_id}"])
    seq = _entry(f"case_event:{event.id}")
    assert bad.exit_code == 1
    assert bad.output.startswith(f"不完整：第 {seq} 条（时间线记录 case_event:{event.id}）：所记载的行已被改动（字段：on）")
    assert runner.invoke(audit_app, ["verify", "--case", "12"]).exit_code == 2  # not a case reference


def test_concurrent_writers_chain_one_after_another_with_no_gap_and_no_fork(world):
    from concurrent.futures import ThreadPoolExecutor

    case_id, _ = world

    def write(worker: int) -> None:
        for k in range(15):
            with session_scope() as s:
                add_event(s, case_id, f"w{worker}-{k}", DAY, f"并发写入 {worker}-{k}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    with session_scope() as s:
        seqs = s.exec(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, 4 + 60 + 1))
    report = _report()
    assert report.ok and report.rows == 4 + 60, report.text()
