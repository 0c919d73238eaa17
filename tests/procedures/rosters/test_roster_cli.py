"""`supervise roster|agency|supervisor` through the real entry point, on a real database."""

from datetime import date, timedelta

from adapters import clock
from adapters.db import session_scope, upgrade
from models.lifecycle import MisconductCase
from procedures.supervisors import cards, people
from regulation.calendar import default_calendar
from regulation.identity import make_number
from tests.cli.test_cli import run


def test_cli_agency_loads_its_own_rosters_template_import_dry_run_export(tmp_path):
    db = f"sqlite:///{tmp_path / 'agency.db'}"
    assert run("agency", "init", db=db).returncode == 0
    for kind in ("institutions", "supervisors", "sessions", "staff"):
        r = run("roster", "template", kind, "-o", str(tmp_path / f"{kind}.xlsx"), db=db)
        assert r.returncode == 0, r.stderr
    r = run("roster", "import", str(tmp_path / "sessions.xlsx"), db=db)
    assert r.returncode == 1 and "机构备案号" in r.stderr and "第2行" in r.stderr
    r = run("roster", "import", str(tmp_path / "institutions.xlsx"), "--dry-run", db=db)
    assert r.returncode == 0 and "试运行" in r.stdout
    for kind in ("institutions", "supervisors", "sessions", "staff"):
        r = run("roster", "import", str(tmp_path / f"{kind}.xlsx"), db=db)
        assert r.returncode == 0 and "新增 1" in r.stdout, r.stdout + r.stderr
    r = run("roster", "import", str(tmp_path / "supervisors.xlsx"), db=db)
    assert "未变 1" in r.stdout
    r = run("roster", "export", "supervisors", "-o", str(tmp_path / "out.xlsx"), db=db)
    assert r.returncode == 0 and "已导出 1 行" in r.stdout
    r = run("roster", "import", str(tmp_path / "out.xlsx"), db=db)
    assert r.returncode == 0 and "未变 1" in r.stdout


def test_cli_roster_rejects_unknown_kind_and_missing_file(tmp_path):
    r = run("roster", "template", "agencies")
    assert r.returncode == 1 and "名册类型" in r.stderr
    r = run("roster", "import", str(tmp_path / "none.xlsx"))
    assert r.returncode == 1 and "文件不存在" in r.stderr


def test_cli_supervisor_card_writes_the_printable_card(tmp_path):
    db = f"sqlite:///{tmp_path / 'card.db'}"
    upgrade(db)
    run("agency", "init", db=db)
    on = date(2026, 3, 2)
    with session_scope(db) as s:
        reg = people.register(s, person_key=make_number("370102", date(1980, 1, 1), 1), name="张三",
                                   email="z@example.cn", on=on, attestations={n: True for n in "一二三四五"})
        people.record_assessment(s, reg.person_key, "training", on, True)
        people.record_assessment(s, reg.person_key, "assessment", on, True)
        code = cards.issue_card(s, reg.id, "CITY-A", on).card_code
    out = tmp_path / "card.docx"
    r = run("supervisor", "card", code, "-o", str(out), db=db)
    assert r.returncode == 0 and out.stat().st_size > 5000
    r = run("supervisor", "file", code, db=db)
    assert r.returncode == 0 and "核发外督证卡" in r.stdout


