"""Calendar rules shared by the features."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OPEN_END_DATE = date(9999, 12, 31)  # R-PCP-6: the term date of what has not ended (the current PCP assignment)


def age_on(born: date, on: date) -> int:
    """Age in whole years on `on` (a 29 February birthday is reached on 1 March in a common year)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def local_time(moment: datetime, time_zone: str) -> str:
    """A stored (UTC) moment as a person reads it, in the producer's time zone with its abbreviation
    (`PORTAL_DISPLAY_TIME_ZONE`, issue 15): `11/22/2026 09:00 AM CST`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(time_zone)).strftime("%m/%d/%Y %I:%M %p %Z")


def local_date(moment: datetime, time_zone: str) -> date:
    """The calendar day a stored (UTC) moment falls on in the producer's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(time_zone)).date()
