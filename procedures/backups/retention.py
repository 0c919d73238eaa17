"""Which backups to keep: the newest of each of the last 7 days that have one, and the newest of
each of the last 4 ISO weeks that have one (`keep` is pure: it counts days and weeks that hold a
backup, so a service that was stopped for a fortnight never deletes its last good copies).
`prune` deletes the others under a backup folder, and what an interrupted backup left."""

import shutil
from datetime import datetime
from pathlib import Path

DAILY, WEEKLY = 7, 4
STAMP = "%Y%m%d-%H%M%S"


def keep(moments: list[datetime], daily: int = DAILY, weekly: int = WEEKLY) -> set[datetime]:
    kept: set[datetime] = set()
    days: set = set()
    weeks: set = set()
    for moment in sorted(moments, reverse=True):
        day, week = moment.date(), moment.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.add(day)
            kept.add(moment)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            kept.add(moment)
    return kept


def parse(name: str) -> datetime | None:
    try:
        return datetime.strptime(name, STAMP)
    except ValueError:
        return None


def prune(dest: Path, daily: int = DAILY, weekly: int = WEEKLY) -> list[Path]:
    """Delete the backups under `dest` that `keep` does not keep (only folders named as backups
    are, and have a manifest), and unfinished ones older than the newest; returns what went."""
    backups = {parse(p.name): p for p in dest.iterdir() if p.is_dir() and parse(p.name)
               and (p / "manifest.json").is_file()} if dest.is_dir() else {}
    kept = keep(list(backups), daily, weekly)
    gone = [p for moment, p in sorted(backups.items()) if moment not in kept]
    newest = max(backups, default=None)
    for p in dest.glob(".*.partial") if dest.is_dir() else []:
        started = parse(p.name.removeprefix(".").removesuffix(".partial"))
        if started and newest and started < newest:
            gone.append(p)
    for p in gone:
        shutil.rmtree(p)
    return gone
