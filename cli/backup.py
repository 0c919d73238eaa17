"""`supervise backup DIR` and `supervise restore DIR` (procedures/backups): typer-ready commands.

Exit 0 on success, 1 when the backup or restore is refused or fails (the reason on stderr, in
Chinese, naming the file or database), 2 when there is no database to back up.
"""

from pathlib import Path
from typing import Annotated

import typer

PrefectDb = Annotated[str, typer.Option("--prefect-database", help="Prefect 服务器的数据库地址（默认：自动查找）")]


def backup(folder: Annotated[Path, typer.Argument(help="备份存放的文件夹（在其中新建一个以时间命名的子文件夹）")],
           prefect_database: PrefectDb = "") -> None:
    """备份：服务运行时取得一致的副本（数据库、上传文件、密钥、Prefect 状态），附带校验清单。"""
    from adapters.backup import BackupError
    from cli.database import require_database
    from procedures.backups.take import take_backup

    require_database()
    try:
        taken = take_backup(folder, prefect_database or None)
    except BackupError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    m = taken.manifest
    head = m["audit_head"]
    typer.echo(f"已备份到 {taken.folder}：{len(m['files'])} 个文件，{taken.bytes / 1e6:.1f} MB；"
               f"数据库 {m['database']['kind']}（版本 {m['database']['alembic_revision']}），"
               f"上传文件 {m['uploads']} 个，Prefect 状态{'已包含' if m['prefect'] else '未找到（未包含）'}"
               + (f"，审计链头 #{head['seq']} {head['hash'][:16]}…" if head else ""))


def restore(folder: Annotated[Path, typer.Argument(help="一次备份的文件夹（含 manifest.json）")],
            prefect_database: PrefectDb = "") -> None:
    """恢复：把核验无误的备份恢复到空的 var 文件夹（或空数据库），再升级到当前版本。"""
    from adapters.backup import BackupError
    from procedures.backups.restore import restore_backup

    try:
        done = restore_backup(folder, prefect_database or None)
    except BackupError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已恢复到 {done.var_dir}（备份时数据库版本 {done.revision_before}，已升级到当前版本）"
               + (f"；{done.handed_again} 份门户提交将重新交给等待中的流程" if done.handed_again else ""))
