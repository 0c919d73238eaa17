"""Rosters in and out of Excel: template → import → export → re-import, many errors, updates."""

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import AgencyStaff, AppointmentTerm, EvaluationSession, Institution, Supervisor
from procedures.rosters.exporting import export, write_template
from procedures.rosters.importing import RosterRejected, import_roster
from procedures.rosters.reading import ImportReport
from procedures.rosters.schema import LAYOUTS
from regulation.identity import make_number

AS_OF = date(2026, 11, 27)


@pytest.fixture
def db(db_url):
    upgrade(db_url)
    with session_scope(db_url) as s:
        add_agencies(s)
    return db_url


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A roster file with the layout's headers and the given rows, per kind."""
    wb = Workbook()
    wb.remove(wb.active)
    for kind, rows in sheets.items():
        layout = LAYOUTS[kind]
        ws = wb.create_sheet(layout.sheet)
        ws.append([c.header for c in layout.columns])
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def pid(n: int) -> str:
    return make_number("370102", date(1980, 1, 1 + n % 28), n)


def inst_row(n: int, **kw) -> list:
    v = {"name": f"机构{n}", "no": f"37010020{n:06d}", "auth": "市级备案", "city": "A", "cat": "社会培训评价组织",
         "ind": None, "filed": date(2024, 1, 10), "occ": "电工；焊工", "lvl": "五级；四级", "reg": None,
         "sites": f"机构{n}考点", "status": "正常", "mail": f"i{n}@example.cn", "last": None} | kw
    return list(v.values())


def sup_row(n: int, **kw) -> list:
    v = {"code": f"R3724A{n:03d}", "name": f"督导{n}", "id": pid(n), "emp": "某单位", "city": "A",
         "phone": "13800000000", "mail": f"s{n}@example.cn", "issued": date(2024, 3, 1),
         "terms": "2024-04-01至2027-03-31"} | kw
    return list(v.values())


def sess_row(n: int, inst: int = 1, **kw) -> list:
    v = {"batch": f"B{n:08d}", "inst": f"37010020{inst:06d}", "occ": "电工", "lvl": "四级", "form": "理论考核",
         "reg": None, "site": f"机构{inst}考点", "start": datetime(2026, 12, 5, 9), "end": datetime(2026, 12, 5, 11),
         "cand": 40, "ex": f"考评甲:{pid(500 + n)}",
         "in": f"内督乙:S{inst:06d}260001:{pid(900 + n)}"} | kw
    return list(v.values())


def staff_row(name="赵六", role="经办", agency="CITY-A") -> list:
    return [agency, name, role, "是"]


def full_file(path: Path) -> Path:
    return workbook(path, {
        "institutions": [inst_row(1), inst_row(2, auth="省级备案", city=None)],
        "supervisors": [sup_row(1), sup_row(2, terms="2021-04-01至2024-03-31；2024-04-01至2027-03-31"),
                        sup_row(3, code="S000001240001", terms=None)],
        "staff": [staff_row(), staff_row("钱七", "审核")],
        "sessions": [sess_row(1), sess_row(2, inst=2)],
    })


def counts(url):
    with session_scope(url) as s:
        return tuple(len(list(s.exec(select(m)))) for m in
                     (Institution, Supervisor, AppointmentTerm, AgencyStaff, EvaluationSession))


def test_roster_import_writes_every_kind_and_reimport_changes_nothing(db, tmp_path):
    path = full_file(tmp_path / "roster.xlsx")
    report = import_roster(path, as_of=AS_OF, url=db)
    assert report.ok and report.written, report.text()
    assert counts(db) == (2, 3, 3, 2, 2)
    assert dict(report.created) == {"institutions": 2, "supervisors": 3, "staff": 2, "sessions": 2}
    again = import_roster(path, as_of=AS_OF, url=db)
    assert not again.created and not again.updated
    assert sum(again.unchanged.values()) == 9
    assert counts(db) == (2, 3, 3, 2, 2)
    with session_scope(db) as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == "R3724A001")).one()
        assert (sup.kind, sup.issuer, sup.person_key, sup.city_letter) == ("external", "CITY-A", pid(1), "A")
        assert s.exec(select(Supervisor).where(Supervisor.card_code == "S000001240001")).one().kind == "internal"
        assert all(st.code_hash == "" for st in s.exec(select(AgencyStaff)))


def test_roster_dry_run_reports_but_writes_nothing(db, tmp_path):
    report = import_roster(full_file(tmp_path / "roster.xlsx"), dry_run=True, as_of=AS_OF, url=db)
    assert report.ok and not report.written and report.created["sessions"] == 2
    assert counts(db) == (0, 0, 0, 0, 0)


