"""`supervise staff password CODE`: the desk's sign-in password of one staff account (issue 18).

The password is asked twice with the input hidden (never an argument: it would stay in the
shell's history) and kept only as a salted scrypt hash; setting it ends the account's open
desk sessions. `supervise staff disable CODE` (cli/roster.py) ends them too.
"""

from typing import Annotated

import typer


def staff_password(code: Annotated[str, typer.Argument(help="工号（如 0007）或完整的工作人员代码")]):
    """设置或重设本人登录工作台的密码（输入两次，不显示）；该账号已登录的会话随即失效。"""
    from adapters.db import session_scope, upgrade
    from procedures.desk import auth

    password = typer.prompt("新密码（至少10个字符）", hide_input=True, confirmation_prompt="再次输入新密码")
    upgrade()
    try:
        with session_scope() as s:
            row = auth.set_password(s, code, password)
            who = f"{row.name}（{row.agency_id}·{row.role}，工号 {row.id:04d}）"
    except auth.PasswordError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"已设置工作台登录密码：{who}。该账号已登录的会话已全部失效。")
