"""Staff declare a year's official schedule (supervise calendar declare/show): validated, stored
in the database every process reads, replaced only on request; the sweep's November notice."""

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, select
from typer.testing import CliRunner

from adapters.db import session_scope, upgrade
from cli.app import app
from cli.demo_data import add_agencies
from models import CalendarDeclaration, OutboxMessage
from procedures.casework import calendar_declarations as cd
from procedures.casework.work_calendar import current_calendar
from procedures.daily import sweep as deadline_sweep
from tests.app_env import app_env
from tests.postgres_server import free_port

YAML_2098 = """year: 2098
notice_number: 国办发明电〔2097〕9号
notice_title: 国务院办公厅关于2098年部分节假日安排的通知
days_off:
  - {date: 2098-01-01, name: 元旦}
  - {from: 2098-01-28, to: 2098-02-03, name: 春节}
working_days:
  - {date: 2098-02-08, name: 春节调休上班}
"""


def _env(url: str, tmp_path):
    return app_env({"SUPERVISION_DATABASE_URL": url, "SUPERVISION_VAR_DIR": str(tmp_path / "var"),
                    "SUPERVISION_SMTP_PORT": str(free_port()), "SUPERVISION_SMTP_TIMEOUT_SECONDS": "1"})  # mail stays in the outbox


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'supervision.db'}"
    with _env(url, tmp_path):
        upgrade(url)
        with session_scope() as s:
            add_agencies(s)
        yield url


