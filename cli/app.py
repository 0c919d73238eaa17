"""The `supervise` command: rules checked by hand, JSON with --json.

Exit 0 on success, 1 on a rule violation or invalid input (the reason on stderr), 2 when the
database has not been created or upgraded yet (cli/database.py: what to run, nothing created).
"""

import json
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli import backup as backup_cli
from cli import internal_contacts, internal_reports
from cli.audit import audit_app
from cli.database import require_database
from cli.plan import plan_app
from cli.report import report_app
from cli.roster import agency_app, misconduct_app, roster_app, staff_app, supervisor_app
from cli.sanctions import institution_app, register_app

app = typer.Typer(help="山东省技能人才评价质量督导：规则核验工具（鲁人社字〔2022〕68号）", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日（第十七条）", no_args_is_help=True)
deadline_app = typer.Typer(help="法定期限", no_args_is_help=True)
card_app = typer.Typer(help="证卡编码（附件1）", no_args_is_help=True)
db_app = typer.Typer(help="数据库", no_args_is_help=True)
portal_app = typer.Typer(help="门户：委派机构工作人员代录等专用链接", no_args_is_help=True)
runs_app = typer.Typer(help="流程运行：查找卡住、中断或与案件不一致的运行，并继续执行", no_args_is_help=True)
special_app = typer.Typer(help="专项督导（第十五条（二））：督导小组成员的回避与替补", no_args_is_help=True)
evidence_app = typer.Typer(help="证据文件：门户收到的附件（保密，第八条；仅限委派机构内部）", no_args_is_help=True)
mail_app = typer.Typer(help="邮件：发件箱中超时未发出的邮件", no_args_is_help=True)
for name, sub in (("calendar", calendar_app), ("deadline", deadline_app), ("card", card_app), ("db", db_app),
                  ("runs", runs_app), ("evidence", evidence_app), ("mail", mail_app), ("special", special_app)):
    app.add_typer(sub, name=name)
app.add_typer(roster_app, name="roster")
app.add_typer(supervisor_app, name="supervisor")
app.add_typer(agency_app, name="agency")
app.add_typer(misconduct_app, name="misconduct")
app.add_typer(staff_app, name="staff")
app.add_typer(portal_app, name="portal")
app.add_typer(institution_app, name="institution")
app.add_typer(register_app, name="register")
internal_app = typer.Typer(help="内督（第十二条、第十六条）：机构的内督联系人、覆盖情况与内督记录（第八条：仅限负责的委派机构）",
                           no_args_is_help=True)
internal_app.command("contact")(internal_contacts.set_contact)
internal_app.command("coverage")(internal_reports.coverage)
internal_app.command("record")(internal_reports.record)
app.add_typer(internal_app, name="internal")
app.add_typer(audit_app, name="audit")
app.add_typer(plan_app, name="plan")
app.add_typer(report_app, name="report")
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)

JsonFlag = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{field} 应为 YYYY-MM-DD 格式的日期，实际为 {value!r}")


def _out(payload: dict, as_json: bool, plain: str) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        typer.echo(plain)


def _calendar():
    """The calendar with the years staff declared (when the database exists), as procedures use it."""
    from procedures.casework.work_calendar import current_calendar
    from regulation.calendar import CalendarDataMissing

    return current_calendar(), CalendarDataMissing


def _declared_db():
    """A database that has the calendar table; otherwise say what to run (exit 2), creating nothing."""
    if not _has_declarations():
        typer.echo("错误：数据库尚未创建或未升级到最新版本，请先运行 supervise db upgrade", err=True)
        raise typer.Exit(2)


@calendar_app.command("declare")
def calendar_declare(file: Annotated[Path, typer.Argument(help="YAML 或 .xlsx：通知文号、通知标题、放假日、调休上班日")],
                     by: Annotated[str, typer.Option("--by", help="录入人")],
                     replace: Annotated[bool, typer.Option("--replace", help="替换已录入的同一年度安排")] = False):
    """录入某一年度的法定节假日安排（国务院办公厅通知），所有流程即时生效。"""
    from adapters.db import session_scope
    from procedures.casework import calendar_declarations as cd

    try:
        decl = cd.read_file(file)
    except cd.DeclarationRefused as exc:
        _fail(f"{file} 未录入：\n" + "\n".join(exc.problems))
    _declared_db()
    try:
        with session_scope() as s:
            result = cd.declare(s, decl, by, replace)
    except cd.DeclarationRefused as exc:
        _fail("\n".join(exc.problems))
    typer.echo(result.message)
    if not result.stored and "--replace" in result.message:
        raise typer.Exit(1)


