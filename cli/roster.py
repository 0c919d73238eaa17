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


supervisor_app = typer.Typer(help="督导员：证卡打印、档案（第十条、第二十六条、附件2）", no_args_is_help=True)


@supervisor_app.command("card")
def card(code: Annotated[str, typer.Argument(help="证卡编码")],
         output: Annotated[Path | None, typer.Option("--output", "-o", help="输出文件（.docx）")] = None,
         pdf: Annotated[bool, typer.Option("--pdf", help="同时生成 PDF（需安装 LibreOffice）")] = False):
    """生成可打印的证卡（附件2：80×110mm，正反两面，照片位 2.5×3.5cm）。"""
    from sqlmodel import select

    from adapters.cards_docx import to_pdf
    from adapters.db import session_scope, upgrade
    from models import Supervisor
    from procedures.supervisors import card_docx

    upgrade()
    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == code.strip().upper())).first()
        if sup is None:
            _fail(f"系统中没有证卡编码为 {code} 的督导员")
        content = card_docx(s, sup.id)
    path = output or Path(f"证卡-{code.upper()}.docx")
    path.write_bytes(content)
    typer.echo(f"已生成证卡：{path}")
    if pdf:
        converted = to_pdf(content)
        if converted is None:
            _fail("未找到 LibreOffice（soffice），无法生成 PDF；.docx 已生成")
        path.with_suffix(".pdf").write_bytes(converted)
        typer.echo(f"已生成 PDF：{path.with_suffix('.pdf')}")


@supervisor_app.command("file")
def supervisor_file(code: Annotated[str, typer.Argument(help="证卡编码")]):
    """查看督导员档案（登记、考核、证卡、聘任、处理，按日期）。保密（第八条），仅限委派机构。"""
    from sqlmodel import select

    from adapters.db import session_scope, upgrade
    from models import Supervisor
    from models.lifecycle import SupervisorFileEntry

    upgrade()
    with session_scope() as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == code.strip().upper())).first()
        if sup is None:
            _fail(f"系统中没有证卡编码为 {code} 的督导员")
        entries = s.exec(select(SupervisorFileEntry).where(SupervisorFileEntry.person_key == sup.person_key)
                         .order_by(SupervisorFileEntry.on, SupervisorFileEntry.id))
        typer.echo(f"{sup.name}（{sup.card_code}）证卡状态：{sup.card_status}，状态：{sup.status}")
        for e in entries:
            typer.echo(f"{e.on}  {e.text}")


agency_app = typer.Typer(help="委派机构", no_args_is_help=True)


@agency_app.command("init")
def agency_init(email_domain: Annotated[str, typer.Option(help="各委派机构邮箱的域名")] = "example.gov.cn"):
    """建立省就业人才中心和16个设区市委派机构（附件1 表3），已有则不变。"""
    from adapters.db import session_scope, upgrade
    from cli.demo_data import add_agencies

    upgrade()
    with session_scope() as s:
        add_agencies(s, email_domain)
    typer.echo("委派机构已就绪：PROV（省就业人才中心）、CITY-A … CITY-R（各设区市）")
