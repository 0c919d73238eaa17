"""Who may be dispatched (第十条, 第十三条, 第二十六条, 附件1) through the real dispatch
procedure (procedures.daily.opening.open_case, procedures.daily.dispatch.dispatch) on a real database,
SQLite and PostgreSQL. No Prefect: the procedure is what the flow's tasks call."""

import itertools
from datetime import date, timedelta

import pytest
from sqlmodel import select

from adapters import settings as settings_module
from adapters.db import get_engine, reset_engines, session_scope, upgrade
from cli.demo_data import add_agencies, add_institution, add_session, add_supervisor
from models import AppointmentTerm, ConflictDeclaration, Dispatch, Institution, Supervisor
from models.special_inspection import SpecialInspection
from procedures.daily import dispatch, opening

DAY = date(2026, 11, 26)
_runs = itertools.count()


@pytest.fixture
def world(db_url, tmp_path, monkeypatch):
    """City A with one institution, a provincial institution, and the env pointing at db_url."""
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPERVISION_VAR_DIR", str(tmp_path / "var"))
    settings_module.get_settings.cache_clear()
    reset_engines()  # the procedure opens the default engine: make it this test's database
    upgrade()
    with session_scope() as s:
        add_agencies(s)
        inst = add_institution(s, "济南测试评价中心", "T-A-001", city="A")
        prov = add_institution(s, "省级测试评价中心", "T-P-001", authority="province")
        ids = {"A": inst.id, "P": prov.id}
    yield ids
    get_engine().dispose()
    reset_engines()
    settings_module.get_settings.cache_clear()


def supervisor(name, area="A", serial=1, year=2025, **kw) -> int:
    with session_scope() as s:
        return add_supervisor(s, name, area, serial, year=year, **kw).id


def session(inst_id: int, on: date = DAY) -> str:
    batch = f"T-{next(_runs)}"
    with session_scope() as s:
        add_session(s, batch, s.get(Institution, inst_id), on)
    return batch


def inspect(inst_id: int, cards=None, k=1, on: date = DAY):
    """One daily inspection up to its dispatch, as the flow runs it."""
    view = opening.open_case(f"run-{next(_runs)}", session(inst_id, on), on, None)
    assert view.status == "dispatching", view.refusal_reason
    return dispatch.dispatch(view.case_id, cards, k)


def dispatched_codes(case_id: int) -> list[str]:
    with session_scope() as s:
        return list(s.exec(select(Supervisor.card_code).join(Dispatch, Dispatch.supervisor_id == Supervisor.id)
                           .where(Dispatch.case_id == case_id)))


def update(supervisor_id: int, **fields) -> None:
    with session_scope() as s:
        sup = s.get(Supervisor, supervisor_id)
        for k, v in fields.items():
            setattr(sup, k, v)
        s.add(sup)


def test_dismissed_supervisor_is_never_drawn_nor_accepted_by_name(world):
    dismissed = supervisor("解聘者", serial=1, status="dismissed")
    supervisor("在聘者", serial=2)
    named = inspect(world["A"], ["R3725A001"])
    assert named.status == "refused" and "R3725A001：已被解聘" in named.refusal_reason
    too_many = inspect(world["A"], k=2)
    assert too_many.status == "refused" and "仅 1 名" in too_many.refusal_reason
    for _ in range(2):  # a third would be refused: 3 in a row (第十三条)
        drawn = inspect(world["A"])
        assert drawn.status == "awaiting_record" and dispatched_codes(drawn.case_id) == ["R3725A002"]
    with session_scope() as s:
        assert s.exec(select(Dispatch).where(Dispatch.supervisor_id == dismissed)).first() is None


def test_dismissal_follows_the_person_to_another_card(world):
    old = supervisor("甲", serial=1, person_key="370101199001010011")
    update(old, status="dismissed", card_status="revoked")
    supervisor("甲", serial=1, year=2026, person_key="370101199001010011")  # a card issued later
    named = inspect(world["A"], ["R3726A001"])
    assert named.status == "refused" and "本人曾被解聘" in named.refusal_reason
    assert inspect(world["A"]).status == "refused"  # nobody else in the pool


def test_cancelled_card_is_never_drawn_nor_accepted_by_name(world):
    revoked = supervisor("乙", serial=1)
    update(revoked, card_status="revoked")
    named = inspect(world["A"], ["R3725A001"])
    assert named.status == "refused" and "证卡状态：已取消" in named.refusal_reason
    assert "仅 0 名" in inspect(world["A"]).refusal_reason


def test_reissued_card_of_a_person_not_dismissed_may_be_dispatched(world):
    old = supervisor("丙", serial=1, person_key="370101199001010033")
    update(old, card_status="revoked")  # card lost and re-issued: not a dismissal
    supervisor("丙", serial=1, year=2026, person_key="370101199001010033")
    view = inspect(world["A"], ["R3726A001"])
    assert view.status == "awaiting_record", view.refusal_reason


def test_stored_term_end_wins_over_the_computed_one(world):
    sid = supervisor("丁", serial=1)  # term 2025-01-01, computed end 2027-12-31
    with session_scope() as s:
        term = s.exec(select(AppointmentTerm).where(AppointmentTerm.supervisor_id == sid)).one()
        term.end = DAY - timedelta(days=1)  # ended early, yesterday
        s.add(term)
    named = inspect(world["A"], ["R3725A001"])
    assert named.status == "refused" and f"聘期已于 {DAY - timedelta(days=1)} 提前终止" in named.refusal_reason
    assert inspect(world["A"]).status == "refused"
    assert inspect(world["A"], ["R3725A001"], on=DAY - timedelta(days=1)).status == "awaiting_record"