@calendar_app.command("show")
def calendar_show(year: int):
    """某一年度的放假日和调休上班日，及其来源（holidays 包 / 随程序发布的补充文件 / 工作人员录入）。"""
    from adapters.db import session_scope
    from procedures.casework import calendar_declarations as cd
    from procedures.casework.work_calendar import current_calendar

    try:
        if _has_declarations():
            with session_scope() as s:
                typer.echo(cd.show(s, year))
        else:
            typer.echo(cd.show_calendar(current_calendar(), year))
    except cd.DeclarationRefused as exc:
        _fail("\n".join(exc.problems))


def _has_declarations() -> bool:
    """The database exists and has the calendar table (a fresh clone's CLI creates nothing)."""
    from sqlalchemy import inspect

    from adapters.db import database_url, get_engine

    url = database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return False
    return inspect(get_engine()).has_table("calendar_declaration")


@calendar_app.command("add-working-days")
def add_working_days(day: str, n: int, as_json: JsonFlag = False):
    """DAY 之后第 N 个工作日。"""
    cal, missing = _calendar()
    if n < 0:
        _fail("N 不能为负数")
    try:
        result = cal.add_working_days(_date(day, "日期"), n)
    except missing as exc:
        _fail(str(exc))
    _out({"date": day, "n": n, "result": result}, as_json, str(result))


@calendar_app.command("is-working-day")
def is_working_day(day: str, as_json: JsonFlag = False):
    """DAY 是否为工作日（含调休上班日）。"""
    cal, missing = _calendar()
    try:
        working = cal.is_working_day(_date(day, "日期"))
    except missing as exc:
        _fail(str(exc))
    _out({"date": day, "working_day": working}, as_json, "yes" if working else "no")


@deadline_app.command("record")
def deadline_record(inspection_end: str, as_json: JsonFlag = False):
    """督导情况记录表提交期限（第十七条：结束后2个工作日内）。"""
    from regulation.calendar import CalendarDataMissing
    from regulation.deadlines import record_due

    try:
        d = record_due(_date(inspection_end, "督导结束日期"), _calendar()[0])
    except CalendarDataMissing as exc:
        _fail(str(exc))
    _out({"due": d.due, "article": d.reason.article, "reason": d.reason.text}, as_json, str(d.due))


@deadline_app.command("window")
def deadline_window(start: str, n: int, as_json: JsonFlag = False):
    """START 之后第 N 个工作日（如第二十五条陈述申辩期限：告知之日起5个工作日）。"""
    cal, missing = _calendar()
    if n < 0:
        _fail(f"N 应为非负整数，实际为 {n}")
    day = _date(start, "START")
    try:
        due = cal.add_working_days(day, n)
    except missing as exc:
        _fail(str(exc))
    _out({"start": day, "working_days": n, "due": due}, as_json, str(due))


@deadline_app.command("rectification")
def deadline_rectification(notice_date: str, as_json: JsonFlag = False):
    """整改期限（附件4：限期3个月，月末对齐；最后一日为法定休假日的顺延至其后第一个工作日，民法典第二百零三条）。"""
    from regulation.deadlines import rectification_deadline

    cal, missing = _calendar()
    try:
        d = rectification_deadline(_date(notice_date, "通知日期"), cal)
    except missing as exc:
        _fail(str(exc))
    _out({"due": d.due, "article": d.reason.article, "reason": d.reason.text}, as_json, str(d.due))


def _card_payload(card) -> dict:
    payload = asdict(card)
    if card.kind == "external":
        payload.update(kind_name="外督", area_name=card.area_name, issuer=card.area_name)
    else:
        payload.update(kind_name="内督", category_name=card.category_name, issuer=card.issuer_code)
    return payload


@card_app.command("check")
def card_check(code: str, as_json: JsonFlag = False):
    """校验证卡编码并解析（附件1）。"""
    from regulation.cards import CardCodeError, parse_card

    try:
        card = parse_card(code)
    except CardCodeError as exc:
        _fail(str(exc))
    p = _card_payload(card) | {"input": code}  # p["code"]: the canonical (stored) form
    if card.kind == "external":
        plain = f"{card.code}：外督，颁发机构 {p['area_name']}，{card.year}年，序列码 {card.serial:03d}"
    else:
        plain = (f"{card.code}：内督（{p['category_name']}），颁发机构代码 {card.issuer_code}，"
                 f"{card.year}年，序列码 {card.serial:04d}")
    typed = code.strip()
    if card.code != typed:
        why = "第6位字母 O 即省直代码 0" if typed.upper() != card.code else "字母大写"
        plain += f"（输入 {typed}，规范形式 {card.code}：{why}）"
    _out(p, as_json, plain)


