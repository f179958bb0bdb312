"""Report schedules: kept valid, due when their period has closed, sent to the active
staff holding the chosen roles (at the chosen site), each run logged.

A daily report covers yesterday, a monthly one the previous month, in the site's zone
(WIB when no site is chosen); it is due from `hour` local time until it has gone out. A
failed send is logged and tried again on the next tick; a run with nobody to send to is
logged and not repeated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from sigap.core.errors import InvalidInput, NotFound
from sigap.org.models import Role, Site, Staff, Team
from sigap.reports.scheduled.models import ReportRun, ReportSchedule
from sigap.web.i18n import LOCALES

FREQUENCIES = ("daily", "monthly")
BOARDS = ("tenesa", "tam")
DEFAULT_ZONE = "Asia/Jakarta"


def _text(values: Mapping[str, object], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def validate(session: Session, values: Mapping[str, object]) -> dict[str, object]:
    """The schedule's fields from a form or JSON, or InvalidInput naming the bad one."""
    name = _text(values, "name")
    if not name or len(name) > 120:
        raise InvalidInput("Nama jadwal wajib diisi (maksimal 120 karakter).", field="name")
    frequency = _text(values, "frequency")
    if frequency not in FREQUENCIES:
        raise InvalidInput("Frekuensi harus daily atau monthly.", field="frequency")
    board = _text(values, "board") or "tenesa"
    if board not in BOARDS:
        raise InvalidInput("Papan harus tenesa atau tam.", field="board")
    raw_roles = values.get("roles")
    roles = [r for r in (raw_roles if isinstance(raw_roles, list) else [raw_roles])
             if isinstance(r, str) and r]
    known = {r.value for r in Role}
    unknown = [r for r in roles if r not in known]
    if unknown or not roles:
        raise InvalidInput("Pilih minimal satu peran penerima yang dikenal"
                           + (f" (tidak dikenal: {', '.join(unknown)})." if unknown else "."),
                           field="roles")
    site = _text(values, "site_id")
    site_id: int | None = None
    if site:
        if not site.isdigit() or session.get(Site, int(site)) is None:
            raise InvalidInput(f"Site {site} tidak ada.", field="site_id")
        site_id = int(site)
    language = _text(values, "language") or "id"
    if language not in LOCALES:
        raise InvalidInput("Bahasa harus id atau en.", field="language")
    hour = _text(values, "hour") or "7"
    if not hour.isdigit() or not 0 <= int(hour) <= 23:
        raise InvalidInput("Jam kirim harus 0 sampai 23.", field="hour")
    enabled = values.get("enabled") in (True, "on", "true", "1")
    return {"name": name, "frequency": frequency, "board": board, "roles": sorted(set(roles)),
            "site_id": site_id, "language": language, "hour": int(hour), "enabled": enabled}


def schedules(session: Session) -> list[ReportSchedule]:
    return list(session.scalars(select(ReportSchedule).order_by(ReportSchedule.name)))


def get(session: Session, schedule_id: int) -> ReportSchedule:
    found = session.get(ReportSchedule, schedule_id)
    if found is None:
        raise NotFound(f"Jadwal laporan {schedule_id} tidak ditemukan.")
    return found


def save(session: Session, values: Mapping[str, object],
         schedule_id: int | None = None) -> ReportSchedule:
    data = validate(session, values)
    schedule = get(session, schedule_id) if schedule_id is not None else ReportSchedule()
    for key, value in data.items():
        setattr(schedule, key, value)
    session.add(schedule)
    session.flush()
    return schedule


def remove(session: Session, schedule_id: int) -> None:
    schedule = get(session, schedule_id)
    session.execute(delete(ReportRun).where(ReportRun.schedule_id == schedule.id))
    session.delete(schedule)
    session.flush()


def runs(session: Session, limit: int = 50) -> list[ReportRun]:
    return list(session.scalars(select(ReportRun).order_by(ReportRun.at.desc(),
                                                           ReportRun.id.desc()).limit(limit)))


def zone_of(session: Session, schedule: ReportSchedule) -> str:
    site = session.get(Site, schedule.site_id) if schedule.site_id is not None else None
    return site.timezone if site is not None else DEFAULT_ZONE


def due_period(frequency: str, hour: int, last: dt.date | None, now: dt.datetime,
               zone: str) -> tuple[dt.date, dt.date] | None:
    """[first, after) of the period to send now, or None when nothing is due. Pure."""
    local = now.astimezone(ZoneInfo(zone))
    if local.hour < hour:
        return None
    today = local.date()
    if frequency == "daily":
        first, after = today - dt.timedelta(days=1), today
    else:
        after = today.replace(day=1)
        first = (after - dt.timedelta(days=1)).replace(day=1)
    if last is not None and last >= first:
        return None
    return first, after


def recipients(session: Session, schedule: ReportSchedule) -> list[str]:
    """Email addresses of the active staff with the schedule's roles (at its site)."""
    stmt = select(Staff.email).where(Staff.active.is_(True), Staff.role.in_(schedule.roles),
                                     Staff.email.is_not(None), Staff.email != "")
    if schedule.site_id is not None:
        stmt = stmt.where(or_(Staff.site_id == schedule.site_id, Staff.team_id.in_(
            select(Team.id).where(Team.site_id == schedule.site_id))))
    return sorted({str(e).strip().lower() for e in session.scalars(stmt) if e})
