"""`supervise staff password CODE` (asked twice, hidden) and `supervise staff disable CODE`, which
ends the account's desk sessions (issue 18)."""

import os
import subprocess

import pytest

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import AgencyStaff
from procedures.casework import staff
from procedures.desk import auth
from tests.app_env import app_env
from tests.cli.test_cli import SUPERVISE


@pytest.fixture
def account(sqlite_url):
    with app_env({"SUPERVISION_DATABASE_URL": sqlite_url}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            row, code = staff.add(s, "CITY-A", "王经办", "经办")
        yield sqlite_url, row.id, code


def supervise(db, *args, stdin=""):
    env = dict(os.environ) | {"SUPERVISION_DATABASE_URL": db}
    return subprocess.run([str(SUPERVISE), *args], capture_output=True, text=True, env=env, input=stdin)


def test_the_password_is_asked_twice_and_stored_hashed(account):
    db, staff_id, code = account
    r = supervise(db, "staff", "password", f"{staff_id:04d}", stdin="a long password\na long password\n")
    assert r.returncode == 0, r.stderr
    assert "已设置工作台登录密码" in r.stdout and "a long password" not in r.stdout + r.stderr
    with session_scope() as s:
        stored = s.get(AgencyStaff, staff_id).password_hash
    assert stored.startswith("scrypt$") and auth.password_matches("a long password", stored)


def test_two_different_entries_or_a_short_password_set_nothing(account):
    db, staff_id, code = account
    r = supervise(db, "staff", "password", code, stdin="a long password\nanother one!!\nshort\nshort\n")
    assert r.returncode == 1 and "密码：长度" in r.stderr
    with session_scope() as s:
        assert s.get(AgencyStaff, staff_id).password_hash == ""


def test_disable_by_number_ends_the_desk_sessions(account):
    db, staff_id, code = account
    with session_scope() as s:
        auth.set_password(s, code, "a long password")
        token = auth.sign_in(s, code, "a long password", "127.0.0.1").token
    r = supervise(db, "staff", "disable", f"{staff_id:04d}")
    assert r.returncode == 0 and "会话已全部失效" in r.stdout, r.stderr
    with session_scope() as s:
        assert auth.current(s, token) is None and not s.get(AgencyStaff, staff_id).active
    assert supervise(db, "staff", "disable", "abc").returncode == 1