@card_app.command("next")
def card_next(
    year: Annotated[int, typer.Option(help="核发年份")],
    external: Annotated[bool, typer.Option("--external", help="外督证卡")] = False,
    internal: Annotated[bool, typer.Option("--internal", help="内督证卡")] = False,
    area: Annotated[str | None, typer.Option(help="外督：0（省直）或设区市代码")] = None,
    category: Annotated[str | None, typer.Option(help="内督：H/Y/S")] = None,
    issuer: Annotated[str | None, typer.Option(help="内督：6位颁发机构代码")] = None,
    as_json: JsonFlag = False,
):
    """下一个可用证卡编码（读取数据库中已用的序列码）。"""
    from regulation import cards

    if external == internal:
        _fail("请指定 --external 或 --internal 之一")
    try:
        if external:
            if area is None:
                _fail("外督证卡需要 --area（0 或设区市代码）")
            area = cards.canonical_area(area)  # 附件1: the letter O is the provincial mark 0
            code = cards.next_external(_codes_like(f"R37{year % 100:02d}{area}"), area, year)
        else:
            if not category or not issuer:
                _fail("内督证卡需要 --category（H/Y/S）和 --issuer（6位数字）")
            prefix = f"{category}{issuer}{year % 100:02d}"
            code = cards.next_internal(_codes_like(prefix), category, issuer, year)
    except ValueError as exc:
        _fail(str(exc))
    _out({"code": code}, as_json, code)


def _codes_like(prefix: str) -> list[str]:
    from sqlmodel import col, select

    from adapters.db import session_scope, upgrade
    from models import Supervisor

    upgrade()
    with session_scope() as s:
        return list(s.exec(select(Supervisor.card_code).where(col(Supervisor.card_code).startswith(prefix))))


