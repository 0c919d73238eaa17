"""The real clock, in the agency's timezone. Rules never call it: flows pass dates down."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from adapters.settings import get_settings


def tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def now() -> datetime:
    return datetime.now(tz())


def today() -> date:
    return now().date()
