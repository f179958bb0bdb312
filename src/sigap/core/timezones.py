"""Indonesian time zones: stored UTC, shown in the site's zone as WIB, WITA or WIT."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

ZONES: dict[str, str] = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

DEFAULT_ZONE = "Asia/Jakarta"


def abbreviation(zone: str) -> str:
    return ZONES.get(zone, zone)


def to_local(value: dt.datetime, zone: str = DEFAULT_ZONE) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(zone))


def format_local(
    value: dt.datetime | None, zone: str = DEFAULT_ZONE, with_date: bool = True
) -> str:
    """'22/11/2026 14:05 WIB' — the form agents read on every page."""
    if value is None:
        return "—"
    local = to_local(value, zone)
    pattern = "%d/%m/%Y %H:%M" if with_date else "%H:%M"
    return f"{local.strftime(pattern)} {abbreviation(zone)}"


def is_known_zone(zone: str) -> bool:
    return zone in ZONES