def _write(tmp_path, text: str, name: str = "2098.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _declarations() -> list[CalendarDeclaration]:
    with session_scope() as s:
        return list(s.exec(select(CalendarDeclaration).order_by(CalendarDeclaration.id)))


def test_a_declared_year_is_used_by_every_deadline_and_show_names_who_declared_it_from_which_notice(db, tmp_path):
    cli = CliRunner()
    before = cli.invoke(app, ["calendar", "is-working-day", "2098-01-30"])
    assert before.exit_code == 1 and "2098年的法定节假日安排尚未录入" in before.output
    done = cli.invoke(app, ["calendar", "declare", _write(tmp_path, YAML_2098), "--by", "张管理"])
    assert done.exit_code == 0 and "已录入2098年法定节假日安排：放假日 8 天，调休上班日 1 天" in done.output
    assert cli.invoke(app, ["calendar", "is-working-day", "2098-01-30"]).output.strip() == "no"  # a Thursday off
    assert cli.invoke(app, ["calendar", "is-working-day", "2098-02-08"]).output.strip() == "yes"  # make-up Saturday
    shown = cli.invoke(app, ["calendar", "show", "2098"])
    assert shown.exit_code == 0
    assert "来源：工作人员录入：张管理于" in shown.output and "国办发明电〔2097〕9号" in shown.output
    assert "2098-01-28（星期二）" in shown.output and "2098-02-08（星期六）调休上班" in shown.output
    package = cli.invoke(app, ["calendar", "show", "2026"])
    assert "来源：holidays 包" in package.output and "2026-10-01（星期四）国庆节" in package.output
    assert "2026-10-10（星期六）调休上班" in package.output


def test_an_xlsx_declaration_reads_the_notice_and_the_rows(db, tmp_path):
    wb = Workbook()
    ws = wb.active
    for row in (["年度", 2098], ["通知文号", "国办发明电〔2097〕9号"], ["通知标题", "关于2098年部分节假日安排的通知"], [],
                ["日期", "至", "类别", "名称"], [date(2098, 1, 1), None, "放假", "元旦"],
                ["2098-01-28", "2098-02-03", "放假", "春节"], ["2098-02-08", None, "调休上班", "春节调休上班"]):
        ws.append(row)
    path = tmp_path / "2098.xlsx"
    wb.save(path)
    done = CliRunner().invoke(app, ["calendar", "declare", str(path), "--by", "张管理"])
    assert done.exit_code == 0, done.output
    (row,) = _declarations()
    assert row.year == 2098 and len(row.days_off) == 8 and row.working_days == ["2098-02-08"]


def test_a_second_declaration_of_a_year_shows_the_difference_and_needs_replace(db, tmp_path):
    cli = CliRunner()
    assert cli.invoke(app, ["calendar", "declare", _write(tmp_path, YAML_2098), "--by", "张管理"]).exit_code == 0
    same = cli.invoke(app, ["calendar", "declare", _write(tmp_path, YAML_2098), "--by", "李管理"])
    assert same.exit_code == 0 and "与已录入的相同" in same.output and len(_declarations()) == 1
    changed = _write(tmp_path, YAML_2098.replace("to: 2098-02-03", "to: 2098-02-04"), "2098-b.yaml")
    refused = cli.invoke(app, ["calendar", "declare", changed, "--by", "李管理"])
    assert refused.exit_code == 1 and "+ 放假日 2098-02-04" in refused.output and "--replace" in refused.output
    assert len(_declarations()) == 1
    replaced = cli.invoke(app, ["calendar", "declare", changed, "--by", "李管理", "--replace"])
    assert replaced.exit_code == 0 and "替换此前录入的安排" in replaced.output
    first, second = _declarations()
    assert second.replaces_id == first.id and "2098-02-04" in second.days_off
    assert not current_calendar().is_working_day(date(2098, 2, 4))  # the newest row is the year's schedule
    assert "李管理" in cli.invoke(app, ["calendar", "show", "2098"]).output


def test_an_invalid_declaration_names_each_row_and_stores_nothing(db, tmp_path):
    bad = """year: 2098
notice_number: ""
days_off:
  - 2098-02-30
  - 2099-01-01
  - {date: 2098-02-08}
working_days:
  - 2098-02-08
  - 2098-02-05
"""
    out = CliRunner().invoke(app, ["calendar", "declare", _write(tmp_path, bad), "--by", "张管理"])
    assert out.exit_code == 1 and _declarations() == []
    assert "days_off（放假日）第1项：日期“2098-02-30”应为 YYYY-MM-DD 格式的有效日期" in out.output
    assert "days_off（放假日）第2项：2099-01-01 不在2098年内" in out.output
    assert "days_off（放假日）第3项、working_days（调休上班日）第1项：2098-02-08 既列为放假日又列为调休上班日" in out.output
    assert "working_days（调休上班日）第2项：2098-02-05 为星期三，本来就是工作日" in out.output
    assert "通知文号：未填写" in out.output
    wb = Workbook()
    for row in (["年度", 2098], ["通知文号", "X"], ["日期", "类别"], ["2098-01-01", "休假"]):
        wb.active.append(row)
    wb.save(tmp_path / "bad.xlsx")
    out = CliRunner().invoke(app, ["calendar", "declare", str(tmp_path / "bad.xlsx"), "--by", "张管理"])
    assert out.exit_code == 1 and "第4行：类别“休假”应为“放假”或“调休上班”" in out.output


def test_declare_on_a_database_not_created_says_what_to_run_and_creates_nothing(tmp_path):
    path = tmp_path / "none" / "supervision.db"
    with _env(f"sqlite:///{path}", tmp_path):
        out = CliRunner().invoke(app, ["calendar", "declare", _write(tmp_path, YAML_2098), "--by", "张管理"])
    assert out.exit_code == 2 and "supervise db upgrade" in out.output and not path.exists()


def test_a_declaration_is_stored_and_seen_by_a_new_reader_on_sqlite_and_postgresql(db_url, tmp_path):
    with _env(db_url, tmp_path):
        upgrade(db_url)
        assert not current_calendar().is_working_day(date(2026, 10, 5))
        with session_scope() as s:
            assert cd.declare(s, cd.read_file(Path(_write(tmp_path, YAML_2098))), "张管理").stored
        cal = current_calendar()  # keyed on the newest row: a declaration is seen at once
        assert cal.add_working_days(date(2097, 12, 31), 1) == date(2098, 1, 2)
        assert cal.is_working_day(date(2098, 2, 8)) and not cal.is_working_day(date(2098, 1, 30))
        changed = cd.read_file(Path(_write(tmp_path, YAML_2098.replace("to: 2098-02-03", "to: 2098-02-04"), "b.yaml")))
        with session_scope() as s:
            assert not cd.declare(s, changed, "李管理").stored
            assert cd.declare(s, changed, "李管理", replace=True).stored
        assert not current_calendar().is_working_day(date(2098, 2, 4))
        with session_scope() as s:
            rows = s.exec(select(CalendarDeclaration).order_by(CalendarDeclaration.id)).all()
        assert [r.declared_by for r in rows] == ["张管理", "李管理"] and rows[1].declared_at.tzinfo is not None


def test_from_november_every_agency_is_told_once_when_next_year_is_not_official(db, tmp_path):
    def notices() -> list[OutboxMessage]:
        with session_scope() as s:
            return list(s.exec(select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("calendar-next-year:%"))))

    deadline_sweep.sweep_deadlines(date(2097, 10, 31))
    assert notices() == []  # before November: nothing
    deadline_sweep.sweep_deadlines(date(2097, 11, 1))
    first = notices()
    assert first and {m.recipient_kind for m in first} == {"agency"}
    assert all(m.idempotency_key.endswith(":2098") for m in first)
    assert "2098年法定节假日安排尚未录入" in first[0].subject and "supervise calendar declare" in first[0].text_body
    deadline_sweep.sweep_deadlines(date(2097, 11, 2))
    deadline_sweep.sweep_deadlines(date(2097, 12, 20))
    assert len(notices()) == len(first)  # once per agency and year
    CliRunner().invoke(app, ["calendar", "declare", _write(tmp_path, YAML_2098), "--by", "张管理"])
    deadline_sweep.sweep_deadlines(date(2098, 11, 1))  # 2099 is not official either: its own notice
    assert len(notices()) == 2 * len(first)


