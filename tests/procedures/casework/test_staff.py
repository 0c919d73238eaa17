"""Agency staff accounts: the code printed once, kept hashed, checked on every decision."""

import pytest
from sqlmodel import select

from adapters.db import session_scope, upgrade
from cli.demo_data import add_agencies
from models import Agency, AgencyStaff
from procedures.casework import staff
from tests.app_env import app_env
from tests.cli.test_cli import run


@pytest.fixture
def agencies(db_url):
    with app_env({"SUPERVISION_DATABASE_URL": db_url}):
        upgrade()
        with session_scope() as s:
            add_agencies(s)
            s.add(Agency(id="TP-001", name="某评价服务公司", level="third_party", principal_id="CITY-A",
                         email="tp@example.cn", letter_prefix="某督"))
        yield db_url


def _add(agency="CITY-A", name="王经办", role="经办"):
    with session_scope() as s:
        row, code = staff.add(s, agency, name, role)
        return row.id, code


def _verify(case_agency, code, roles=staff.ROLES):
    with session_scope() as s:
        return staff.verify(s, case_agency, code, roles)


def test_staff_code_is_stored_only_as_a_hash(agencies):
    staff_id, code = _add()
    with session_scope() as s:
        row = s.get(AgencyStaff, staff_id)
        assert code.split("-", 1)[1] not in row.code_hash and row.code_hash.startswith("scrypt$")
    assert code.startswith(f"{staff_id:04d}-")


def test_staff_code_of_the_owning_agency_decides(agencies):
    staff_id, code = _add()
    decider = _verify("CITY-A", code)
    assert decider == staff.Decider(staff_id, "王经办", "CITY-A", "经办")


def test_staff_code_is_forgiving_of_case_spaces_and_o_for_zero(agencies):
    _, code = _add()
    typed = " " + code.lower().replace("0", "o", 1) + " "
    assert isinstance(_verify("CITY-A", typed), staff.Decider)


def test_wrong_staff_code_is_refused(agencies):
    staff_id, code = _add()
    wrong = f"{staff_id:04d}-AAAA-BBBB-CCCC"
    assert "不正确" in _verify("CITY-A", wrong)
    assert "不正确" in _verify("CITY-A", "9999-AAAA-BBBB-CCCC")
    assert "格式不对" in _verify("CITY-A", "")
    assert "格式不对" in _verify("CITY-A", code[:-1])


def test_staff_code_of_another_agency_is_refused(agencies):
    _, code = _add(agency="CITY-B", name="李经办")
    assert "CITY-B" in _verify("CITY-A", code) and "只有其工作人员" in _verify("CITY-A", code)


def test_commissioning_agency_staff_decide_for_its_third_party(agencies):
    _, code = _add()
    assert isinstance(_verify("TP-001", code), staff.Decider)
    _, tp_code = _add(agency="TP-001", name="第三方经办")
    assert isinstance(_verify("TP-001", tp_code), staff.Decider)
    assert "TP-001" in _verify("CITY-A", tp_code)  # not the other way round


def test_disabled_staff_code_is_refused(agencies):
    _, code = _add()
    with session_scope() as s:
        staff.disable(s, "CITY-A", "王经办")
    assert "已停用" in _verify("CITY-A", code)


def test_reissued_staff_code_replaces_the_old_one(agencies):
    _, first = _add()
    _, second = _add()
    assert "不正确" in _verify("CITY-A", first)
    assert isinstance(_verify("CITY-A", second), staff.Decider)


def test_decision_reserved_to_reviewers_refuses_a_handler(agencies):
    _, code = _add(role="经办")
    assert "审核" in _verify("CITY-A", code, roles=("审核",))


def test_staff_add_refuses_unknown_role_and_agency(agencies):
    with pytest.raises(staff.StaffError, match="角色"):
        _add(role="科长")
    with pytest.raises(staff.StaffError, match="委派机构"):
        _add(agency="NOPE")


def test_cli_staff_add_prints_the_code_once_and_disable_stops_it(agencies):
    r = run("staff", "add", "--agency", "CITY-A", "--name", "赵审核", "--role", "审核", db=agencies)
    assert r.returncode == 0, r.stderr
    code = next(line.removeprefix("代码：") for line in r.stdout.splitlines() if line.startswith("代码："))
    assert isinstance(_verify("CITY-A", code), staff.Decider)
    r = run("staff", "disable", "--agency", "CITY-A", "--name", "赵审核", db=agencies)
    assert r.returncode == 0 and "已停用" in r.stdout
    assert "已停用" in _verify("CITY-A", code)
    with session_scope() as s:
        assert s.exec(select(AgencyStaff).where(AgencyStaff.name == "赵审核")).one().active is False
    r = run("staff", "add", "--agency", "CITY-A", "--name", "x", "--role", "科长", db=agencies)
    assert r.returncode == 1 and "角色" in r.stderr
