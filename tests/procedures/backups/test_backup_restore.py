"""Backup and restore on real databases (SQLite and PostgreSQL) and real files: what a restore
refuses, named; what a round trip brings back."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from adapters import uploads
from adapters.backup import BackupError
from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import Agency
from procedures.backups.restore import restore_backup
from procedures.backups.take import take_backup
from tests.app_env import app_env

PDF = b"%PDF-1.4 evidence of a session\n"


def service_env(root: Path, url: str | None = None) -> dict:
    return {"SUPERVISION_VAR_DIR": str(root / "var"),
            "SUPERVISION_DATABASE_URL": url or f"sqlite:///{root / 'var' / 'supervision.db'}",
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": ""}


def a_service(root: Path, url: str | None = None) -> None:
    """A var/ with a migrated database holding the agencies, one upload and the portal secret."""
    with app_env(service_env(root, url)):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
        uploads.store(PDF)
        (root / "var" / "portal-secret").write_text("s" * 64)


def backed_up(root: Path, url: str | None = None) -> Path:
    a_service(root, url)
    with app_env(service_env(root, url)):
        return take_backup(root / "backups").folder


def agencies() -> list[str]:
    with session_scope() as s:
        return sorted(a.id for a in s.exec(select(Agency)))


def test_a_sqlite_backup_restores_into_an_empty_var_with_uploads_and_secrets(tmp_path):
    folder = backed_up(tmp_path / "old")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["kind"] == "sqlite" and manifest["database"]["alembic_revision"]
    assert manifest["files"][f"uploads/{uploads.sha256(PDF)[:2]}/{uploads.sha256(PDF)}"]["size"] == len(PDF)
    assert manifest["audit_head"] is None and manifest["prefect"] is None
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no .partial left beside it

    new = tmp_path / "new"
    with app_env(service_env(new)):
        restore_backup(folder)
        assert agencies() and (new / "var" / "portal-secret").read_text() == "s" * 64
        assert uploads.path_for(uploads.sha256(PDF)).read_bytes() == PDF


def test_a_file_changed_after_the_backup_is_named_when_restore_refuses(tmp_path):
    folder = backed_up(tmp_path / "old")
    stored = next(p for p in (folder / "uploads").rglob("*") if p.is_file())
    stored.write_bytes(PDF.replace(b"evidence", b"EVIDENCE"))
    with app_env(service_env(tmp_path / "new")), pytest.raises(BackupError) as refused:
        restore_backup(folder)
    assert f"uploads/{stored.parent.name}/{stored.name}" in str(refused.value) and "SHA-256" in str(refused.value)
    assert not (tmp_path / "new" / "var").exists()  # nothing written


def test_a_missing_and_an_extra_file_are_named_when_restore_refuses(tmp_path):
    folder = backed_up(tmp_path / "old")
    (folder / "secrets" / "portal-secret").unlink()
    with app_env(service_env(tmp_path / "new")), pytest.raises(BackupError, match="文件缺失：secrets/portal-secret"):
        restore_backup(folder)
    (folder / "secrets" / "portal-secret").write_text("s" * 64)
    (folder / "uploads" / "planted.pdf").write_bytes(PDF)
    with app_env(service_env(tmp_path / "new")), pytest.raises(BackupError, match="清单外的文件：uploads/planted.pdf"):
        restore_backup(folder)


def test_restore_refuses_a_var_that_is_not_empty(tmp_path):
    folder = backed_up(tmp_path / "old")
    (tmp_path / "new" / "var").mkdir(parents=True)
    (tmp_path / "new" / "var" / "notes.txt").write_text("kept")
    with app_env(service_env(tmp_path / "new")), pytest.raises(BackupError, match="恢复目标不是空的：.*var"):
        restore_backup(folder)
    assert [p.name for p in (tmp_path / "new" / "var").iterdir()] == ["notes.txt"]


def test_restore_refuses_a_revision_newer_than_the_code(tmp_path):
    folder = backed_up(tmp_path / "old")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["alembic_revision"] = "0099_from_the_future"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with app_env(service_env(tmp_path / "new")), pytest.raises(BackupError, match="0099_from_the_future 比本程序新"):
        restore_backup(folder)


def test_a_backup_that_fails_midway_leaves_no_folder_that_looks_like_a_backup(tmp_path):
    a_service(tmp_path / "old")
    with app_env(service_env(tmp_path / "old")), pytest.raises(BackupError, match="pg_dump"):
        take_backup(tmp_path / "backups", prefect_url="postgresql+asyncpg://postgres@127.0.0.1:1/prefect")
    assert list((tmp_path / "backups").iterdir()) == []


def test_postgresql_backup_restores_through_pg_dump_and_pg_restore(tmp_path, postgres_server):
    old_url = postgres_server.create_database("backup_src")
    folder = backed_up(tmp_path / "old", old_url)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["file"] == "database.pgdump" and manifest["database"]["alembic_revision"]

    taken = postgres_server.create_database("backup_taken")
    with app_env(service_env(tmp_path / "busy", taken)):
        upgrade()
        with pytest.raises(BackupError, match="恢复目标不是空的：数据库 backup_taken 中已有数据表"):
            restore_backup(folder)

    new_url = postgres_server.create_database("backup_dst")
    with app_env(service_env(tmp_path / "new", new_url)):
        restore_backup(folder)
        assert agencies() and len(agencies()) >= 2
        assert uploads.path_for(uploads.sha256(PDF)).read_bytes() == PDF


def test_a_portal_answer_handed_over_after_prefect_was_copied_is_handed_over_again(tmp_path):
    from datetime import timedelta

    from adapters.clock import now
    from models import PortalLink, PortalSubmission
    from procedures.backups import restore as restore_module

    a_service(tmp_path / "old")
    with app_env(service_env(tmp_path / "old")):
        t = now()
        with session_scope() as s:
            for n, resumed_at in enumerate((t - timedelta(hours=1), t + timedelta(seconds=1))):
                link = PortalLink(link_key=f"k{n}", token_hash=f"h{n}", kind="record_form", case_kind="daily",
                                  case_id=n, step_key="record-1", flow_run_id=f"run-{n}", recipient_kind="supervisor",
                                  recipient_name="督导", recipient_email="s@example.cn", agency_name="济南",
                                  agency_email="a@example.cn", title="督导记录", deadline=t, expires_at=t, created_at=t)
                s.add(link)
                s.flush()
                s.add(PortalSubmission(link_id=link.id, receipt_number=f"R{n}", received_at=t,
                                       resume_status="resumed", resumed_at=resumed_at))
        assert restore_module._hand_again(t) == 1
        with session_scope() as s:
            statuses = [sub.resume_status for sub in s.exec(select(PortalSubmission).order_by(PortalSubmission.id))]
    assert statuses == ["resumed", "pending"]  # the earlier one Prefect's copy has; the later one again


def test_an_answer_handed_over_while_prefect_is_being_copied_counts_as_after_the_copy(tmp_path, monkeypatch):
    # pg_dump's snapshot is taken when it starts: an answer resumed during the copy is not in it
    from adapters.clock import now
    from procedures.backups import take as take_module

    a_service(tmp_path / "old")
    copying = []
    real_copy = take_module._copy_database

    def copy_noting_when(url, work, *names):
        copying.append(now())  # an answer resumed at this moment is not in Prefect's copy
        return real_copy(url, work, *names)

    monkeypatch.setattr(take_module, "_copy_database", copy_noting_when)
    with app_env(service_env(tmp_path / "old")):
        taken = take_backup(tmp_path / "backups", prefect_url=f"sqlite:///{tmp_path / 'old' / 'var' / 'supervision.db'}",
                            prefect_storage=tmp_path / "old" / "var" / "uploads")
    prefect_copy_began = copying[0]
    assert datetime.fromisoformat(taken.manifest["prefect_taken_at"]) <= prefect_copy_began