def test_declared_conflict_follows_the_person_to_a_reissued_card(world):
    key = "370101199001010044"
    old = supervisor("戊", serial=1, person_key=key)
    with session_scope() as s:
        s.add(ConflictDeclaration(supervisor_id=old, institution_id=world["A"], declared_on=date(2025, 3, 1)))
    update(old, card_status="revoked")
    supervisor("戊", serial=1, year=2026, person_key=key)
    supervisor("己", serial=2)
    named = inspect(world["A"], ["R3726A001"])
    assert named.status == "refused" and "利害关系" in named.refusal_reason
    for _ in range(2):
        assert dispatched_codes(inspect(world["A"]).case_id) == ["R3725A002"]


def test_third_in_a_row_counts_dispatches_under_the_persons_earlier_card(world):
    key = "370101199001010055"
    old = supervisor("庚", serial=1, person_key=key)
    for on in (date(2026, 6, 1), date(2026, 9, 1)):
        assert inspect(world["A"], ["R3725A001"], on=on).status == "awaiting_record"
    update(old, card_status="revoked")
    supervisor("庚", serial=1, year=2026, person_key=key)
    named = inspect(world["A"], ["R3726A001"])
    assert named.status == "refused" and "一年内已连续2次" in named.refusal_reason
    assert "2026-06-01" in named.refusal_reason and "2026-09-01" in named.refusal_reason


def test_named_card_with_letter_o_is_found_under_its_canonical_code(world):
    supervisor("省督导", area="0", serial=1)  # stored as R37250001
    view = inspect(world["P"], [" r3725o001 "])
    assert view.status == "awaiting_record", view.refusal_reason
    assert dispatched_codes(view.case_id) == ["R37250001"]


def test_fourth_consecutive_term_after_a_one_day_gap_is_not_dispatched_unless_the_setting_allows(world, monkeypatch):
    sid = supervisor("辛", serial=1, term_start=date(2016, 1, 1))
    with session_scope() as s:
        for start in (date(2019, 1, 1), date(2022, 1, 2), date(2025, 1, 2)):  # a one-day gap before the 3rd
            s.add(AppointmentTerm(supervisor_id=sid, start=start, end=start.replace(year=start.year + 3)
                                  - timedelta(days=1), assessment_passed=True))
    named = inspect(world["A"], ["R3725A001"])
    assert named.status == "refused" and "连续第4届" in named.refusal_reason
    monkeypatch.setenv("SUPERVISION_TERM_GAP_MONTHS", "0")  # only a next-day renewal is consecutive
    settings_module.get_settings.cache_clear()
    assert inspect(world["A"], ["R3725A001"]).status == "awaiting_record"


# -- 第十三条: every external supervision at the institution counts, whichever procedure sent it ----
def _special(inst_filing: str, on: date):
    """A special inspection opened for real (procedures.special.findings.open_special)."""
    from procedures.special import opening

    view = opening.open_special(f"run-{next(_runs)}", opening.Opening(
        institution=inst_filing, origin="主动开展", reason="重点领域抽查", matters=[2], planned_start=str(on + timedelta(days=1)),
        planned_end=str(on + timedelta(days=2)), as_of=str(on)))
    assert view.status == "special_open", view.refusal_reason
    return view


def _team_codes(view) -> set[str]:
    return {m.card_code for m in view.members}


def test_two_special_inspection_teams_bar_a_third_daily_dispatch_in_a_row(world):
    for serial, employer in ((1, "甲大学"), (2, "乙公司"), (3, "丙协会")):
        supervisor(f"组员{serial}", serial=serial, employer=employer)
    supervisor("无单位", serial=4)  # a blank employer is never drawn into a team
    for _ in range(2):
        assert _team_codes(_special("T-A-001", DAY)) == {"R3725A001", "R3725A002", "R3725A003"}
    named = inspect(world["A"], ["R3725A001"])
    assert named.status == "refused" and "一年内已连续2次" in named.refusal_reason
    drawn = inspect(world["A"])
    assert dispatched_codes(drawn.case_id) == ["R3725A004"]


def test_two_daily_dispatches_bar_a_third_occasion_on_a_special_inspection_team(world):
    for serial, employer in ((1, "甲大学"), (2, "乙公司"), (3, "丙协会"), (4, "丁医院")):
        supervisor(f"督导{serial}", serial=serial, employer=employer)
    for _ in range(2):
        assert inspect(world["A"], ["R3725A001"]).status == "awaiting_record"
    view = _special("T-A-001", DAY)
    with session_scope() as s:  # R001 is not drawn because it was never a candidate (第十三条), not by the seed
        candidates = s.get(SpecialInspection, view.special_id).draw_candidates
    assert "R3725A001" not in candidates and {"R3725A002", "R3725A003", "R3725A004"} <= set(candidates)
    assert _team_codes(view) == {"R3725A002", "R3725A003", "R3725A004"}


@pytest.mark.parametrize("days_before, barred", [(365, True), (366, False)])
def test_team_memberships_bar_a_third_daily_dispatch_within_365_days_only(world, days_before, barred):
    for serial, employer in ((1, "甲大学"), (2, "乙公司"), (3, "丙协会")):
        supervisor(f"组员{serial}", serial=serial, employer=employer)
    supervisor("无单位", serial=4)
    for _ in range(2):  # both teams appointed the same day, `days_before` the daily dispatch (第十三条)
        assert _team_codes(_special("T-A-001", DAY - timedelta(days=days_before))) == {
            "R3725A001", "R3725A002", "R3725A003"}
    named = inspect(world["A"], ["R3725A001"])
    assert (named.status == "refused") is barred, named.refusal_reason
