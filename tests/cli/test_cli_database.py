"""The CLI on a database that has not been created or upgraded (a fresh clone): a Chinese
sentence saying what to run, exit 2, nothing created; and `supervise mail check` on a real one."""

import json
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from adapters.clock import now
from adapters.db import alembic_config, session_scope, upgrade
from adapters.mailer import enqueue
from cli.database import NOT_CREATED, OUTDATED
from models import OutboxMessage
from tests.cli.test_cli import run

READERS = [("register", "export"), ("institution", "show", "37010020240201"), ("mail", "check")]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:2]))
def test_cli_on_a_sqlite_database_never_created_says_what_to_run_and_creates_nothing(tmp_path, args):
    path = tmp_path / "var" / "supervision.db"
    r = run(*args, db=f"sqlite:///{path}")
    assert (r.returncode, r.stdout) == (2, "") and NOT_CREATED in r.stderr and "Traceback" not in r.stderr
    assert not path.exists() and not path.parent.exists()


def test_cli_on_an_empty_sqlite_file_says_the_database_is_not_created(tmp_path):
    path = tmp_path / "supervision.db"
    path.write_bytes(b"")  # what the old CLI left behind
    r = run("register", "export", db=f"sqlite:///{path}")
    assert r.returncode == 2 and NOT_CREATED in r.stderr and path.read_bytes() == b""


def test_cli_on_a_database_behind_the_code_says_to_upgrade(db_url):
    command.upgrade(alembic_config(db_url), "0011")
    r = run("institution", "show", "37010020240201", db=db_url)
    assert r.returncode == 2 and OUTDATED in r.stderr and "Traceback" not in r.stderr


def test_cli_on_a_postgres_database_never_upgraded_creates_no_table(postgres_server):
    url = postgres_server.create_database("fresh_cli")
    for args in READERS:
        r = run(*args, db=url)
        assert r.returncode == 2 and NOT_CREATED in r.stderr and "Traceback" not in r.stderr, r.stderr
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_mail_check_lists_mail_unsent_for_longer_than_n_minutes(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as s:
        old = enqueue(s, "sanction-7-notice-agency", "agency@example.gov.cn", "agency", "【事先告知书】案件7", "正文", "<p/>")
        enqueue(s, "fresh", "agency@example.gov.cn", "agency", "新邮件", "正文", "<p/>")
        s.get(OutboxMessage, old).created_at = now() - timedelta(minutes=30)
    r = run("mail", "check", "--minutes", "20", db=sqlite_url)
    assert r.returncode == 0 and "1 封" in r.stdout and "sanction-7-notice-agency" in r.stdout
    assert "fresh" not in r.stdout and "待发送" in r.stdout
    (row,) = json.loads(run("mail", "check", "--json", db=sqlite_url).stdout)
    assert (row["id"], row["key"], row["status"]) == (old, "sanction-7-notice-agency", "pending")
    r = run("mail", "check", "--minutes", "40", db=sqlite_url)
    assert r.returncode == 0 and "没有超过 40 分钟未发出的邮件" in r.stdout


def test_runs_check_says_in_one_line_whether_mail_is_late(sqlite_url, monkeypatch):
    from adapters import settings as settings_module
    from cli.app import _mail_line

    monkeypatch.setenv("SUPERVISION_DATABASE_URL", sqlite_url)
    settings_module.get_settings.cache_clear()
    try:
        upgrade(sqlite_url)
        assert _mail_line(10) == "邮件：没有超过 10 分钟未发出的邮件。"
        with session_scope(sqlite_url) as s:
            late = enqueue(s, "k-late", "agency@example.gov.cn", "agency", "主题", "正文", "<p/>")
            s.get(OutboxMessage, late).created_at = now() - timedelta(minutes=11)
        assert _mail_line(10) == "邮件：1 封超过 10 分钟未发出，运行 supervise mail check 查看。"
    finally:
        settings_module.get_settings.cache_clear()
