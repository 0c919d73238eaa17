"""第二十三条 撤销备案回执: 「不再受理其备案或遴选申请」 — a new filing of a revoked organisation (its
unified social credit code) is refused, by roster import and the CLI, naming the revocation's number."""

from datetime import date

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from adapters.db import session_scope, upgrade
from cli.app import app
from cli.demo_data import add_agencies
from models import Institution, InstitutionHistory
from procedures.rosters.importing import RosterRejected, import_roster
from regulation.credit_code import CreditCodeError, make_code, validate
from tests.app_env import app_env
from tests.procedures.rosters.test_rosters import AS_OF, inst_row, workbook

CODE = make_code("91370100MA3C5X1K2")


@pytest.fixture
def roster_db(db_url):
    """A migrated database of each kind (SQLite, PostgreSQL) with the agencies."""
    upgrade(db_url)
    with session_scope(db_url) as s:
        add_agencies(s)
    return db_url


def _revoke(url: str, filing_number: str, number: str = "鲁质督〔2026〕12号") -> None:
    """As the sanction procedure leaves it: revoked, the 撤销备案回执 in the 监管档案."""
    with session_scope(url) as s:
        inst = s.exec(select(Institution).where(Institution.filing_number == filing_number)).one()
        inst.status = "revoked"
        s.add(InstitutionHistory(key=f"t-{inst.id}", institution_id=inst.id, kind="revocation", on=date(2026, 10, 8),
                                 number=number, article="第二十三条（四）", text="撤销备案回执"))


@pytest.mark.parametrize("code,ok", [("91350100M000100Y43", True), ("91350100m000100y43", True),
                                     ("91350100M000100Y44", False), ("91350100M000100Y4", False),
                                     ("91350100M000100I43", False)])
def test_a_unified_social_credit_code_is_checked_by_gb_32100(code, ok):
    if ok:
        assert validate(code) == code.upper()
    else:
        with pytest.raises(CreditCodeError):
            validate(code)


def test_a_new_filing_of_a_revoked_organisation_is_refused_naming_the_revocation(roster_db, tmp_path):
    first = workbook(tmp_path / "a.xlsx", {"institutions": [inst_row(31) + [CODE]]})
    assert import_roster(first, as_of=AS_OF, url=roster_db).written
    _revoke(roster_db, "37010020000031")
    again = workbook(tmp_path / "b.xlsx", {"institutions": [inst_row(32, name="新名称机构") + [CODE.lower()]]})
    with pytest.raises(RosterRejected) as caught:
        import_roster(again, as_of=AS_OF, url=roster_db)
    text = str(caught.value)
    assert "统一社会信用代码" in text and "鲁质督〔2026〕12号" in text and "不再受理其备案或遴选申请" in text
    with session_scope(roster_db) as s:
        assert s.exec(select(Institution).where(Institution.filing_number == "37010020000032")).first() is None
    other = workbook(tmp_path / "c.xlsx", {"institutions": [inst_row(33) + [make_code("91370100MA3C5X1K3")]]})
    assert import_roster(other, as_of=AS_OF, url=roster_db).written  # another organisation files as before


def test_a_revoked_filing_is_not_made_active_again_by_a_roster(roster_db, tmp_path):
    assert import_roster(workbook(tmp_path / "a.xlsx", {"institutions": [inst_row(34) + [CODE]]}),
                         as_of=AS_OF, url=roster_db).written
    _revoke(roster_db, "37010020000034", "鲁质督〔2026〕15号")
    with pytest.raises(RosterRejected) as caught:
        import_roster(workbook(tmp_path / "b.xlsx", {"institutions": [inst_row(34) + [CODE]]}), as_of=AS_OF, url=roster_db)
    assert "鲁质督〔2026〕15号" in str(caught.value) and "不能改为其他状态" in str(caught.value)
    unchanged = workbook(tmp_path / "c.xlsx", {"institutions": [inst_row(34, status="已撤销备案") + [CODE]]})
    assert import_roster(unchanged, as_of=AS_OF, url=roster_db).written  # re-imported as it stands: fine


def test_the_cli_roster_import_refuses_the_refiling_in_chinese(roster_db, tmp_path):
    assert import_roster(workbook(tmp_path / "a.xlsx", {"institutions": [inst_row(35) + [CODE]]}),
                         as_of=AS_OF, url=roster_db).written
    _revoke(roster_db, "37010020000035", "鲁质督〔2026〕16号")
    path = workbook(tmp_path / "b.xlsx", {"institutions": [inst_row(36) + [CODE]]})
    with app_env({"SUPERVISION_DATABASE_URL": roster_db, "SUPERVISION_VAR_DIR": str(tmp_path / "var")}):
        result = CliRunner().invoke(app, ["roster", "import", str(path)])
    assert result.exit_code != 0 and "鲁质督〔2026〕16号" in result.output