def test_cli_supervisor_from_registration_to_dismissal(tmp_path):
    db = f"sqlite:///{tmp_path / 'life.db'}"
    run("agency", "init", db=db)
    pid = make_number("370102", date(1980, 1, 1), 1)
    r = run("supervisor", "register", "--identity", pid, "--name", "张三", "--email", "z@example.cn",
            "--attest", "一,二,三,四", "--date", "2026-03-02", db=db)
    assert r.returncode == 1 and "（五）" in r.stderr
    r = run("supervisor", "register", "--identity", pid, "--name", "张三", "--email", "z@example.cn",
            "--attest", "一,二,三,四,五", "--employer", "某技师学院", "--date", "2026-03-02", db=db)
    assert r.returncode == 0 and "登记编号 1" in r.stdout
    r = run("supervisor", "issue-card", "--registration", "1", "--agency", "CITY-A", "--date", "2026-03-02", db=db)
    assert r.returncode == 1 and "考核合格" in r.stderr
    for kind in ("training", "assessment"):
        assert run("supervisor", "assess", "--identity", pid, "--kind", kind, "--passed", "--date", "2026-03-02",
                   db=db).returncode == 0
    r = run("supervisor", "issue-card", "--registration", "1", "--agency", "CITY-A", "--date", "2026-03-02", db=db)
    assert r.stdout.strip().endswith("R3726A001"), r.stderr
    r = run("misconduct", "open", "R3726A001", "--item", "9", "--facts", "x", "--by", "王", db=db)
    assert r.returncode == 1 and "1-8" in r.stderr
    r = run("misconduct", "open", "R3726A001", "--item", "3", "--facts", "隐瞒应回避情形", "--by", "王",
            "--date", "2026-06-01", db=db)
    assert "案件编号 1" in r.stdout
    r = run("misconduct", "decide", "1", "--measure", "dismissal", "--by", "李", "--date", "2026-06-01", db=db)
    assert r.returncode == 1 and "陈述申辩" in r.stderr
    due = default_calendar().add_working_days(clock.today(), 5)  # from the real sending day, not the typed one
    assert f"陈述申辩期限至 {due}" in run("misconduct", "hear", "1", "--measure", "dismissal", "--date", "2026-06-01",
                                       db=db).stdout
    r = run("misconduct", "hear", "1", "--measure", "referral", db=db)
    assert r.returncode == 1 and "重新登记违规情形" in r.stderr  # another measure: not a silent 「已告知」
    r = run("misconduct", "decide", "1", "--measure", "dismissal", "--by", "李", "--date", str(due), db=db)
    assert r.returncode == 1 and "晚于今天" in r.stderr  # the period's end typed ahead: refused
    r = run("misconduct", "decide", "1", "--measure", "dismissal", "--by", "李", db=db)
    assert r.returncode == 1 and "期满前不得决定" in r.stderr  # no statement typed in here: only by time
    assert run("misconduct", "statement", "1", "--text", "无异议", db=db).returncode != 0  # no such command
    with session_scope(db) as s:  # the days of the period pass
        case = s.get(MisconductCase, 1)
        case.hearing_notified_on, case.statement_due = clock.today() - timedelta(days=10), clock.today() - timedelta(days=1)
        s.add(case)
    r = run("misconduct", "decide", "1", "--measure", "dismissal", "--by", "李", db=db)
    assert r.returncode == 0 and "解聘" in r.stdout
    r = run("supervisor", "file", "R3726A001", db=db)
    assert "revoked" in r.stdout and "取消证卡" in r.stdout


def test_cli_agency_letterhead_sets_the_name_its_letters_go_out_under(tmp_path):
    db = f"sqlite:///{tmp_path / 'letterhead.db'}"
    r = run("agency", "init", db=db)  # production setup states no letterhead for anyone: it warns
    assert r.returncode == 0 and "尚未设置发文机关名称" in r.stderr and "PROV" in r.stderr
    r = run("agency", "letterhead", "PROV", db=db)
    assert r.returncode == 0 and "受" not in r.stdout and "（未设置，用机构名称）" in r.stdout
    r = run("agency", "letterhead", "CITY-A", db=db)
    assert r.returncode == 0 and "济南市技能人才评价管理部门（未设置" in r.stdout
    r = run("agency", "letterhead", "CITY-Z", "某局", db=db)
    assert r.returncode == 1 and "委派机构编码" in r.stderr
    r = run("agency", "letterhead", "city-a", "济南市就业和人才服务中心（受济南市人力资源和社会保障局委托）", db=db)
    assert r.returncode == 0, r.stderr
    with session_scope(db) as s:
        from models import Agency

        assert s.get(Agency, "CITY-A").letterhead_name == "济南市就业和人才服务中心（受济南市人力资源和社会保障局委托）"
    assert "CITY-A" not in run("agency", "init", db=db).stderr  # set: no longer in the reminder


def test_demo_data_exported_and_imported_into_a_fresh_database_gives_the_same_rows(tmp_path):
    """`supervise roster export` → `roster import` round-trips `make demo-data` (identity numbers
    valid under GB 11643, internal cards of each institution's own issuer code)."""
    from procedures.rosters.exporting import _db_records

    demo, fresh = f"sqlite:///{tmp_path / 'demo.db'}", f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run("demo-data", "--date", "2026-12-07", db=demo).returncode == 0
    assert run("agency", "init", db=fresh).returncode == 0
    for kind in ("institutions", "supervisors", "sessions"):
        path = tmp_path / f"{kind}.xlsx"
        assert run("roster", "export", kind, "-o", str(path), db=demo).returncode == 0
        r = run("roster", "import", str(path), db=fresh)
        assert r.returncode == 0 and "未变 0" in r.stdout and "错误" not in r.stdout, r.stdout + r.stderr
        with session_scope(demo) as a, session_scope(fresh) as b:
            rows = list(_db_records(a, kind))
            assert rows and rows == list(_db_records(b, kind))
        assert "新增 0，更新 0" in run("roster", "import", str(path), db=demo).stdout  # unchanged at home too
