"""`supervise internal coverage` and `supervise internal record`: what an agency sees of internal
supervision (第十六条 全覆盖, 第四条) from the command line — the same numbers and the same
record as the `internal-supervision-report` run; a record only for its owning agency (第八条),
read with the reader's staff code. Plain functions: cli/app.py registers them on `internal`.
"""

from pathlib import Path
from typing import Annotated

import typer

from cli.database import require_database

COLUMNS = ("场次", "内督记录", "按时", "缺失", "未到期", "内督不合格", "整改已交", "整改逾期", "内合格外不合格", "风险权重")


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def _day(text: str, title: str):
    from datetime import date

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(f"{title}：应为有效日期（YYYY-MM-DD），实际为“{text}”")


def coverage(agency: Annotated[str, typer.Option("--agency", help="委派机构编码，如 CITY-A；PROV 可看全部")],
             from_: Annotated[str, typer.Option("--from", help="期间开始日期（评价场次计划开始日期，YYYY-MM-DD）")],
             to: Annotated[str, typer.Option("--to", help="期间结束日期（含当日，YYYY-MM-DD）")],
             csv: Annotated[Path | None, typer.Option("--csv", help="另存为 CSV 文件（UTF-8，Excel 可打开）")] = None):
    """内督覆盖情况：各评价机构的场次、内督记录、按时、缺失、内督不合格及整改说明，内外督结果对照（第十六条、第四条）。"""
    from adapters.db import session_scope
    from procedures.internal.coverage import CoverageError
    from procedures.internal.coverage import coverage as count
    from procedures.internal.coverage_report import coverage_csv

    start, end = _day(from_, "--from 期间开始日期"), _day(to, "--to 期间结束日期")
    require_database()
    with session_scope() as s:
        try:
            report = count(s, start, end, agency_id=agency)
        except CoverageError as exc:
            _fail(str(exc))
    if csv is not None:
        csv.write_text(coverage_csv(report), encoding="utf-8-sig")
    typer.echo(f"内督覆盖情况 {report.agency.name}（{report.agency.id}）{start} 至 {end}，统计日 {report.as_of}")
    typer.echo("\t".join(("评价机构", "备案编号") + COLUMNS))
    for row in [*report.rows, report.total]:
        c = row.coverage
        typer.echo("\t".join(str(x) for x in (
            row.name, row.filing_number, c.sessions, c.recorded, c.on_time, c.missing, c.pending, c.failed,
            c.followups_done, c.followups_overdue, row.signal.diverging,
            f"{row.risk_weight:.2f}" if row.institution_id else "")))
    for row in report.flagged:
        typer.echo(f"风险信号（内督合格而外督不合格）：{row.name}（{row.filing_number}）{'、'.join(row.diverging_batches)}")
    if csv is not None:
        typer.echo(f"已另存：{csv}")


def record(batch: Annotated[str, typer.Argument(help="批次编号")],
           agency: Annotated[str, typer.Option("--agency", help="委派机构编码（须负责该场次的评价机构，第八条）")],
           staff_code: Annotated[str, typer.Option("--staff-code", help="查阅人本人的工作人员代码")]):
    """一个场次的内督记录表（附件3）：逐项回答、评定结果、整改说明。仅限负责该机构的委派机构查阅（第八条）。"""
    from adapters.clock import today
    from adapters.db import session_scope
    from adapters.markdown_text import as_plain
    from procedures.internal.coverage import InternalRecordView, internal_record_view
    from procedures.internal.coverage_report import check_request, record_markdown, signer

    require_database()
    refusal = check_request(agency, "", "", today())
    if refusal:
        _fail(refusal)
    decider = signer(staff_code, agency)
    if isinstance(decider, str):
        _fail(decider)
    with session_scope() as s:
        view = internal_record_view(s, batch, agency)
    if not isinstance(view, InternalRecordView):
        _fail(view)
    typer.echo(as_plain(record_markdown(view)))
    typer.echo(f"\n查阅人：{decider.label}")
