"""The `supervise` command as an agency runs it: real entry point, real database."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from adapters.db import session_scope, upgrade
from models import Supervisor

SH = ZoneInfo("Asia/Shanghai")

SUPERVISE = Path(sys.executable).parent / "supervise"


def run(*args, db=None):
    env = dict(os.environ)
    if db:
        env["SUPERVISION_DATABASE_URL"] = db
    return subprocess.run([str(SUPERVISE), *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize(
    "args, out",
    [
        (["calendar", "add-working-days", "2026-09-30", "2"], "2026-10-09"),
        (["calendar", "is-working-day", "2026-02-14"], "yes"),
        (["calendar", "is-working-day", "2026-02-15"], "no"),
        (["deadline", "record", "2026-09-30"], "2026-10-09"),
        (["deadline", "rectification", "2026-08-31"], "2026-11-30"),
        (["deadline", "rectification", "2026-07-03"], "2026-10-08"),  # 民法典第二百零三条
    ],
)
def test_cli_answers_calendar_and_deadlines(args, out):
    r = run(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == out


def test_cli_card_check_json():
    r = run("card", "check", "R3722A001", "--json")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert (data["kind"], data["area_name"], data["year"], data["serial"]) == ("external", "济南市", 2022, 1)


def test_cli_card_check_invalid_exits_1_naming_the_position():
    r = run("card", "check", "R3722Z001")
    assert r.returncode == 1 and "第6位" in r.stderr and r.stdout == ""


def test_cli_score_fail_json():
    r = run("score", "--form", "theory", "--no", "3,7,9", "--veto", "1", "--json")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["verdict"] == "不合格" and data["negative_count"] == 3 and data["item_count"] == 23
    assert [v["no"] for v in data["veto_hits"]] == [1] and data["ratio"] == round(3 / 23, 4)


def test_cli_score_pass_plain():
    r = run("score", "--form", "review", "--no", "1,2,3")
    assert r.returncode == 0 and r.stdout.startswith("合格")


@pytest.mark.parametrize("args, message", [
    (["score", "--form", "oral"], "--form"),
    (["score", "--form", "theory", "--no", "24"], "第24项不存在"),
    (["score", "--form", "theory", "--no", "a,b"], "逗号分隔"),
    (["calendar", "is-working-day", "2026-13-01"], "YYYY-MM-DD"),
    (["calendar", "is-working-day", "2099-01-05"], "2099"),
])
def test_cli_invalid_input_exits_1_with_reason(args, message):
    r = run(*args)
    assert r.returncode == 1 and message in r.stderr


def test_cli_card_next_reads_last_serial_from_database(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(db)
    with session_scope(db) as s:
        for code in ("R3726A001", "R3726A014", "R3726B020"):
            s.add(Supervisor(name="x", person_key=code, kind="external", card_code=code, issuer="CITY-A",
                             email="x@example.cn", eligibility_attested_on=date(2026, 1, 1)))
    r = run("card", "next", "--external", "--area", "A", "--year", "2026", db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "R3726A015"
    r = run("card", "next", "--internal", "--category", "Y", "--issuer", "001234", "--year", "2026", db=db)
    assert r.stdout.strip() == "Y001234260001"


def test_cli_db_upgrade_creates_database_and_hides_password(tmp_path):
    db = f"sqlite:///{tmp_path / 'new.db'}"
    r = run("db", "upgrade", db=db)
    assert r.returncode == 0 and (tmp_path / "new.db").exists()


def test_cli_runs_check_without_a_prefect_server_exits_1_saying_so(tmp_path):
    from tests.postgres_server import free_port

    env = dict(os.environ, SUPERVISION_PREFECT_PORT=str(free_port()), SUPERVISION_VAR_DIR=str(tmp_path))
    env.pop("PREFECT_API_URL", None)
    env.pop("SUPERVISION_DATABASE_URL", None)
    subprocess.run([str(SUPERVISE), "db", "upgrade"], check=True, capture_output=True, env=env)  # the database is there
    done = subprocess.run([str(SUPERVISE), "runs", "check"], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert "无法连接 Prefect 服务器" in done.stderr and "make run" in done.stderr


def test_cli_card_check_shows_the_canonical_form_of_letter_o():
    r = run("card", "check", "R3722O001", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["code"], data["input"], data["area"], data["area_name"]) == ("R37220001", "R3722O001", "0", "山东省（省直）")
    r = run("card", "check", "R3722O001")
    assert r.stdout.startswith("R37220001：外督，颁发机构 山东省（省直）") and "第6位字母 O 即省直代码 0" in r.stdout


def test_cli_card_next_takes_area_letter_o_as_the_province(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(db)
    with session_scope(db) as s:
        s.add(Supervisor(name="x", person_key="P1", kind="external", card_code="R37260004", issuer="PROV",
                         email="x@example.cn", eligibility_attested_on=date(2026, 1, 1)))
    r = run("card", "next", "--external", "--area", "O", "--year", "2026", db=db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "R37260005"


def _batches(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line.startswith("  ")]


def test_cli_demo_data_adds_each_date_once_and_prints_that_dates_batches(tmp_path):
    from models import EvaluationSession, Institution

    db = f"sqlite:///{tmp_path / 'demo.db'}"
    first = run("demo-data", "--date", "2026-11-26", db=db)
    assert first.returncode == 0, first.stderr
    day1 = _batches(first.stdout)
    assert len(day1) == 5 and all(b.startswith("DEMO-20261126-") for b in day1)
    second = run("demo-data", "--date", "2026-11-27", db=db)
    assert second.returncode == 0, second.stderr
    day2 = _batches(second.stdout)
    assert len(day2) == 5 and all(b.startswith("DEMO-20261127-") for b in day2)
    again = run("demo-data", "--date", "2026-11-26", db=db)
    assert again.returncode == 0 and _batches(again.stdout) == day1  # idempotent
    with session_scope(db) as s:
        sessions = s.exec(select(EvaluationSession)).all()
        assert sorted(x.batch_number for x in sessions) == sorted(day1 + day2)
        assert {x.starts_at.astimezone(SH).date() for x in sessions if x.batch_number in day2} == {date(2026, 11, 27)}
        assert len(s.exec(select(Institution)).all()) == 5
        assert len(s.exec(select(Supervisor).where(Supervisor.kind == "external")).all()) == 16
        # each institution's own internal supervisor, whose card the sessions name (第十二条, 第十六条)
        assert len(s.exec(select(Supervisor).where(Supervisor.kind == "internal")).all()) == 5


def test_cli_demo_data_invalid_date_writes_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    r = run("demo-data", "--date", "2026-02-30", db=db)
    assert r.returncode == 1 and "--date" in r.stderr and r.stdout == ""
    assert not (tmp_path / "demo.db").exists()
