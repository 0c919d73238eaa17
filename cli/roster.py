"""`supervise roster template|import|export`: the agency's Excel rosters."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.desk import staff_password
from procedures.rosters.schema import KIND_NAMES

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
    from procedures.rosters.exporting import write_template

    path = output or Path(f"{KIND_NAMES[_kind(kind)]}名册模板.xlsx")
    write_template(kind, path)
    typer.echo(f"已生成模板：{path}")


@roster_app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="名册文件（.xlsx）")],
            dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False):
    """校验并导入名册：任何一行有错则整份文件不写入；重复导入不产生变化。"""
    from adapters.db import upgrade
    from procedures.rosters.importing import RosterRejected, import_roster

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
    from procedures.rosters.exporting import export as export_kind

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
    from procedures.supervisors.cards import card_docx

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
    from sqlmodel import select

    from adapters.db import session_scope, upgrade
    from cli.demo_data import add_agencies
    from models import Agency

    upgrade()
    with session_scope() as s:
        add_agencies(s, email_domain, sample_letterheads=False)
        unset = [a.id for a in s.exec(select(Agency).order_by(Agency.id)) if not a.letterhead.strip()]
    typer.echo("委派机构已就绪：PROV（省就业人才中心）、CITY-A … CITY-R（各设区市）")
    if unset:  # told on every init until each agency has stated its own
        typer.echo(f"提醒：{'、'.join(unset)} 尚未设置发文机关名称，文书暂以机构名称落款；"
                   "请用 supervise agency letterhead <编码> <名称> 设置（受委托的写明委托机关）", err=True)


@agency_app.command("letterhead")
def agency_letterhead(agency: Annotated[str, typer.Argument(help="委派机构编码，如 PROV、CITY-A")],
                      name: Annotated[str | None, typer.Argument(
                          help="发文机关名称，如 济南市人力资源和社会保障局；受委托的写明委托机关，"
                               "如 山东省就业人才中心（受山东省人力资源和社会保障厅委托）。不填则显示当前名称")] = None):
    """设置（或查看）本机构文书的发文机关名称：文书版头和落款均用此名称。"""
    from adapters.db import session_scope, upgrade
    from models import Agency

    upgrade()
    with session_scope() as s:
        row = s.get(Agency, agency.strip().upper())
        if row is None:
            _fail(f"委派机构编码：没有编码为“{agency}”的委派机构（先运行 supervise agency init）")
        if name is None:
            typer.echo(f"{row.id} 发文机关：{row.letterhead_name}" + ("" if row.letterhead.strip() else "（未设置，用机构名称）"))
            return
        value = " ".join(name.split())
        if not value:
            _fail("发文机关名称：不能为空")
        if len(value) > 128 or any(not ch.isprintable() for ch in value):
            _fail("发文机关名称：应为不超过 128 字的一行文字")
        row.letterhead = value
        s.add(row)
    typer.echo(f"已设置 {agency.strip().upper()} 的发文机关：{value}（此后生成的文书用此名称，已生成的文书不变）")


def _day(value: str | None) -> date:
    from adapters.clock import today

    if not value:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"日期应为 YYYY-MM-DD 格式，实际为 {value!r}")


def _procedure(fn):
    """Run a procedure in one transaction; a rule violation exits 1 with its Chinese reason."""
    from adapters.db import session_scope, upgrade
    from regulation.reasons import RuleViolation

    upgrade()
    try:
        with session_scope() as s:
            return fn(s)
    except RuleViolation as exc:
        _fail(str(exc))


DateOpt = Annotated[str | None, typer.Option("--date", help="日期（默认今天）")]


@supervisor_app.command("register")
def register(identity: Annotated[str, typer.Option(help="身份证号")], name: Annotated[str, typer.Option(help="姓名")],
             email: Annotated[str, typer.Option(help="电子邮箱")],
             attest: Annotated[str, typer.Option(help="已确认的第六条条件，如 一,二,三,四,五")],
             employer: str = "", city: str = "", phone: str = "",
             internal: Annotated[bool, typer.Option("--internal", help="内督员")] = False, day: DateOpt = None):
    """登记培训人员（第六条五项条件须逐项确认）。"""
    from procedures.supervisors.people import register as run

    attestations = {n.strip(): True for n in attest.replace("，", ",").split(",") if n.strip()}
    reg = _procedure(lambda s: run(s, person_key=identity, name=name, email=email, on=_day(day),
                                   attestations=attestations, employer=employer, city_letter=city.upper(),
                                   phone=phone, kind="internal" if internal else "external"))
    typer.echo(f"已登记，登记编号 {reg.id}")


@supervisor_app.command("assess")
def assess(identity: Annotated[str, typer.Option(help="身份证号")],
           kind: Annotated[str, typer.Option(help="training（培训）| assessment（考核）| renewal（续聘考核）")],
           passed: Annotated[bool, typer.Option("--passed/--failed", help="合格/不合格")],
           note: str = "", day: DateOpt = None):
    """登记培训、考核或续聘考核结果（第九条、第十条）。"""
    from procedures.supervisors.people import record_assessment

    _procedure(lambda s: record_assessment(s, identity.strip().upper(), kind, _day(day), passed, note))
    typer.echo("已登记")


@supervisor_app.command("issue-card")
def issue_external(registration: Annotated[int, typer.Option(help="登记编号")],
                   agency: Annotated[str, typer.Option(help="颁发机构代码：PROV 或 CITY-A … CITY-R")],
                   day: DateOpt = None):
    """核发外督证卡（第十条、附件1）：须经培训并考核合格。"""
    from procedures.supervisors.cards import issue_card

    code = _procedure(lambda s: issue_card(s, registration, agency.upper(), _day(day)).card_code)
    typer.echo(f"已核发外督证卡：{code}")


@supervisor_app.command("issue-internal-card")
def issue_internal(registration: Annotated[int, typer.Option(help="登记编号")],
                   category: Annotated[str, typer.Option(help="H 行业部门 / Y 用人单位 / S 社会培训评价组织")],
                   institution: Annotated[str, typer.Option(help="机构备案号")], day: DateOpt = None):
    """核发内督证卡（第十二条、附件1 二）：仅限本机构、本行业内部使用。"""
    from sqlmodel import select

    from models import Institution
    from procedures.supervisors.cards import issue_internal_card

    def run(s):
        inst = s.exec(select(Institution).where(Institution.filing_number == institution)).first()
        if inst is None:
            _fail(f"系统中没有备案号为 {institution} 的评价机构")
        return issue_internal_card(s, registration, category.upper(), inst.id, _day(day)).card_code

    typer.echo(f"已核发内督证卡：{_procedure(run)}")


misconduct_app = typer.Typer(help="督导员违规处理（第二十六条）", no_args_is_help=True)


def _supervisor_id(s, code: str) -> int:
    from sqlmodel import select

    from models import Supervisor

    sup = s.exec(select(Supervisor).where(Supervisor.card_code == code.strip().upper())).first()
    if sup is None:
        _fail(f"系统中没有证卡编码为 {code} 的督导员")
    return sup.id


@misconduct_app.command("open")
def misconduct_open(code: Annotated[str, typer.Argument(help="证卡编码")],
                    item: Annotated[int, typer.Option(help="第二十六条第几项（1-8）")],
                    facts: Annotated[str, typer.Option(help="违规事实")],
                    by: Annotated[str, typer.Option("--by", help="登记人")], day: DateOpt = None):
    """登记违规情形，立案核查。"""
    import uuid

    from procedures.supervisors.misconduct import open_case

    case = _procedure(lambda s: open_case(s, _supervisor_id(s, code), item, facts, _day(day), by,
                                          f"registered:{uuid.uuid4().hex}"))
    typer.echo(f"已立案，案件编号 {case.id}")


MEASURE_HELP = "criticism 批评教育 / suspension 暂停委派 / dismissal 解聘 / referral 移送司法机关（含解聘）"


@misconduct_app.command("hear")
def misconduct_hear(case: Annotated[int, typer.Argument(help="案件编号")],
                    measure: Annotated[str, typer.Option(help=f"拟作出的处理（告知书只写这一项）：{MEASURE_HELP}")],
                    months: Annotated[int | None, typer.Option(help="拟暂停委派的月数（1-24，仅 suspension）")] = None,
                    institution: Annotated[int | None, typer.Option(
                        help="内督证卡颁发机构代码对应多个评价机构时，颁发该证卡的评价机构编号")] = None,
                    day: DateOpt = None):
    """告知当事人事实、理由、依据和拟作出的处理（告知书 .docx 邮件送达，附本人陈述申辩链接）；
    内督员则向其委派机构（第十二条）提出处理建议。"""
    from models import Supervisor
    from models.lifecycle import MisconductCase
    from procedures.supervisors.misconduct_hearing import notify_hearing
    from procedures.supervisors.misconduct_internal import propose_to_appointing_body
    from regulation.misconduct import agency_decides

    def act(s):
        row = s.get(MisconductCase, case)
        if row is None:
            _fail(f"案件编号：没有编号为 {case} 的督导员违规案件")
        if not agency_decides(s.get(Supervisor, row.supervisor_id).kind):
            return propose_to_appointing_body(s, case, _day(day), measure.strip().lower(), institution, months)
        return notify_hearing(s, case, _day(day), measure.strip().lower(), months)

    c = _procedure(act)
    if c.status == "proposed":
        typer.echo(f"内督员由其委派机构处理（第十二条），已向{c.appointing_body}提出处理建议")
    else:
        typer.echo(f"已告知，陈述申辩期限至 {c.statement_due}（当事人通过本人链接提交）")


@misconduct_app.command("decide")
def misconduct_decide(case: Annotated[int, typer.Argument(help="案件编号")],
                      measure: Annotated[str, typer.Option(help=MEASURE_HELP)],
                      by: Annotated[str, typer.Option("--by", help="决定人")],
                      months: Annotated[int | None, typer.Option(help="暂停委派的月数（1-24）")] = None,
                      authority: Annotated[str, typer.Option(help="接收移送的司法机关名称（仅 referral）")] = "",
                      day: DateOpt = None):
    """作出处理决定并记入督导员档案；解聘同时取消证卡、禁入并通报所在单位；移送司法机关另出移送函。
    当事人的陈述申辩只能由其本人通过陈述申辩链接提交，不在此录入。"""
    from procedures.supervisors.misconduct import decide

    c = _procedure(lambda s: decide(s, case, measure.strip().lower(), _day(day), by, months,
                                    referral_authority=authority))
    typer.echo(f"已决定：{c.decision_text}")


@misconduct_app.command("reported-back")
def misconduct_reported_back(case: Annotated[int, typer.Argument(help="案件编号（已向委派机构提出处理建议的内督员案件）")],
                             measure: Annotated[str, typer.Option(help=f"委派机构作出的处理：{MEASURE_HELP}")],
                             by: Annotated[str, typer.Option("--by", help="登记人")], day: DateOpt = None):
    """登记内督员的委派机构对处理建议作出的处理结果（第十二条、第二十六条）；委派机构解聘的，
    同时记录禁入并取消该人员的全部证卡。"""
    from procedures.supervisors.misconduct_internal import record_body_decision
    from regulation.misconduct import MEASURES

    c = _procedure(lambda s: record_body_decision(s, case, measure.strip().lower(), _day(day), by))
    typer.echo(f"已登记委派机构（{c.appointing_body}）的处理结果：{MEASURES[c.body_measure]}（{c.body_decided_on}）")


staff_app = typer.Typer(help="委派机构工作人员账号：每项处理决定须填写本人工作人员代码", no_args_is_help=True)


@staff_app.command("add")
def staff_add(agency: Annotated[str, typer.Option("--agency", help="委派机构编码，如 CITY-A")],
              name: Annotated[str, typer.Option("--name", help="姓名")],
              role: Annotated[str, typer.Option("--role", help="角色：经办 或 审核")] = "经办"):
    """新增工作人员（已有则重新发放代码）；代码只显示这一次，系统只保存其散列值。"""
    from adapters.db import session_scope, upgrade
    from procedures.casework import staff

    upgrade()
    try:
        with session_scope() as s:
            row, code = staff.add(s, agency, name, role)
            number, who = row.id, f"{row.name}（{row.agency_id}·{row.role}）"
    except staff.StaffError as exc:
        _fail(str(exc))
    typer.echo(f"已发放工作人员代码：{who}，工号 {number:04d}")
    typer.echo(f"代码：{code}")
    typer.echo("请将代码当面或以保密方式交给本人。系统只保存其散列值，此后无法再次查看；遗失时重新运行本命令发放新代码。")


@staff_app.command("disable")
def staff_disable(code: Annotated[str, typer.Argument(help="工号（如 0007）；或用 --agency 和 --name 指定")] = "",
                  agency: Annotated[str, typer.Option("--agency", help="委派机构编码")] = "",
                  name: Annotated[str, typer.Option("--name", help="姓名")] = ""):
    """停用工作人员账号：其代码不能再作出任何决定，工作台的登录会话随即失效。"""
    from adapters.db import session_scope, upgrade
    from procedures.casework import staff

    number = staff.normalise(code).partition("-")[0]
    if code and not number.isdigit():
        _fail(f"工号：应为数字（如 0007），实际为 {code!r}。")
    if not code and not (agency and name):
        _fail("请给出工号，或同时给出 --agency 和 --name。")
    upgrade()
    try:
        with session_scope() as s:
            row = staff.disable(s, agency, name, int(number) if code else None)
            who = f"{row.agency_id} {row.name}（工号 {row.id:04d}）"
    except staff.StaffError as exc:
        _fail(str(exc))
    typer.echo(f"已停用：{who}；其工作台登录会话已全部失效。")


staff_app.command("password")(staff_password)  # cli/desk.py: the desk's sign-in password (issue 18)
