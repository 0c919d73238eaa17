"""adapters.clock: the real clock in the agency's timezone (pendulum), plain stdlib types out."""

from datetime import UTC, date, datetime, timedelta

import pytest

from adapters import clock, settings


@pytest.fixture
def zone(monkeypatch):
    def use(name: str | None):
        if name is None:
            monkeypatch.delenv("SUPERVISION_TIMEZONE", raising=False)
        else:
            monkeypatch.setenv("SUPERVISION_TIMEZONE", name)
        settings.get_settings.cache_clear()

    yield use
    settings.get_settings.cache_clear()


def test_now_is_aware_in_shanghai_by_default_and_today_is_the_shanghai_day(zone):
    zone(None)
    utc_before = datetime.now(UTC)
    moment, day = clock.now(), clock.today()
    assert type(moment) is datetime and type(day) is date
    assert moment.utcoffset() == timedelta(hours=8) and str(moment.tzinfo) == "Asia/Shanghai"
    assert abs((moment - utc_before).total_seconds()) < 5
    # the Shanghai calendar day, computed independently (UTC+8, no DST in China)
    assert day in {(utc_before + timedelta(hours=8)).date(), (datetime.now(UTC) + timedelta(hours=8)).date()}


def test_clock_follows_the_timezone_setting(zone):
    zone("America/Los_Angeles")
    moment = clock.now()
    assert moment.utcoffset() in {timedelta(hours=-8), timedelta(hours=-7)}
    assert clock.tz().key == "America/Los_Angeles"


def test_session_times_convert_to_local_wall_clock(zone):
    zone(None)
    utc = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)
    local = utc.astimezone(clock.tz())
    assert (local.date(), local.hour, local.minute) == (date(2026, 11, 27), 0, 30)
