"""The desk's sign-in: scrypt passwords with their parameters, sessions that end (8 h, sign-out,
disable, a new password), wrong passwords limited per account and per address, every attempt
logged, and 第五条's scope (a city its own and its third parties'; the province every city)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from adapters.clock import now
from adapters.db import session_scope
from models import AgencyStaff, DeskAccess, DeskSession
from procedures.casework import staff
from procedures.desk import auth
from tests.app_env import app_env
from tests.procedures.desk.world import build

PASSWORD = "correct horse 42"


@pytest.fixture
def world(db):
    w = build(date(2026, 12, 7))
    with session_scope() as s:
        for code in w["codes"].values():
            auth.set_password(s, code, PASSWORD)
    return w


def _sign_in(code, password=PASSWORD, address="10.0.0.1"):
    with session_scope() as s:
        return auth.sign_in(s, code, password, address)


def _user(token):
    with session_scope() as s:
        return auth.current(s, token)


def test_the_password_is_kept_as_a_salted_scrypt_hash_with_its_parameters(world):
    with session_scope() as s:
        row = s.get(AgencyStaff, world["staff"]["CITY-A"])
        assert row.password_hash.startswith("scrypt$n=16384,r=8,p=1$") and PASSWORD not in row.password_hash
        other = s.get(AgencyStaff, world["staff"]["CITY-B"])
        assert other.password_hash.split("$")[2] != row.password_hash.split("$")[2]  # salted
    assert auth.password_matches(PASSWORD, row.password_hash) and not auth.password_matches("wrong", row.password_hash)


def test_a_short_password_is_refused_naming_the_field_and_nothing_changes(world):
    with session_scope() as s:
        before = s.get(AgencyStaff, world["staff"]["CITY-A"]).password_hash
    with pytest.raises(auth.PasswordError, match="密码：长度"), session_scope() as s:
        auth.set_password(s, world["codes"]["CITY-A"], "short")
    with session_scope() as s:
        assert s.get(AgencyStaff, world["staff"]["CITY-A"]).password_hash == before


def test_code_and_password_open_a_session_whose_cookie_is_stored_only_hashed(world):
    got = _sign_in(world["codes"]["CITY-A"])
    assert got.token and not got.error
    user = _user(got.token)
    assert user.agency_id == "CITY-A" and user.agencies == frozenset({"CITY-A", "TP-001"})
    with session_scope() as s:
        assert got.token not in {r.token_hash for r in s.exec(select(DeskSession))}
        assert [r.what for r in s.exec(select(DeskAccess))] == ["signin_ok"]


@pytest.mark.parametrize("how", ["wrong password", "wrong code", "number only", "no password set"])
def test_a_wrong_sign_in_is_refused_in_chinese_and_logged(world, how):
    code = world["codes"]["CITY-A"]
    if how == "no password set":
        with session_scope() as s:
            s.exec(update(AgencyStaff).where(AgencyStaff.id == world["staff"]["CITY-A"]).values(password_hash=""))
    attempt = {"wrong password": (code, "not the password"), "wrong code": (code[:-1] + ("Y" if code.endswith("Z") else "Z"), PASSWORD),
               "number only": (code.split("-")[0], PASSWORD), "no password set": (code, PASSWORD)}[how]
    got = _sign_in(*attempt)
    assert not got.token and ("不正确" in got.error or "尚未设置登录密码" in got.error)
    with session_scope() as s:
        assert [(r.what, r.account) for r in s.exec(select(DeskAccess))] == [("signin_failed", code.split("-")[0])]


def test_wrong_passwords_are_limited_per_account_even_the_right_one_then(world):
    code = world["codes"]["CITY-A"]
    with app_env({"SUPERVISION_DESK_ACCOUNT_FAILURES": "3"}):
        for n in range(3):
            assert "不正确" in _sign_in(code, "wrong", f"10.0.1.{n}").error  # three addresses: the account counts
        got = _sign_in(code, PASSWORD, "10.0.1.9")
    assert not got.token and "次数过多" in got.error and got.wait_seconds > 0
    assert _sign_in(world["codes"]["CITY-B"]).token  # another account is not held up


def test_wrong_passwords_are_limited_per_address_across_accounts(world):
    with app_env({"SUPERVISION_DESK_ADDRESS_FAILURES": "2"}):
        _sign_in(world["codes"]["CITY-A"], "wrong", "10.9.9.9")
        _sign_in(world["codes"]["CITY-B"], "wrong", "10.9.9.9")
        assert "次数过多" in _sign_in(world["codes"]["PROV"], PASSWORD, "10.9.9.9").error
        assert _sign_in(world["codes"]["PROV"], PASSWORD, "10.9.9.8").token


def test_a_session_ends_after_8_hours_on_sign_out_on_disable_and_on_a_new_password(world):
    tokens = [_sign_in(world["codes"]["CITY-A"]).token for _ in range(4)]
    assert all(_user(t) for t in tokens)
    with session_scope() as s:
        row = s.exec(select(DeskSession).where(DeskSession.token_hash == _user(tokens[0]).session_hash)).one()
        assert row.expires_at - row.created_at == timedelta(hours=8)
        row.expires_at = now() - timedelta(seconds=1)
    assert _user(tokens[0]) is None
    with session_scope() as s:
        auth.sign_out(s, _user(tokens[1]), "10.0.0.1")
    assert _user(tokens[1]) is None and _user(tokens[2]) is not None
    with session_scope() as s:
        auth.set_password(s, world["codes"]["CITY-A"], "another password 7")
    assert _user(tokens[2]) is None and _user(tokens[3]) is None
    fresh = _sign_in(world["codes"]["CITY-A"], "another password 7").token
    with session_scope() as s:
        staff.disable(s, "", "", world["staff"]["CITY-A"])
    assert _user(fresh) is None
    assert "停用" in _sign_in(world["codes"]["CITY-A"], "another password 7").error


def test_a_tampered_or_unknown_cookie_is_no_session(world):
    token = _sign_in(world["codes"]["CITY-A"]).token
    assert _user(token[:-1] + ("A" if token[-1] != "A" else "B")) is None and _user("") is None
    assert _user("x" * 500) is None


def test_the_province_sees_every_city_and_a_city_only_its_own_and_its_third_parties(world):
    users = {a: _user(_sign_in(c).token) for a, c in world["codes"].items()}
    assert users["PROV"].agencies is None and users["PROV"].sees("CITY-B")
    assert users["CITY-A"].sees("TP-001") and not users["CITY-A"].sees("CITY-B")
    assert users["CITY-B"].agencies == frozenset({"CITY-B"})


def test_the_csrf_token_is_bound_to_the_session(world):
    a, b = (_user(_sign_in(world["codes"]["CITY-A"]).token) for _ in range(2))
    assert auth.csrf_ok(a, a.csrf) and not auth.csrf_ok(a, b.csrf) and not auth.csrf_ok(a, None)
