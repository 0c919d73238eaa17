"""The real clock, in the agency's timezone (Asia/Shanghai by default), through pendulum.

Rules never call it: flows pass dates down. `now()` is timezone-aware; `today()` is the
agency's calendar day (in Shandong, 00:30 local is still the previous day in UTC).
Both return the standard types (`datetime`, `date`), so callers, the ORM and Prefect's
serialisers see nothing new.
"""

from datetime import date, datetime
from functools import cache

import pendulum
from pendulum.tz.timezone import Timezone

from adapters.settings import get_settings


def tz() -> Timezone:
    """The agency's timezone; a `zoneinfo.ZoneInfo` subclass, usable as any tzinfo."""
    return _timezone(get_settings().timezone)


@cache
def _timezone(name: str) -> Timezone:
    # pendulum looks the zone file up on the disk each time; every now() needs it.
    return pendulum.timezone(name)


def now() -> datetime:
    moment = pendulum.now(tz())
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                    moment.microsecond, tzinfo=moment.tzinfo, fold=moment.fold)


def today() -> date:
    moment = pendulum.now(tz())
    return date(moment.year, moment.month, moment.day)