def test_roster_changed_row_updates_its_record_and_says_so(db, tmp_path):
    import_roster(full_file(tmp_path / "a.xlsx"), as_of=AS_OF, url=db)
    changed = workbook(tmp_path / "b.xlsx", {"supervisors": [sup_row(1, mail="new@example.cn", phone="0531-88888888")],
                                             "sessions": [sess_row(1, cand=55)]})
    report = import_roster(changed, as_of=AS_OF, url=db)
    assert report.updated == ["督导员 第2行 R3724A001：已更新（手机、电子邮箱）",
                              "评价计划及场次 第2行 B00000001：已更新（考生人数）"]
    with session_scope(db) as s:
        sup = s.exec(select(Supervisor).where(Supervisor.card_code == "R3724A001")).one()
        assert (sup.email, sup.phone) == ("new@example.cn", "0531-88888888")
        assert s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "B00000001")).one() \
            .candidate_count == 55


def test_roster_export_reimports_unchanged(db, tmp_path):
    import_roster(full_file(tmp_path / "a.xlsx"), as_of=AS_OF, url=db)
    for kind in LAYOUTS:
        out = tmp_path / f"export-{kind}.xlsx"
        assert export(kind, out, url=db) >= 2
        report = import_roster(out, as_of=AS_OF, url=db)
        assert not report.created and not report.updated, (kind, report.text())
    wb = load_workbook(tmp_path / "export-supervisors.xlsx")
    assert wb.sheetnames == ["督导员", "填写说明"]
    assert [c.value for c in wb["督导员"][1]][:3] == ["证卡编码", "姓名", "身份证号"]


def test_roster_file_with_errors_in_many_rows_reports_every_one_and_writes_nothing(db, tmp_path):
    bad = workbook(tmp_path / "bad.xlsx", {
        "institutions": [inst_row(1), inst_row(2, auth="市级备案", city=None), inst_row(3, lvl="六级"),
                         inst_row(1, name="重复")],
        "supervisors": [sup_row(1, id="370102198001010011"), sup_row(2, code="R3724Z002"),
                        sup_row(3, mail="不是邮箱"), sup_row(4, issued=date(2023, 5, 1)),
                        sup_row(5, terms="2015-01-01至2017-12-31；2018-01-01至2020-12-31；2021-01-01至2023-12-31；"
                                         "2024-01-01至2026-12-31"),
                        sup_row(6, id=pid(3))],
        "sessions": [sess_row(1, end=datetime(2026, 12, 5, 8)), sess_row(2, inst=99), sess_row(3, lvl=None),
                     sess_row(4, **{"in": f"内督:Y999999260001:{pid(904)}"}),
                     sess_row(5, **{"ex": f"甲:{pid(77)}", "in": f"甲:S000001260001:{pid(77)}"})],
        "staff": [staff_row(agency="CITY-Z"), staff_row("孙八", "主任")],
    })
    with pytest.raises(RosterRejected) as caught:
        import_roster(bad, as_of=AS_OF, url=db)
    errors = [str(e) for e in caught.value.report.errors]
    expected = [
        ("评价机构」第3行 D列「备案地市代码」", "必须填写备案地市代码"),
        ("评价机构」第4行 I列「备案等级」", "六级"),
        ("评价机构」第5行 B列「备案号」", "与本工作表第2行重复"),
        ("督导员」第2行 C列「身份证号」", "校验码错误"),
        ("督导员」第3行 A列「证卡编码」", "第6位"),
        ("督导员」第4行 G列「电子邮箱」", "应为电子邮箱地址"),
        ("督导员」第5行 H列「发证日期」", "年份 2024"),
        ("督导员」第6行 I列「聘期」", "连续聘任不得超过3届"),
        ("督导员」第7行 C列「身份证号」", "第4行已有外督证卡"),
        ("评价计划及场次」第2行 I列「结束时间」", "应晚于开始时间"),
        ("评价计划及场次」第3行 B列「机构备案号」", "既不在本文件"),
        ("评价计划及场次」第4行 D列「等级」", "必填"),
        ("评价计划及场次」第5行 L列「内督员」", "第十二条"),
        ("评价计划及场次」第6行 L列「内督员」", "第十三条"),
        ("委派机构工作人员」第2行 A列「委派机构代码」", "CITY-Z"),
        ("委派机构工作人员」第3行 C列「角色」", "经办/审核"),
    ]
    for where, what in expected:
        assert any(where in e and what in e for e in errors), (where, what, errors)
    assert len(errors) == len(expected), errors
    assert counts(db) == (0, 0, 0, 0, 0)


