"""Business time (pure): how much of an interval counts under a calendar, and when a
target falls due. 24×7 for TENESA, working hours such as 08:00–17:00 WIB on working days
for TAM, with public holidays off. Times are aware datetimes; the arithmetic is done in
the calendar's zone, day by day, so daylight-free Indonesian zones and any other agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    zone: str = "Asia/Jakarta"
    always: bool = True  # 24×7
    opens: dt.time = dt.time(8, 0)
    closes: dt.time = dt.time(17, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.always and self.closes <= self.opens:
            raise ValueError("closes must be after opens")


TENESA_24X7 = Calendar()


def _window(cal: Calendar, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
    """The open interval of a local day, or None when the day is closed."""
    if cal.always:
        start = dt.datetime.combine(day, dt.time(0), tz)
        return start, dt.datetime.combine(day + _DAY, dt.time(0), tz)
    if day.weekday() not in cal.workdays or day in cal.holidays:
        return None
    return dt.datetime.combine(day, cal.opens, tz), dt.datetime.combine(day, cal.closes, tz)


def business_seconds(cal: Calendar, start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of [start, end) that fall in the calendar's open hours (0 if end ≤ start)."""
    if end <= start:
        return 0.0
    if cal.always:
        return (end - start).total_seconds()
    tz = ZoneInfo(cal.zone)
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    total = 0.0
    while day <= last:
        window = _window(cal, day, tz)
        if window is not None:
            lo, hi = max(window[0], start), min(window[1], end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += _DAY
    return total


def add_business(cal: Calendar, start: dt.datetime, seconds: float,
                 max_days: int = 3660) -> dt.datetime:
    """The instant at which `seconds` of business time have passed since `start`."""
    if seconds <= 0:
        return start
    if cal.always:
        return start + dt.timedelta(seconds=seconds)
    tz = ZoneInfo(cal.zone)
    day = start.astimezone(tz).date()
    left = seconds
    for _ in range(max_days):
        window = _window(cal, day, tz)
        if window is not None:
            lo = max(window[0], start)
            if window[1] > lo:
                available = (window[1] - lo).total_seconds()
                if left <= available:
                    return (lo + dt.timedelta(seconds=left)).astimezone(dt.UTC)
                left -= available
        day += _DAY
    raise ValueError("the calendar has no open hours in the next ten years")
