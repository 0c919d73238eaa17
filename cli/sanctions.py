"""`supervise institution show CODE` and `supervise register export`: an institution's status,
open measures and deadlines (inside the agency), and the public register (第二十二条, 第二十三条)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.database import require_database

institution_app = typer.Typer(help="评价机构：状态、未结处理和期限", no_args_is_help=True)
register_app = typer.Typer(help="处理情况公布（第二十二条、第二十三条）", no_args_is_help=True)

STATUS = {"active": "正常", "suspended": "暂停评价活动（整改中）", "revoked": "已撤销备案回执"}


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


@institution_app.command("show")
def institution_show(code: Annotated[str, typer.Argument(help="备案编号")],
                     as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False):
    """评价机构的备案状态、未结的处理案件及其期限、监管档案。"""
    from sqlmodel import col, select

    from adapters.db import session_scope
    from models import Institution, InstitutionHistory, SanctionCase
    from procedures.sanctions.common import OPEN_STATUSES, STATUS_NAMES

    require_database()
    with session_scope() as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == code.strip())).first()
        if inst is None:
            _fail(f"备案编号：找不到“{code.strip()}”")
        cases = s.exec(select(SanctionCase).where(SanctionCase.institution_id == inst.id,
                                                  col(SanctionCase.status).in_(OPEN_STATUSES))
                       .order_by(SanctionCase.id))
        open_cases = [{"case_id": c.id, "case_number": c.number or f"第{c.id}号", "status": STATUS_NAMES[c.status], "measure": _measure_name(c),
                       "article": c.proposal.get("article", c.finding_case),
                       # the defence period while it runs; a decided case has none left to state
                       "hearing_due": c.hearing_due if c.status == "hearing" and c.hearing_closed_on is None else None,
                       "rectification_due": c.rectification_due} for c in cases]
        pending = _pending_cases(s, inst.id)
        history = [{"on": h.on, "text": h.text, "number": h.number, "article": h.article} for h in s.exec(
            select(InstitutionHistory).where(InstitutionHistory.institution_id == inst.id)
            .order_by(InstitutionHistory.on, InstitutionHistory.id))]
        payload = {"name": inst.name, "filing_number": inst.filing_number, "status": STATUS.get(inst.status, inst.status),
                   "open_cases": open_cases, "pending_cases": pending, "history": history}
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
        return
    lines = [f"{payload['name']}（{payload['filing_number']}）：{payload['status']}", "未结处理："]
    for c in open_cases:
        due = "；".join(x for x in (f"陈述申辩期限 {c['hearing_due']}" if c["hearing_due"] else "",
                                   f"整改期限 {c['rectification_due']}" if c["rectification_due"] else "") if x)
        lines.append(f"  案件 {c['case_number']} {c['measure']}（{c['article']}）：{c['status']}{('；' + due) if due else ''}")
    for p in pending:
        lines.append(f"  待处理案件{p['pending_id']} {p['kind']}（{p['article']}）：{p['opened_on']} 登记，尚未启动")
    if not open_cases and not pending:
        lines.append("  无")
    lines.append("监管档案：")
    lines += [f"  {h['on']} {h['text']} {h['number']} {h['article']}".rstrip() for h in history] or ["  无"]
    typer.echo("\n".join(lines))


def _measure_name(case) -> str:
    """The measure decided, or while undecided the one proposed."""
    from regulation.sanctions import MEASURE_NAMES

    if case.decided_on is not None and case.measure:
        return MEASURE_NAMES.get(case.measure, case.measure)
    return case.proposal.get("measure_name", "")


PENDING_KINDS = {"sanction": "待启动处理程序", "special_inspection": "待转专项督导"}


def _pending_cases(s, institution_id: int) -> list[dict]:
    """Findings registered for a later procedure that none has taken up yet (a taken-up one is a
    case above): they are open too — a resumption or a new filing is weighed against them."""
    from procedures.sanctions.status import untaken_pending

    rows = untaken_pending(s, institution_id)
    return [{"pending_id": p.id, "kind": PENDING_KINDS.get(p.kind, p.kind), "article": p.article or "未列条款",
             "opened_on": p.opened_on} for p in rows]


@register_app.command("export")
def register_export(fmt: Annotated[str, typer.Option("--format", help="csv 或 json")] = "csv",
                    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件（默认输出到屏幕）")] = None):
    """导出对社会公布的处理情况（与门户 /register.csv、/register.json 相同）。"""
    from procedures.casework import register

    if fmt not in ("csv", "json"):
        _fail(f"--format：应为 csv 或 json，实际为“{fmt}”")
    require_database()
    rows = register.entries()
    text = register.as_csv(rows) if fmt == "csv" else register.as_json(rows)
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"已导出 {len(rows)} 条到 {output}")
    else:
        typer.echo(text.lstrip("\ufeff"))
