"""`supervise report year 2026 [--agency X]`: the year's 年度技能人才评价质量督导工作情况报告 (issue 18
part 4) as a .docx in our letters' layout and an .xlsx with every table — the desk's own numbers
(procedures.desk.year_report). Without --agency: the provincial centre's report on the province.

A typer sub-app: cli/app.py registers it as `report`.
"""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.database import require_database

report_app = typer.Typer(help="年度工作情况报告：.docx（公文格式）与 .xlsx（全部统计表）", no_args_is_help=True)


@report_app.callback()
def _group() -> None:
    """年度工作情况报告（一个命令组：supervise report year …）。"""


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(code)


@report_app.command("year")
def year(year: Annotated[int, typer.Argument(help="年度，如 2026")],
         agency: Annotated[str, typer.Option("--agency", help="出具报告的委派机构编码（默认 PROV，省就业人才中心）")] = "PROV",
         scope: Annotated[str | None, typer.Option(
             "--scope", help="统计范围：province、city:字母 或 agency:机构编码（默认本机构的范围）")] = None,
         out: Annotated[Path, typer.Option("--out", help="输出目录（默认当前目录）")] = Path("."),
         as_of: Annotated[str | None, typer.Option("--as-of", help="状态截至日期 YYYY-MM-DD（默认今天）")] = None):
    """生成年度技能人才评价质量督导工作情况报告（.docx）及全部统计表（.xlsx），数字与工作台统计一致。"""
    if not 2000 <= year <= 2100:
        _fail(f"年度：应为四位年份，如 2026，实际为“{year}”", 2)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        _fail(f"--as-of：日期应为 YYYY-MM-DD，实际为“{as_of}”", 2)
    require_database()
    from adapters.db import session_scope
    from procedures.desk.statistics_scope import StatisticsError
    from procedures.desk.year_report import year_report

    try:
        with session_scope() as s:
            report = year_report(s, agency, year, scope, as_of=day)
            s.rollback()  # a read: nothing to keep
    except StatisticsError as e:
        _fail(str(e), 2)
    out.mkdir(parents=True, exist_ok=True)
    docx, xlsx = out / f"{report.stem}.docx", out / f"{report.stem}.xlsx"
    docx.write_bytes(report.docx)
    xlsx.write_bytes(report.xlsx)
    cov = report.stats.table("coverage")
    typer.echo(f"{report.title}\n  {docx}\n  {xlsx}\n  登记场次 {cov.value('合计', '登记场次')}，"
               f"已督导 {cov.value('合计', '已督导场次')}，覆盖率 {cov.value('合计', '覆盖率')}")
