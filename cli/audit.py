"""`supervise audit …`: the tamper-evident case file (issue 22) from the command line.

- `verify [--case REF]` walks the audit log, the live rows and the stored uploads; prints 「完整」
  or the first entry that does not match (its number, what it describes, why) and exits 1.
- `init` appends the genesis batch: every audited row written before the log existed (0020), once.
- `seal [--day]` seals a day by hand (the daily sweep does it otherwise).

A typer sub-app: cli/app.py registers it as `audit`.
"""

import re
from datetime import date
from typing import Annotated

import typer

from cli.database import require_database

audit_app = typer.Typer(help="审计日志：案卷记录的防篡改核对（哈希链、每日封存）", no_args_is_help=True)

CASE_REF = re.compile(r"^(inspection|sanction|internal|misconduct|plan):\d+$")


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(code)


@audit_app.command("verify")
def verify(case: Annotated[str | None, typer.Option(
        "--case", help="只核对一个案件的记录，如 inspection:12（日常、专项督导）、sanction:5、internal:7、misconduct:2、plan:3（随机抽查计划）")] = None,
           no_files: Annotated[bool, typer.Option("--no-files", help="不逐个核对上传文件的 SHA-256（更快）")] = False):
    """逐条核对审计日志：哈希链、序号、封存值、所记载的行与上传文件。完整时输出「完整」；否则指出第一处不符并以 1 退出。"""
    if case is not None and not CASE_REF.match(case.strip()):
        _fail(f"--case 应形如 inspection:12、sanction:5、internal:7、misconduct:2 或 plan:3，实际为“{case}”", 2)
    require_database()
    from adapters.db import session_scope
    from procedures.casework.audit_verify import snapshot_session
    from procedures.casework.audit_verify import verify as walk

    with session_scope() as s:
        report = walk(snapshot_session(s), case.strip() if case else None, files=not no_files)
        s.rollback()  # a read: nothing to keep
    if report.ok:
        typer.echo(f"完整（{report.entries} 条审计记录，核对 {report.rows} 行、{report.files} 个文件）")
        return
    first = report.first
    typer.echo(f"不完整：{first.line()}")
    if len(report.problems) > 1:
        typer.echo(f"另有 {len(report.problems) - 1} 处问题：")
        for p in sorted(report.problems, key=lambda p: (p.seq is None, p.seq or 0))[1:21]:
            typer.echo(f"  {p.line()}")
    raise typer.Exit(1)


@audit_app.command("init")
def init():
    """把升级到审计日志之前已有的案卷记录一次性登记为起始记录（genesis）；重复运行不会重复登记。"""
    require_database()
    from adapters import audit
    from adapters.db import session_scope

    with session_scope() as s:
        total = audit.genesis(s.connection(), lambda name, n: typer.echo(f"{name}：登记 {n} 行") if n else None)
    typer.echo(f"起始记录已登记：共 {total} 行")


@audit_app.command("seal")
def seal(day: Annotated[str | None, typer.Option("--day", help="封存日期（YYYY-MM-DD），默认今天")] = None):
    """封存某日的链头哈希（每日巡检会自动封存），并发送给省级中心。"""
    try:
        on = date.fromisoformat(day.strip()) if day else None
    except ValueError:
        _fail(f"--day 应为有效日期（YYYY-MM-DD），实际为“{day}”", 2)
    require_database()
    from adapters import clock
    from adapters.db import session_scope
    from procedures.casework.audit_seal import seal_day

    with session_scope() as s:
        sealed = seal_day(s, on or clock.today())
        if sealed is None:
            typer.echo("审计日志为空，无需封存")
            return
        typer.echo(f"{sealed.day} 已封存：第 {sealed.head_seq} 条，哈希 {sealed.head_hash}")
