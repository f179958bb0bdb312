"""Report periods (D16): a day, the ten days (1–10, 11–20, 21–end), a calendar month or a
quarter, in the user's zone, as UTC instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sigap.reports.kpis import Period

SPANS = ("day", "10days", "month", "quarter")


def _next_month(day: dt.date, months: int = 1) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_for(day: dt.date, span: str, zone: str) -> Period:
    """The span of `span` kind that holds `day`, in `zone`."""
    tz = ZoneInfo(zone)
    if span == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        end = _next_month(start, 3)
    elif span == "month":
        start = day.replace(day=1)
        end = _next_month(start)
    elif span == "10days":
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        start = day.replace(day=first)
        end = start + dt.timedelta(days=10) if first < 21 else _next_month(day)
    else:
        start, end = day, day + dt.timedelta(days=1)
    return Period(dt.datetime.combine(start, dt.time(0), tz).astimezone(dt.UTC),
                  dt.datetime.combine(end, dt.time(0), tz).astimezone(dt.UTC))
