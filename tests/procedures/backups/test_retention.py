"""Which backups are kept: 7 daily, 4 weekly, counted over days and weeks that have a backup."""

from datetime import datetime, timedelta

from procedures.backups.retention import keep, prune

NIGHT = datetime(2026, 12, 6, 2, 30)  # a Sunday


def nightly(days: int, end: datetime = NIGHT) -> list[datetime]:
    return [end - timedelta(days=n) for n in range(days)]


def test_seven_nightly_backups_are_all_kept():
    assert keep(nightly(7)) == set(nightly(7))


def test_the_eighth_day_back_stays_as_its_weeks_newest_and_the_ninth_goes():
    moments = nightly(9)  # Sun 12-06 back to Sat 11-28
    # Days kept: 12-06 … 11-30 (7). Sun 11-29 is the newest of ISO week 48: kept as that week's.
    # Sat 11-28 is in week 48 too, older: it goes.
    assert keep(moments) == set(nightly(8))


def test_a_week_boundary_keeps_the_sunday_as_its_weeks_newest():
    moments = nightly(40)
    kept = keep(moments)
    weekly_only = sorted(kept - set(nightly(7)))
    assert [m.strftime("%a %m-%d") for m in weekly_only] == ["Sun 11-15", "Sun 11-22", "Sun 11-29"]
    assert len(kept) == 10  # 7 days + the newest of weeks 48, 47, 46 (week 49's is among the days)


def test_two_backups_on_one_day_keep_only_the_later():
    morning, night = NIGHT.replace(hour=9), NIGHT.replace(hour=23)
    assert keep([NIGHT, morning, night]) == {night}


def test_a_stopped_service_keeps_its_last_backups_however_old():
    old = nightly(3, end=datetime(2025, 3, 1, 2, 30))
    assert keep(old) == set(old)


def test_weeks_across_a_new_year_are_iso_weeks():
    # 2026-12-28 (Mon) … 2027-01-03 (Sun) is ISO week 53 of 2026: one week, one weekly backup.
    moments = [datetime(2026, 12, 28, 2, 30) + timedelta(days=n) for n in range(7)]
    assert keep(moments, daily=1, weekly=4) == {moments[-1]}
    assert keep([], daily=7, weekly=4) == set()


def test_prune_deletes_what_is_not_kept_and_only_backup_folders(tmp_path):
    for m in nightly(9):
        folder = tmp_path / m.strftime("%Y%m%d-%H%M%S")
        folder.mkdir()
        (folder / "manifest.json").write_text("{}")
    (tmp_path / "notes").mkdir()
    (tmp_path / ".20261101-023000.partial").mkdir()  # left by an interrupted backup
    gone = prune(tmp_path)
    assert sorted(p.name for p in gone) == [".20261101-023000.partial", "20261128-023000"]
    assert len([p for p in tmp_path.iterdir() if p.name[0].isdigit()]) == 8 and (tmp_path / "notes").exists()
