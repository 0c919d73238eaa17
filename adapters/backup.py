"""Backup I/O: consistent copies of a running database, files with their SHA-256, the manifest.

A SQLite database is copied with SQLite's online backup API (one step: a consistent snapshot
while the service writes, WAL readers never block writers); a PostgreSQL database with
`pg_dump --format=custom` and put back with `pg_restore`, both found beside the server binaries
(deployments.postgres.find_bin_dir) or on PATH. Errors say, in Chinese, which file or database.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the person who ran it."""


# -- files -----------------------------------------------------------------------------------
def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def copy_tree(source: Path, target: Path) -> int:
    """Copy every finished file under `source` (names starting with "." are files being written:
    adapters/uploads.py renames them into place), keeping the layout; returns how many."""
    count = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(source).parts):
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copy2(path, dest)
            count += 1
    return count


def inventory(folder: Path) -> dict[str, dict]:
    """Every file under `folder` but the manifest: its path (POSIX, relative), size and SHA-256."""
    return {path.relative_to(folder).as_posix(): {"size": path.stat().st_size, "sha256": sha256_file(path)}
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MANIFEST}


def write_json_atomically(path: Path, payload: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def mismatches(folder: Path, manifest: dict) -> list[str]:
    """Why `folder`'s files are not the ones its manifest lists, one sentence each (empty: they are)."""
    listed, found = manifest.get("files", {}), inventory(folder)
    problems = [f"文件缺失：{name}" for name in sorted(set(listed) - set(found))]
    problems += [f"清单外的文件：{name}" for name in sorted(set(found) - set(listed))]
    for name in sorted(set(listed) & set(found)):
        if listed[name].get("size") != found[name]["size"]:
            problems.append(f"文件大小与清单不符：{name}（清单 {listed[name].get('size')} 字节，实际 {found[name]['size']} 字节）")
        elif listed[name].get("sha256") != found[name]["sha256"]:
            problems.append(f"文件内容与清单不符（SHA-256）：{name}")
    return problems


# -- SQLite ----------------------------------------------------------------------------------
def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API, in one step)."""
    if not source.is_file():
        raise BackupError(f"数据库文件不存在：{source}")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def sqlite_query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- PostgreSQL ------------------------------------------------------------------------------
def _pg_binary(name: str) -> str:
    import glob

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(f"找不到 PostgreSQL 工具 {name}（请安装 postgresql-client）")


def _pg_args(url: str) -> tuple[list[str], dict]:
    """libpq arguments and environment for a SQLAlchemy URL (any driver: psycopg, asyncpg)."""
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    env = {k: v for k, v in os.environ.items() if k != "SUPERVISION_SERVICE_MARK"}
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def _run(cmd: list[str], env: dict, what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise BackupError(f"{what}失败（{done.returncode}）：{(done.stderr or done.stdout).strip()[-800:]}")


def pg_dump(url: str, target: Path) -> None:
    args, env = _pg_args(url)
    _run([_pg_binary("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges",
          "-f", str(target), make_url(url).database], env, f"pg_dump（数据库 {make_url(url).database}）")


def pg_restore(url: str, source: Path) -> None:
    args, env = _pg_args(url)
    _run([_pg_binary("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
          "-d", make_url(url).database, str(source)], env, f"pg_restore（数据库 {make_url(url).database}）")


def pg_query(url: str, sql: str) -> list[tuple]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    u = make_url(url).set(drivername="postgresql+psycopg")
    engine = create_engine(u, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def pg_tables(url: str) -> list[str]:
    return [row[0] for row in pg_query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
