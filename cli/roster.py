"""`supervise roster template|import|export`: the agency's Excel rosters."""

from pathlib import Path
from typing import Annotated

import typer

from procedures.roster_schema import KIND_NAMES

roster_app = typer.Typer(help="名册：Excel 模板、导入、导出（评价机构、督导员、评价计划及场次、委派机构工作人员）",
                         no_args_is_help=True)
KINDS_HELP = "；".join(f"{k}（{v}）" for k, v in KIND_NAMES.items())


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def _kind(kind: str) -> str:
    if kind not in KIND_NAMES:
        _fail(f"名册类型应为 {KINDS_HELP} 之一，实际为 {kind!r}")
    return kind


@roster_app.command("template")
def template(kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
             output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件（.xlsx）")] = None):
    """生成带中文表头、示例行、下拉选项和填写说明的名册模板。"""
    from procedures.rosters import write_template

    path = output or Path(f"{KIND_NAMES[_kind(kind)]}名册模板.xlsx")
    write_template(kind, path)
    typer.echo(f"已生成模板：{path}")


@roster_app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="名册文件（.xlsx）")],
            dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False):
    """校验并导入名册：任何一行有错则整份文件不写入；重复导入不产生变化。"""
    from adapters.db import upgrade
    from procedures.rosters import RosterRejected, import_roster

    if not file.is_file():
        _fail(f"文件不存在：{file}")
    upgrade()
    try:
        report = import_roster(file, dry_run=dry_run)
    except RosterRejected as exc:
        typer.echo(exc.report.text(), err=True)
        raise typer.Exit(1) from None
    typer.echo(report.text())


@roster_app.command("export")
def export(kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
           output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件（.xlsx）")] = None):
    """按模板格式导出系统中的名册（导出的文件可原样再导入）。"""
    from adapters.db import upgrade
    from procedures.rosters import export as export_kind

    path = output or Path(f"{KIND_NAMES[_kind(kind)]}名册.xlsx")
    upgrade()
    n = export_kind(kind, path)
    typer.echo(f"已导出 {n} 行：{path}")
