"""`supervise restore DIR`: put a backup back into an empty var/ (or empty databases), then
upgrade the schema to the code's head.

Refused before anything is written: a backup whose files do not match its manifest (the file
named), a target that is not empty (var/ holds anything, a database has tables), a database
revision newer than this code knows, a database kind other than the target's. The var/ folder
is built beside the target and renamed into place, so a failed restore leaves no half of one.
"""

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from adapters import backup as io
from adapters.settings import get_settings
from procedures.backups import sources


@dataclass(frozen=True)
class Restored:
    var_dir: Path
    revision_before: str | None
    handed_again: int  # portal answers to hand to their runs again (resumed after Prefect was copied)


def read_manifest(folder: Path) -> dict:
    path = folder / io.MANIFEST
    if not path.is_file():
        raise io.BackupError(f"不是完整的备份：缺少 {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise io.BackupError(f"备份清单无法读取：{path}（{exc}）") from None


def verify(folder: Path) -> dict:
    """The manifest, when every file matches it; otherwise refuse, naming the first file."""
    manifest = read_manifest(folder)
    problems = io.mismatches(folder, manifest)
    if problems:
        more = f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""
        raise io.BackupError(f"备份与清单不符，拒绝恢复：{problems[0]}{more}")
    return manifest


def _check_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from adapters.db import alembic_config

    if revision is None:
        raise io.BackupError("备份清单未记载数据库版本（alembic_version），拒绝恢复")
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = script.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise io.BackupError(f"备份的数据库版本 {revision} 比本程序新（本程序最高为 "
                             f"{', '.join(script.get_heads())}）：请先升级程序再恢复")


def _check_empty(places: sources.Places, manifest: dict, prefect_target: str | None) -> None:
    var = places.var_dir
    if var.exists() and (not var.is_dir() or any(var.iterdir())):
        raise io.BackupError(f"恢复目标不是空的：{var}（只能恢复到空的 var 文件夹）")
    kinds = {"数据库": (places.database_url, manifest["database"]["kind"])}
    if prefect_target:
        kinds["Prefect 数据库"] = (prefect_target, manifest["prefect"]["kind"])
    for label, (url, kind) in kinds.items():
        path = io.sqlite_path(url)
        if (kind == "sqlite") != (path is not None):
            raise io.BackupError(f"{label}类型不符：备份为 {kind}，目标为 {url.split(':')[0]}")
        if path is not None and path.exists():
            raise io.BackupError(f"恢复目标不是空的：{path} 已存在")
        if path is None and io.pg_tables(url):
            raise io.BackupError(f"恢复目标不是空的：{label} {url.rsplit('/', 1)[-1]} 中已有数据表")


def restore_backup(folder: Path, prefect_url: str | None = None, prefect_storage: Path | None = None) -> Restored:
    """Restore `folder` into the service the settings name. Prefect's database goes into
    `prefect_url` (empty), else the server's setting (PREFECT_SERVER_DATABASE_CONNECTION_URL),
    else where `make run` keeps it: var/prefect/prefect.db, or — a PostgreSQL dump — the file
    var/prefect/restore.pgdump, which `make run` restores into its new var/prefect-pg cluster
    at its first start (deployments/run_all.py). Prefect's results go into `prefect_storage`
    (empty), else PREFECT_LOCAL_STORAGE_PATH, else var/prefect/storage."""
    manifest = verify(folder)
    db = manifest["database"]
    _check_revision(db.get("alembic_revision"))
    settings = get_settings()
    places = sources.current(settings, prefect_url, prefect_storage, discover=False)
    prefect_target = prefect_url or os.environ.get(sources.PREFECT_DB_ENV)
    deferred = not prefect_target and (manifest.get("prefect") or {}).get("kind") == "postgresql"
    if deferred and settings.prefect_database == "sqlite":
        raise io.BackupError("备份的 Prefect 数据库为 PostgreSQL，而 SUPERVISION_PREFECT_DATABASE=sqlite：请改为 auto 或 postgres")
    if not prefect_target and manifest.get("prefect") and not deferred:
        prefect_target = f"sqlite+aiosqlite:///{places.prefect_sqlite}"
    _check_empty(places, manifest, None if deferred else prefect_target)
    storage_inside = places.prefect_storage.resolve().is_relative_to(places.var_dir.resolve())
    if not storage_inside and places.prefect_storage.exists() and any(places.prefect_storage.iterdir()):
        raise io.BackupError(f"恢复目标不是空的：{places.prefect_storage}")

    staging = places.var_dir.with_name(f".{places.var_dir.name}.restoring-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    try:
        io.copy_tree(folder / "uploads", staging / "uploads")
        io.copy_tree(folder / "prefect-storage", staging / places.prefect_storage.resolve().relative_to(
            places.var_dir.resolve()) if storage_inside else places.prefect_storage)
        for name in manifest.get("secrets", []):
            shutil.copy2(folder / "secrets" / name, staging / name)
            os.chmod(staging / name, 0o600)
        _put_database(folder / db["file"], places.database_url, places.var_dir, staging)
        if deferred:
            (staging / "prefect").mkdir(exist_ok=True, mode=0o700)
            shutil.copyfile(folder / manifest["prefect"]["file"], staging / sources.PREFECT_RESTORE)
        elif manifest.get("prefect"):
            _put_database(folder / manifest["prefect"]["file"], prefect_target, places.var_dir, staging)
        if places.var_dir.exists():
            places.var_dir.rmdir()  # empty, as checked
        os.replace(staging, places.var_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    from adapters.db import reset_engines, upgrade

    reset_engines()
    upgrade()
    handed = _hand_again(datetime.fromisoformat(manifest["prefect_taken_at"])) if manifest.get("prefect") else 0
    return Restored(places.var_dir, db.get("alembic_revision"), handed)


def _put_database(source: Path, url: str, var_dir: Path, staging: Path) -> None:
    path = io.sqlite_path(url)
    if path is None:
        io.pg_restore(url, source)
        return
    path = path.resolve()
    inside = path.is_relative_to(var_dir.resolve())
    target = staging / path.relative_to(var_dir.resolve()) if inside else path
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def _hand_again(prefect_taken_at: datetime) -> int:
    """Portal answers handed to their run after Prefect's database was copied: the restored
    Prefect has not seen them, so they go back to pending and the portal hands them over again
    (a resume first reads Prefect's stored answer: one that did arrive is not given twice)."""
    from sqlalchemy import update
    from sqlmodel import col

    from adapters.db import session_scope
    from models import PortalSubmission

    with session_scope() as s:
        result = s.exec(update(PortalSubmission)
                        .where(col(PortalSubmission.resume_status).in_(["resumed", "resuming"]))
                        .where(col(PortalSubmission.resumed_at).is_(None)
                               | (col(PortalSubmission.resumed_at) >= prefect_taken_at))
                        .values(resume_status="pending", resume_claimed_at=None))
        return result.rowcount