def test_roster_unknown_column_such_as_a_staff_code_is_refused(db, tmp_path):
    path = tmp_path / "staff.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "委派机构工作人员"
    ws.append(["委派机构代码", "姓名", "角色", "个人工作码"])
    ws.append(["CITY-A", "赵六", "经办", "123456"])
    wb.save(path)
    with pytest.raises(RosterRejected) as caught:
        import_roster(path, as_of=AS_OF, url=db)
    assert "D列「个人工作码」" in str(caught.value) and counts(db)[3] == 0


def test_roster_session_warnings_do_not_block_import(db, tmp_path):
    path = workbook(tmp_path / "w.xlsx", {"institutions": [inst_row(1)],
                                          "sessions": [sess_row(1, occ="育婴员", **{"in": None})]})
    report = import_roster(path, as_of=AS_OF, url=db)
    text = report.text()
    assert report.written and "第十六条" in text and "不在备案范围内" in text


def test_roster_template_has_example_validation_and_help(tmp_path):
    for kind, layout in LAYOUTS.items():
        path = write_template(kind, tmp_path / f"{kind}.xlsx")
        wb = load_workbook(path)
        ws = wb[layout.sheet]
        assert [c.value for c in ws[1]] == [c.header for c in layout.columns]
        assert ws.max_row == 2
        assert "填写说明" in wb.sheetnames
        if any(c.choices for c in layout.columns):
            assert ws.data_validations.dataValidation


def test_roster_template_example_rows_import_cleanly(db, tmp_path):
    for kind in ("institutions", "supervisors", "sessions", "staff"):
        report = import_roster(write_template(kind, tmp_path / f"{kind}.xlsx"), as_of=AS_OF, url=db)
        assert report.ok and not report.warnings, report.text()


@pytest.mark.parametrize("terms, ok", [
    ("2024-04-01至2027-03-31", True),            # exactly three years (第十条)
    ("2024-04-01至2027-04-01", False),           # one day longer
    ("2024-04-01至2025-06-30", True),            # ended early: the stored end
    ("2018-04-01至2021-03-31；2021-04-01至2024-03-31；2024-04-01至2027-03-31", True),   # three consecutive
])
def test_roster_term_length_and_consecutive_terms_at_their_edges(db, tmp_path, terms, ok):
    path = workbook(tmp_path / "t.xlsx", {"supervisors": [sup_row(1, terms=terms)]})
    if ok:
        assert import_roster(path, as_of=AS_OF, url=db).ok
    else:
        with pytest.raises(RosterRejected, match="超过三年"):
            import_roster(path, as_of=AS_OF, url=db)


@pytest.mark.parametrize("sheet, row, message", [
    ("supervisors", sup_row(1, issued=date(2024, 12, 31)), None),
    ("supervisors", sup_row(1, code="R3726A001", issued=AS_OF), None),
    ("supervisors", sup_row(1, code="R3726A001", issued=date(2026, 11, 28), terms=None), "不晚于今天"),
    ("institutions", inst_row(1, filed=AS_OF), None),
    ("institutions", inst_row(1, filed=date(2026, 11, 28)), "晚于今天"),
    ("institutions", inst_row(1, auth="省级备案", city="A"), "不填备案地市代码"),
    ("institutions", inst_row(1, auth="人社部备案", city=None), None),
])
def test_roster_dates_and_filing_level_checked_at_their_edges(db, tmp_path, sheet, row, message):
    path = workbook(tmp_path / "d.xlsx", {sheet: [row]})
    if message is None:
        assert import_roster(path, as_of=AS_OF, url=db).ok
    else:
        with pytest.raises(RosterRejected, match=message):
            import_roster(path, as_of=AS_OF, url=db)


def test_roster_banned_person_cannot_come_back_with_a_new_card(db, tmp_path):
    from models.lifecycle import MisconductCase, SupervisionBan

    import_roster(workbook(tmp_path / "a.xlsx", {"supervisors": [sup_row(1)]}), as_of=AS_OF, url=db)
    with session_scope(db) as s:
        sup = s.exec(select(Supervisor)).one()
        case = MisconductCase(key="k", supervisor_id=sup.id, item=5, facts="f", source="registered", opened_on=AS_OF)
        s.add(case)
        s.flush()
        s.add(SupervisionBan(person_key=sup.person_key, since=AS_OF, misconduct_case_id=case.id))
    again = workbook(tmp_path / "b.xlsx", {"supervisors": [sup_row(1, code="R3726A009", terms=None)]})
    with pytest.raises(RosterRejected, match="第二十六条"):
        import_roster(again, as_of=AS_OF, url=db)