def test_no_november_notice_when_next_year_is_official(db):
    deadline_sweep.sweep_deadlines(date(2025, 11, 3))  # 2026 is in the holidays package
    with session_scope() as s:
        assert not s.exec(select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like("calendar-next-year:%"))).all()


def test_a_day_listed_twice_is_named_with_both_rows_and_a_broken_xlsx_gives_no_parser_text(db, tmp_path):
    twice = """year: 2098
notice_number: 国办发明电〔2097〕1号
days_off:
  - 2098-10-01
  - {from: 2098-09-30, to: 2098-10-02}
"""
    out = CliRunner().invoke(app, ["calendar", "declare", _write(tmp_path, twice), "--by", "张管理"])
    assert out.exit_code == 1 and _declarations() == []
    assert "days_off（放假日）第2项：日期 2098-10-01 与days_off（放假日）第1项重复" in out.output
    wb = Workbook()
    for row in (["年度", 2098], ["通知文号", "X"], ["日期", "至", "类别"], ["2098-10-01", None, "放假"],
                ["2098-10-01", None, "放假"]):
        wb.active.append(row)
    wb.save(tmp_path / "twice.xlsx")
    out = CliRunner().invoke(app, ["calendar", "declare", str(tmp_path / "twice.xlsx"), "--by", "张管理"])
    assert out.exit_code == 1 and "第5行：日期 2098-10-01 与第4行重复" in out.output
    broken = tmp_path / "broken.xlsx"
    broken.write_text("不是工作簿", encoding="utf-8")
    out = CliRunner().invoke(app, ["calendar", "declare", str(broken), "--by", "张管理"])
    assert out.exit_code == 1 and "文件不是有效的 Excel（.xlsx）工作簿：broken.xlsx" in out.output
    assert "zip" not in out.output