def _numbers(value: str, field: str) -> list[int]:
    if not value.strip():
        return []
    try:
        return [int(x) for x in value.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        _fail(f"{field} 应为逗号分隔的序号，如 3,7,9；实际为 {value!r}")


@app.command("score")
def score_cmd(
    form: Annotated[str, typer.Option(help="theory（理论考核）| skill（技能考核）| review（综合评审）")],
    no: Annotated[str, typer.Option("--no", help="答“否”的督导内容序号，逗号分隔")] = "",
    veto: Annotated[str, typer.Option("--veto", help="答“是”的一票否决项序号，逗号分隔")] = "",
    as_json: JsonFlag = False,
):
    """按附件3评定合格/不合格。"""
    from regulation.checklists import FORM_KINDS, load_checklist
    from regulation.scoring import AnswerError, score

    if form not in FORM_KINDS:
        _fail(f"--form 应为 {'/'.join(FORM_KINDS)} 之一，实际为 {form!r}")
    cl = load_checklist(form)
    negatives, vetoes = _numbers(no, "--no"), _numbers(veto, "--veto")
    items = {i.no: "是" for i in cl.items} | {n: "否" for n in negatives}
    vetos = {v.no: "否" for v in cl.veto_items} | {n: "是" for n in vetoes}
    try:
        r = score(cl, vetos, items)
    except AnswerError as exc:
        _fail(str(exc))
    payload = {
        "form": form, "verdict": r.verdict, "negative_count": r.negative_count,
        "item_count": r.item_count, "ratio": round(r.ratio, 4),
        "veto_hits": [{"no": v.no, "text": v.text} for v in r.veto_hits],
        "failed_items": [{"no": i.no, "text": i.text} for i in r.failed_items],
        "reasons": [str(x) for x in r.reasons], "article": "附件3",
    }
    plain = "\n".join([f"{r.verdict}（否定项 {r.negative_count}/{r.item_count}，{r.ratio:.1%}）",
                       *(f"- {x}" for x in r.reasons)])
    _out(payload, as_json, plain)


@portal_app.command("staff-link")
def portal_staff_link(batch: Annotated[str, typer.Option("--batch", help="批次编号，如 PC-2026-001；专项督导为其编号，如 专项督导-CITY-A-2026-1")],
                      member: Annotated[str, typer.Option("--member", help="专项督导：代录哪位成员的督导情况（证卡编码）")] = "",
                      as_json: JsonFlag = False):
    """代录：为纸质记录表（日常督导）或成员交来的督导情况（专项督导，须 --member）生成门户链接
    （与督导员同一页面；提交时须填写本人工作人员代码）。

    链接只打印在此处，不写入日志；重复运行得到同一链接，直到它被使用。"""
    from procedures.daily.links import staff_link
    from procedures.special.findings import staff_findings_link

    require_database()
    if member:
        link = staff_findings_link(batch, member)
    elif batch.strip().startswith("专项督导-"):
        _fail("专项督导的代录须用 --member 指明成员的证卡编码")
    else:
        link = staff_link(batch)
    if isinstance(link, str):
        _fail(link)
    _out({"batch": batch, "url": link.url, "expires_at": link.expires_at.isoformat()}, as_json,
         f"代录链接（仅供本机构工作人员使用，有效至 {link.expires_at:%Y-%m-%d %H:%M}）：\n{link.url}")


@special_app.command("withdraw")
def special_withdraw(case: Annotated[str, typer.Option("--case", help="专项督导案件编号，如 专项督导-CITY-B-2026-1")],
                     member: Annotated[str, typer.Option("--member", help="撤回哪位成员（证卡编码）")],
                     reason: Annotated[str, typer.Option("--reason", help="撤回理由：成员申报的第十三条回避情形")],
                     staff_code: Annotated[str, typer.Option("--staff-code", prompt="本人工作人员代码", hide_input=True,
                                                             help="办理人本人的工作人员代码（不填则提示输入，不回显）")],
                     as_json: JsonFlag = False):
    """第十三条：督导小组成员在抽取后申报回避的，撤回该成员，并从同一人员库按同样规则重新随机抽取一名替补。

    记入案卷时间线（谁撤回了谁、理由、替补的抽取种子）；被撤回成员的链接随即失效，流程不再等待其督导情况；
    替补成员收到任务简报和提交链接。成员的督导情况已提交的，不能撤回。"""
    from procedures.special.team import withdraw_member

    done = withdraw_member(case, member, reason, staff_code)
    if isinstance(done, str):
        _fail(done)
    waiting = {"resumed": "流程已不再等待被撤回的成员", "not_waiting": "流程当前未等待该成员，到达时将跳过",
               "pending": "流程暂未响应，每日期限巡检将继续通知流程跳过该成员"}[done.resumed]
    _out({"case": case, "replacement": asdict(done.replacement), "run": done.resumed, "text": done.text}, as_json,
         f"{done.text}\n{waiting}")


@evidence_app.command("export")
def evidence_export(case: Annotated[int, typer.Option("--case", help="案件编号（日常督导、专项督导；处理程序见 --kind）")],
                    to: Annotated[Path, typer.Option("--to", help="导出目录（新的或空的目录）")],
                    kind: Annotated[str, typer.Option("--kind", help="inspection（日常、专项督导）或 sanction（处理程序）")]
                    = "inspection",
                    as_json: JsonFlag = False):
    """导出一个案件经门户收到的全部文件（记录表、督导情况、评价机构上传），附清单并逐个核对 SHA-256。

    文件按生成的名称保存（序号-环节-项目-哈希前12位），原文件名只写入清单（manifest.csv、manifest.json）。
    证据材料保密（第八条）：导出目录仅限委派机构内部使用，不得发给评价机构。"""
    from procedures.portal import evidence

    if kind not in ("inspection", "sanction"):
        _fail(f"--kind 应为 inspection 或 sanction，实际为 {kind!r}")
    require_database()
    try:
        report = evidence.export(case, to, kind)
    except evidence.ExportError as exc:
        _fail(str(exc))
    ok = len(report.rows) - len(report.problems)
    status_text = {"missing": "存储中找不到该文件", "mismatch": "文件内容与登记的 SHA-256 不一致"}
    plain = "\n".join([f"已导出 {ok} 个文件到 {report.directory}（清单：manifest.csv、manifest.json，SHA-256 已逐个核对；本案审计记录及封存值：audit.json）",
                       *(f"未导出：{p['original_name']}（{p['step']} · {p['item'] or '附件'}）：{status_text[p['status']]}"
                         for p in report.problems)])
    _out({"directory": str(report.directory), "files": report.rows}, as_json, plain)
    if report.problems:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade():
    """创建或升级数据库到最新版本。"""
    from adapters.db import database_url, upgrade

    upgrade()
    typer.echo(f"数据库已升级到最新版本：{_redact(database_url())}")


@app.command("demo-data")
def demo_data(day: Annotated[str | None, typer.Option("--date", help="评价活动日期（默认今天）")] = None):
    """载入示例数据：省、市委派机构，各级评价机构，外督员，三类评价活动。"""
    from adapters.clock import today
    from adapters.db import session_scope, upgrade
    from cli.demo_data import load_demo

    on = _date(day, "--date") if day else today()
    upgrade()
    with session_scope() as s:
        batches = load_demo(s, on)
    typer.echo(f"示例数据已载入。{on} 的评价活动可在 Prefect UI 运行 daily-inspection，批次编号：")
    for b in batches:
        typer.echo(f"  {b}")


def _run_findings(as_json: bool, repair: bool) -> None:
    import os

    from adapters.settings import get_settings

    require_database()
    os.environ.setdefault("PREFECT_API_URL", get_settings().prefect_api_url())
    from procedures.casework import run_health

    try:
        findings = run_health.check()
    except Exception as exc:  # noqa: BLE001 — the server is not there: say so, plainly
        _fail(f"无法连接 Prefect 服务器（{os.environ['PREFECT_API_URL']}）：{type(exc).__name__}。请先 make run")
    done = {f.run_id for f in run_health.repair(findings)} if repair else set()
    rows = [asdict(f) | {"action_text": f.action_text, "done": f.run_id in done} for f in findings]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not findings:
        typer.echo("全部运行与案件一致，没有卡住或中断的运行。")
    for f in findings:
        case = f"{f.case_kind}案件 {f.case_id}（{f.case_status}）" if f.case_id else "无案件"
        verb = ("已" if f.run_id in done else "将") + f.action_text if f.action == run_health.CONTINUE else f.action_text
        typer.echo(f"{f.named}  {f.run_id}  [{f.deployment or '—'}] {case}\n  问题：{f.problem}\n  处理：{verb}")
    if findings and not repair and any(f.action == run_health.CONTINUE for f in findings):
        typer.echo("运行 supervise runs repair 执行上述处理。")
    typer.echo(_mail_line(MAIL_CHECK_MINUTES))


MAIL_CHECK_MINUTES = 10.0  # a message is tried at once and again by each sweep: 10 minutes is late


def _mail_line(minutes: float) -> str:
    from adapters.mailer import unsent

    late = unsent(minutes)
    if not late:
        return f"邮件：没有超过 {minutes:g} 分钟未发出的邮件。"
    return f"邮件：{len(late)} 封超过 {minutes:g} 分钟未发出，运行 supervise mail check 查看。"


@mail_app.command("check")
def mail_check(minutes: Annotated[float, typer.Option("--minutes", help="列出写入超过 N 分钟仍未发出的邮件")]
               = MAIL_CHECK_MINUTES, as_json: JsonFlag = False):
    """列出发件箱中写入超过 N 分钟仍未发出的邮件（案件、幂等键、状态、最后错误）。

    被终止的发送进程所占的邮件由服务在启动时、运行中（进程已不存在且超过1分钟）收回并重发。"""
    from adapters.mailer import unsent

    if minutes < 0:
        _fail(f"--minutes 应为非负数，实际为 {minutes:g}")
    require_database()
    late = unsent(minutes)
    if as_json:
        typer.echo(json.dumps([asdict(m) for m in late], ensure_ascii=False, default=str))
        return
    if not late:
        typer.echo(f"没有超过 {minutes:g} 分钟未发出的邮件。")
        return
    typer.echo(f"超过 {minutes:g} 分钟未发出的邮件：{len(late)} 封")
    for m in late:
        state = (f"发送中（{m.claimed_by}，{m.claimed_at.astimezone(_tz()):%Y-%m-%d %H:%M:%S} 起）" if m.status == "sending"
                 else "待发送")
        error = f"；最后错误：{m.last_error}" if m.last_error else ""
        typer.echo(f"  邮件{m.id}  案件 {m.case_id or '—'}  {m.key}  {m.subject}\n"
                   f"    {state}；写入于 {m.created_at.astimezone(_tz()):%Y-%m-%d %H:%M}；已尝试 {m.attempts} 轮{error}")


def _tz():
    from adapters.clock import tz

    return tz()


@runs_app.command("check")
def runs_check(as_json: JsonFlag = False):
    """列出进程已不存在、卡住或与案件状态不一致的运行，并说明将如何处理。"""
    _run_findings(as_json, repair=False)


@runs_app.command("repair")
def runs_repair(as_json: JsonFlag = False):
    """继续执行进程已不存在的运行（可重复执行，不会重复处理）；其余问题仅报告。"""
    _run_findings(as_json, repair=True)


def _redact(url: str) -> str:
    """Never print a password (Standards: secrets stay private)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
