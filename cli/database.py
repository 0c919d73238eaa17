"""The CLI's check before it reads the database: a fresh clone (no database yet) or a database
behind the code gets a Chinese sentence saying what to run and exit 2, never a SQLAlchemy
traceback, and nothing is created (an engine on a missing SQLite file would create it empty)."""

import typer

NOT_CREATED = "数据库尚未建立：请先运行 supervise db upgrade（或 make run）"
OUTDATED = "数据库尚未升级到当前版本：请先运行 supervise db upgrade（或 make run）"


def require_database() -> None:
    from sqlalchemy.engine import make_url

    from adapters.db import database_url, schema_problem

    try:
        problem = schema_problem()
    except Exception as exc:  # noqa: BLE001 — a server that is down or refuses us: say so, plainly
        shown = make_url(database_url()).render_as_string(hide_password=True)
        typer.echo(f"错误：无法连接数据库（{shown}）：{type(exc).__name__}", err=True)
        raise typer.Exit(2) from None
    if problem:
        typer.echo(f"错误：{NOT_CREATED if problem == 'missing' else OUTDATED}", err=True)
        raise typer.Exit(2)
