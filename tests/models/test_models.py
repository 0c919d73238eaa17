"""The schema on SQLite and a real PostgreSQL: migrate, write, read, refuse duplicates whole."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from adapters.db import alembic_config, get_engine, session_scope, upgrade
from models import (
    Agency,
    AppointmentTerm,
    ConflictDeclaration,
    Dispatch,
    Draw,
    EvaluationSession,
    Institution,
    Supervisor,
)

SH = ZoneInfo("Asia/Shanghai")


def seed(url):
    with session_scope(url) as s:
        s.add(Agency(id="CITY-A", name="济南市技能人才评价管理部门", level="city", city_letter="A",
                     email="jn@example.cn", letter_prefix="济人社督"))
        inst = Institution(name="济南某职业技能评价中心", filing_authority="city", city_letter="A",
                           filing_number="S370100000001", category="social_org", filed_on=date(2023, 1, 5),
                           scope_occupations=["电工", "焊工"], scope_levels=["四级", "三级"],
                           scope_regions=["济南市"], exam_sites=["历下区考点"], contact_email="inst@example.cn")
        sup = Supervisor(name="张三", person_key="370101199001010011", kind="external", card_code="R3726A001",
                         issuer="CITY-A", email="zs@example.cn",
                         eligibility={"一": True, "二": True, "三": True, "四": True, "五": True},
                         eligibility_attested_on=date(2026, 1, 1))
        s.add(inst)
        s.add(sup)
        s.flush()
        s.add(AppointmentTerm(supervisor_id=sup.id, start=date(2026, 1, 1), end=date(2028, 12, 31),
                              assessment_passed=True))
        s.add(ConflictDeclaration(supervisor_id=sup.id, institution_id=inst.id, declared_on=date(2026, 2, 1),
                                  reason="曾任职"))
        sess = EvaluationSession(batch_number="PC-2026-0001", institution_id=inst.id, occupation="电工",
                                 level="四级", form_kind="theory", site="历下区考点",
                                 starts_at=datetime(2026, 11, 26, 9, tzinfo=SH), ends_at=datetime(2026, 11, 26, 11, tzinfo=SH),
                                 examiners=[{"name": "李四", "person_key": "X1"}])
        s.add(sess)
        s.flush()
        draw = Draw(session_id=sess.id, agency_id="CITY-A", drawn_on=date(2026, 11, 25), seed="abc", k=1,
                    candidates=["R3726A001"], candidates_hash="0" * 64, chosen=["R3726A001"])
        s.add(draw)
        s.flush()
        s.add(Dispatch(session_id=sess.id, supervisor_id=sup.id, agency_id="CITY-A", institution_id=inst.id,
                       draw_id=draw.id, dispatched_on=date(2026, 11, 25)))


def test_schema_migrates_and_round_trips_every_table(db_url):
    upgrade(db_url)
    seed(db_url)
    with session_scope(db_url) as s:
        inst = s.exec(select(Institution)).one()
        assert inst.scope_occupations == ["电工", "焊工"] and inst.status == "active"
        sess = s.exec(select(EvaluationSession)).one()
        assert sess.examiners == [{"name": "李四", "person_key": "X1"}]
        assert sess.starts_at == datetime(2026, 11, 26, 9, tzinfo=SH)  # same instant, whatever zone read back
        assert s.exec(select(Draw)).one().chosen == ["R3726A001"]
        assert s.exec(select(Dispatch)).one().status == "dispatched"
        assert s.exec(select(Supervisor)).one().eligibility["五"] is True


def test_duplicate_card_code_is_refused_and_nothing_of_that_transaction_is_written(db_url):
    upgrade(db_url)
    seed(db_url)
    with pytest.raises(IntegrityError):
        with session_scope(db_url) as s:
            s.add(Agency(id="CITY-B", name="青岛", level="city", city_letter="B", email="qd@example.cn",
                         letter_prefix="青人社督"))
            s.add(Supervisor(name="重复", person_key="P2", kind="external", card_code="R3726A001",
                             issuer="CITY-A", email="x@example.cn"))
    with session_scope(db_url) as s:
        assert s.get(Agency, "CITY-B") is None  # the whole transaction rolled back


def test_upgrade_is_idempotent_and_downgrade_reverses(db_url):
    upgrade(db_url)
    upgrade(db_url)
    command.downgrade(alembic_config(db_url), "base")
    upgrade(db_url)
    seed(db_url)


def test_migrations_match_the_models(sqlite_url):
    upgrade(sqlite_url)
    command.check(alembic_config(sqlite_url))  # raises when models and migrations drift


def test_sqlite_engine_enforces_foreign_keys(sqlite_url):
    upgrade(sqlite_url)
    with pytest.raises(IntegrityError):
        with session_scope(sqlite_url) as s:
            s.add(ConflictDeclaration(supervisor_id=999, institution_id=999, declared_on=date(2026, 1, 1)))
    get_engine(sqlite_url).dispose()


def test_supervisor_suspended_from_dispatch_is_stored_on_both_databases(db_url):
    # 第二十六条 暂停委派: the status "dispatch_suspended" is 18 characters long.
    upgrade(db_url)
    seed(db_url)
    with session_scope(db_url) as s:
        sup = s.exec(select(Supervisor)).one()
        sup.status = "dispatch_suspended"
        s.add(sup)
    with session_scope(db_url) as s:
        assert s.exec(select(Supervisor)).one().status == "dispatch_suspended"


def test_the_default_engine_follows_the_database_setting_not_the_first_one_used(tmp_path, monkeypatch):
    # The CI failure of stop 25: a worker that had used get_engine() for one test's database kept
    # answering later tests' default sessions with it, after the setting had changed.
    from adapters import settings as settings_module

    first, second = (f"sqlite:///{tmp_path / n / 'supervision.db'}" for n in ("a", "b"))
    try:
        for url in (first, second):
            monkeypatch.setenv("SUPERVISION_DATABASE_URL", url)
            settings_module.get_settings.cache_clear()
            assert str(get_engine().url) == url
    finally:
        settings_module.get_settings.cache_clear()
