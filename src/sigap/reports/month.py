"""A calendar month in the user's zone: parsed from "YYYY-MM", as a UTC period."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sigap.core.errors import InvalidInput


def first_of(month: str | None, zone: str, field: str = "month") -> dt.date:
    """The first day of "YYYY-MM"; of the current month in `zone` when empty."""
    if not month:
        return dt.datetime.now(ZoneInfo(zone)).date().replace(day=1)
    try:
        return dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise InvalidInput("Bulan tidak valid (YYYY-MM).", field=field) from None


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def bounds(first: dt.date, last: dt.date, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, last 00:00) local, in UTC."""
    tz = ZoneInfo(zone)
    return (dt.datetime.combine(first, dt.time(0), tz).astimezone(dt.UTC),
            dt.datetime.combine(last, dt.time(0), tz).astimezone(dt.UTC))


def month_bounds(month: str | None, zone: str) -> tuple[str, dt.datetime, dt.datetime]:
    """The month as "YYYY-MM", and its start and end in UTC."""
    first = first_of(month, zone)
    start, end = bounds(first, next_month(first), zone)
    return first.strftime("%Y-%m"), start, end
