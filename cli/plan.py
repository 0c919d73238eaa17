"""`supervise plan …`: the random inspection plan (双随机、一公开, 第十五条) from the command line.

- `verify PLAN` re-runs the draw from the published data (hash, seed, candidate list) and shows that
  it gives the same list (exit 1 when it does not).
- `session-cancelled BATCH --on DAY`: record that the institution cancelled a session (the sweep then
  records it on every plan that chose it and tells the agency; it is not replaced).
A typer app: cli/app.py adds it with `app.add_typer(plan_app, name="plan")`.
"""

from typing import Annotated

import typer

from cli.database import require_database

plan_app = typer.Typer(help="随机抽查计划（“双随机、一公开”，第十五条）", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


@plan_app.command("verify")
def verify(plan: Annotated[str, typer.Argument(help="抽查计划序号或编号，如 3 或 CITY-A-20260401-20260630-1")]):
    """按公布的候选名单、哈希和随机种子重新抽取，核对与计划的抽取结果是否一致。"""
    from procedures.sampling.verify import PlanNotFound
    from procedures.sampling.verify import verify as run

    require_database()
    try:
        result = run(plan)
    except PlanNotFound as exc:
        _fail(str(exc))
    for line in result.lines():
        typer.echo(line)
    if not result.ok:
        raise typer.Exit(1)


@plan_app.command("session-cancelled")
def session_cancelled(batch: Annotated[str, typer.Argument(help="批次编号")],
                      on: Annotated[str, typer.Option("--on", help="取消日期（YYYY-MM-DD）")]):
    """登记评价机构已取消某场次：期限巡检将在选中该场次的抽查计划中记录，并告知委派机构（不补抽）。"""
    from datetime import date

    from sqlmodel import select

    from adapters.db import session_scope
    from models import EvaluationSession

    try:
        day = date.fromisoformat(on.strip())
    except ValueError:
        _fail(f"--on 取消日期：应为有效日期（YYYY-MM-DD），实际为“{on}”")
    require_database()
    with session_scope() as s:
        sess = s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == batch.strip())).first()
        if sess is None:
            _fail(f"批次编号：没有批次“{batch}”")
        sess.cancelled_on = day
        s.add(sess)
    typer.echo(f"已登记：批次 {batch.strip()} 于 {day} 取消")