def test_two_simultaneous_imports_never_give_a_raw_database_error_nor_a_partial_roster(db, tmp_path, monkeypatch):
    import threading

    from procedures.rosters import importing as rosters

    checked, one_at_a_time = rosters._Plan.check_all, rosters._one_import_at_a_time
    asked, both_asked = [], threading.Event()

    def ask_for_the_lock(s):  # each import says so before it asks for the one-import-at-a-time lock
        asked.append(s)
        if len(asked) == 2:
            both_asked.set()
        one_at_a_time(s)

    def slow_check(self):  # both files checked before either is written: the race staff met. The
        checked(self)  # first, checked, writes only once the second has asked for the lock (no sleep)
        assert both_asked.wait(30), "the second import never started"

    monkeypatch.setattr(rosters, "_one_import_at_a_time", ask_for_the_lock)
    monkeypatch.setattr(rosters._Plan, "check_all", slow_check)
    paths = [full_file(tmp_path / "a.xlsx"), full_file(tmp_path / "b.xlsx")]
    outcomes: list = []

    def run(path):
        try:
            outcomes.append(import_roster(path, as_of=AS_OF, url=db))
        except RosterRejected as exc:
            outcomes.append(exc)
        except Exception as exc:  # noqa: BLE001 — what the test is about
            outcomes.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == 2
    assert all(isinstance(o, (RosterRejected, ImportReport)) for o in outcomes), outcomes
    for o in outcomes:
        if isinstance(o, RosterRejected):  # refused whole, in Chinese
            assert "另一份名册" in o.report.text() and not o.report.written
    assert any(isinstance(o, ImportReport) and o.written for o in outcomes)
    assert counts(db) == (2, 3, 3, 2, 2)  # the roster whole, once


def test_a_suspended_institution_gets_no_new_session_but_keeps_one_already_planned(db, tmp_path):
    first = workbook(tmp_path / "a.xlsx", {"institutions": [inst_row(7)], "sessions": [sess_row(70, inst=7)]})
    assert import_roster(first, as_of=AS_OF, url=db).written
    with session_scope(db) as s:
        s.exec(select(Institution).where(Institution.filing_number == "37010020000007")).one().status = "suspended"
    again = workbook(tmp_path / "b.xlsx", {"sessions": [sess_row(70, inst=7)]})
    assert "第二十三条（一）" in import_roster(again, as_of=AS_OF, url=db).text()  # planned before: a warning
    new = workbook(tmp_path / "c.xlsx", {"sessions": [sess_row(71, inst=7)]})
    with pytest.raises(RosterRejected) as caught:
        import_roster(new, as_of=AS_OF, url=db)
    assert "正暂停评价活动、限期整改" in str(caught.value) and "不受理新的评价场次" in str(caught.value)
    with session_scope(db) as s:
        assert s.exec(select(EvaluationSession).where(EvaluationSession.batch_number == "B00000071")).first() is None


@pytest.mark.parametrize("new_terms, ok", [
    ("2024-04-01至2027-03-31", False),  # a 4th 届 in a row on the re-issued card
    ("2023-07-01至2024-03-31", True),   # the 3rd 届's remainder carried to the new card: the same 届
])
def test_roster_consecutive_terms_are_counted_per_person_across_a_reissued_card(db, tmp_path, new_terms, ok):
    three = "2015-04-01至2018-03-31；2018-04-01至2021-03-31；2021-04-01至2023-06-30"
    import_roster(workbook(tmp_path / "a.xlsx", {"supervisors": [sup_row(1, issued=date(2015, 3, 1), code="R3715A001",
                                                                          terms=three)]}), as_of=AS_OF, url=db)
    with session_scope(db) as s:
        old = s.exec(select(Supervisor)).one()
        old.card_status = "revoked"  # lost: re-issued under a new code
        s.add(old)
    path = workbook(tmp_path / "b.xlsx", {"supervisors": [
        sup_row(1, issued=date(2023, 7, 1), code="R3723A001", terms=new_terms)]})
    if ok:
        assert import_roster(path, as_of=AS_OF, url=db).ok
    else:
        with pytest.raises(RosterRejected, match="连续第4届"):
            import_roster(path, as_of=AS_OF, url=db)
