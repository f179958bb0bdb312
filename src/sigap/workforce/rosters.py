"""Rosters (issue 7 §5, D17): shift templates, leave and preferences; a site's month solved
desk by desk with the CP-SAT scheduler; published by Operation Plan, reviewed against
traffic by QIA; each agent's own shifts; the grid, the coverage and the XLSX export."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.core.timezones import format_local
from sigap.org.models import Role, Site, Staff, Team
from sigap.workforce import service as planning
from sigap.workforce import staffing
from sigap.workforce.history import local_midnight
from sigap.workforce.models import (
    Leave,
    Preference,
    Roster,
    RosterShift,
    RosterStatus,
    ShiftTemplate,
)

SLOT = 30
# The floor's usual shifts (local time): mornings, middles, evenings and the night, which
# runs past midnight (a site may require a skill for it with its own template).
DEFAULT_TEMPLATES = (("P1", 6 * 60), ("P2", 7 * 60), ("P3", 8 * 60), ("M1", 10 * 60),
                     ("S1", 12 * 60), ("S2", 14 * 60), ("N1", 22 * 60))
Progress = Callable[[str, int, int], None]


def month_start(text: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
            raise ValueError(text)
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise InvalidInput(f"Bulan {text!r} tidak valid (YYYY-MM).", field="month") from None


def days_in(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def templates(session: Session, site_id: int) -> list[ShiftTemplate]:
    return list(session.scalars(select(ShiftTemplate).where(
        (ShiftTemplate.site_id == site_id) | ShiftTemplate.site_id.is_(None),
        ShiftTemplate.active.is_(True)).order_by(ShiftTemplate.start_minute)))


def save_template(session: Session, site_id: int | None, code: str, start: str,
                  hours: float, break_minutes: int = 60, skill: str = "") -> ShiftTemplate:
    code = code.strip().upper()
    if not code or len(code) > 12:
        raise InvalidInput("Kode shift 1–12 huruf.", field="code")
    try:
        clock = dt.time.fromisoformat(start)
    except ValueError:
        raise InvalidInput("Jam mulai tidak valid (HH:MM).", field="start") from None
    minutes = round(hours * 60)
    if clock.minute % SLOT or minutes % SLOT or not 4 * 60 <= minutes <= 12 * 60:
        raise InvalidInput("Shift 4–12 jam, mulai dan lama kelipatan 30 menit.", field="hours")
    if not 0 <= break_minutes <= 120 or break_minutes % SLOT:
        raise InvalidInput("Istirahat 0–120 menit, kelipatan 30.", field="break_minutes")
    found = session.scalar(select(ShiftTemplate).where(ShiftTemplate.site_id == site_id,
                                                       ShiftTemplate.code == code))
    tpl = found or ShiftTemplate(site_id=site_id, code=code)
    tpl.start_minute, tpl.minutes = clock.hour * 60 + clock.minute, minutes
    # The break falls in the middle part of the shift: not in its first or last two hours.
    tpl.break_minutes, tpl.break_after = break_minutes, min(120, minutes // 3)
    tpl.break_before, tpl.skill, tpl.active = max(minutes - 120, tpl.break_after
                                                  + break_minutes), skill.strip(), True
    session.add(tpl)
    session.flush()
    return tpl


def ensure_templates(session: Session, site_id: int) -> list[ShiftTemplate]:
    if not templates(session, site_id):
        for code, start in DEFAULT_TEMPLATES:
            save_template(session, site_id, code, f"{start // 60:02d}:00", 9)
    return templates(session, site_id)


def add_leave(session: Session, staff_id: int, first: dt.date, last: dt.date,
              kind: str = "cuti", note: str = "") -> Leave:
    if last < first:
        raise InvalidInput("Tanggal akhir sebelum tanggal awal.", field="last_day")
    if kind not in ("cuti", "sakit", "training"):
        raise InvalidInput("Jenis cuti: cuti, sakit atau training.", field="kind")
    leave = Leave(staff_id=staff_id, first_day=first, last_day=last, kind=kind, note=note[:200])
    session.add(leave)
    session.flush()
    return leave


def leaves(session: Session, staff_ids: list[int], first: dt.date,
           last: dt.date) -> list[Leave]:
    return list(session.scalars(select(Leave).where(
        Leave.staff_id.in_(staff_ids), Leave.first_day <= last, Leave.last_day >= first)))


def set_preference(session: Session, staff_id: int, shift_codes: list[str],
                   days_off: list[int]) -> Preference:
    if any(not 0 <= d <= 6 for d in days_off):
        raise InvalidInput("Hari libur 0 (Senin) … 6 (Minggu).", field="days_off")
    codes = [c.strip().upper() for c in shift_codes if c.strip()]
    person = session.get(Staff, staff_id)
    # The site's shift templates; the defaults its first roster will create until then.
    known = {t.code for t in templates(session, person.site_id or 0)} if person else set()
    known = known or {code for code, _start in DEFAULT_TEMPLATES}
    unknown = sorted(set(codes) - known)
    if unknown:
        raise InvalidInput(f"Shift tidak dikenal: {', '.join(unknown)}.", field="shift_codes")
    pref = session.get(Preference, staff_id) or Preference(staff_id=staff_id)
    pref.shift_codes, pref.days_off = codes, sorted(set(days_off))
    session.add(pref)
    session.flush()
    return pref


def site_agents(session: Session, site_id: int) -> list[tuple[Staff, str]]:
    """Active agents of the site with the desk of their team."""
    rows = session.execute(select(Staff, Team.desk).join(Team, Team.id == Staff.team_id)
                           .where(Staff.site_id == site_id, Staff.role == Role.agent,
                                  Staff.active.is_(True)).order_by(Team.desk, Staff.online_name))
    return [(s, desk) for s, desk in rows]


def get_site(session: Session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound(f"Situs {site_id} tidak ditemukan.", field="site_id")
    return site


def desk_requirement(session: Session, site: Site, month: dt.date,
                     days: int) -> dict[str, np.ndarray]:
    """Agents needed on shift per desk and 30-minute slot (days × 48), from the newest
    forecasts of the site's queues: unplanned shrinkage added, breaks and leave not (the
    roster places those itself)."""
    start = local_midnight(month, site.timezone)
    end = local_midnight(month + dt.timedelta(days=days), site.timezone)
    out: dict[str, np.ndarray] = {}
    for plan in planning.plans(session, site.id):
        need = planning.requirement(session, plan, start, end).floor_agents
        grid = staffing.on_grid(need, plan.interval_minutes, SLOT).reshape(days, 1440 // SLOT)
        out[plan.desk] = out.get(plan.desk, np.zeros_like(grid)) + grid
    return out


def get_roster(session: Session, site_id: int, month: dt.date) -> Roster | None:
    return session.scalar(select(Roster).where(Roster.site_id == site_id,
                                               Roster.month == month))


def previous_ends(session: Session, staff_ids: list[int], month: dt.date,
                   zone: str) -> dict[int, int]:
    """Minutes after the month's first midnight at which each agent's last shift of the
    month before ends (for the rest rule across the two rosters)."""
    first = local_midnight(month, zone)
    rows = session.execute(select(RosterShift.staff_id, RosterShift.end_at).where(
        RosterShift.staff_id.in_(staff_ids), RosterShift.day == month - dt.timedelta(days=1)))
    return {sid: int((end - first).total_seconds() // 60) for sid, end in rows}


def publish(session: Session, roster: Roster, staff_id: int | None) -> Roster:
    if roster.status != RosterStatus.draft:
        raise Conflict("Hanya roster draf yang bisa diterbitkan.", field="status")
    if roster.solver_status not in ("OPTIMAL", "FEASIBLE"):
        raise Conflict("Roster belum tersusun; susun dulu sebelum terbit.", field="status")
    roster.status, roster.published_at, roster.published_by_id = \
        RosterStatus.published, utcnow(), staff_id
    session.flush()
    return roster


def review(session: Session, roster: Roster, staff_id: int | None, note: str) -> Roster:
    """QIA's review of the published N+1 roster against traffic (D17)."""
    if roster.status != RosterStatus.published:
        raise Conflict("Hanya roster terbit yang bisa direview.", field="status")
    if not note.strip():
        raise InvalidInput("Catatan review wajib diisi.", field="note")
    roster.status, roster.reviewed_at, roster.reviewed_by_id = \
        RosterStatus.reviewed, utcnow(), staff_id
    roster.review_note = note.strip()
    session.flush()
    return roster


def shifts_of(session: Session, roster_id: int) -> list[RosterShift]:
    return list(session.scalars(select(RosterShift).where(RosterShift.roster_id == roster_id)
                                .order_by(RosterShift.staff_id, RosterShift.day)))


def my_shifts(session: Session, staff_id: int, first: dt.date,
              last: dt.date) -> list[tuple[RosterShift, ShiftTemplate]]:
    """An agent's own shifts from published (or reviewed) rosters."""
    rows = session.execute(
        select(RosterShift, ShiftTemplate).join(Roster, Roster.id == RosterShift.roster_id)
        .join(ShiftTemplate, ShiftTemplate.id == RosterShift.template_id)
        .where(RosterShift.staff_id == staff_id, RosterShift.day >= first,
               RosterShift.day <= last, Roster.status != RosterStatus.draft)
        .order_by(RosterShift.day))
    return [(s, t) for s, t in rows]


@dataclass(frozen=True)
class Grid:
    days: list[dt.date]
    rows: list[tuple[Staff, str, list[str]]]  # agent, desk, shift code (or "") per day
    off_counts: list[int]


def grid(session: Session, roster: Roster) -> Grid:
    days = [roster.month + dt.timedelta(days=d) for d in range(days_in(roster.month))]
    codes = {t.id: t.code for t in session.scalars(select(ShiftTemplate))}
    cells: dict[int, dict[dt.date, str]] = {}
    for s in shifts_of(session, roster.id):
        cells.setdefault(s.staff_id, {})[s.day] = codes.get(s.template_id, "?")
    away: dict[int, set[dt.date]] = {}
    agents = site_agents(session, roster.site_id)
    for leave in leaves(session, [s.id for s, _ in agents], days[0], days[-1]):
        for day in days:
            if leave.first_day <= day <= leave.last_day:
                away.setdefault(leave.staff_id, set()).add(day)
    rows = []
    for person, desk in agents:
        mine = cells.get(person.id, {})
        rows.append((person, desk, [mine.get(d) or ("C" if d in away.get(person.id, ())
                                                    else "") for d in days]))
    off = [sum(1 for _p, _d, cells_ in rows if not cells_[i] or cells_[i] == "C")
           for i in range(len(days))]
    return Grid(days, rows, off)


def coverage(session: Session, roster: Roster, day: dt.date,
             desk: str | None = None) -> tuple[list[dt.datetime], np.ndarray, np.ndarray]:
    """(slot starts, required, scheduled) over one local day in 30-minute slots; breaks
    taken off the scheduled count."""
    site = get_site(session, roster.site_id)
    start = local_midnight(day, site.timezone)
    need = desk_requirement(session, site, day, 1)
    required = sum((v.reshape(-1) for k, v in need.items() if desk in (None, k)),
                   np.zeros(48))
    scheduled = np.zeros(48)
    stmt = select(RosterShift).where(RosterShift.roster_id == roster.id,
                                     RosterShift.day >= day - dt.timedelta(days=1),
                                     RosterShift.day <= day)
    if desk is not None:
        stmt = stmt.where(RosterShift.desk == desk)
    for s in session.scalars(stmt):
        for i in range(48):
            at = start + dt.timedelta(minutes=SLOT * i)
            on_break = s.break_start is not None and s.break_end is not None \
                and s.break_start <= at < s.break_end
            if s.start_at <= at < s.end_at and not on_break:
                scheduled[i] += 1
    return [start + dt.timedelta(minutes=SLOT * i) for i in range(48)], required, scheduled


def roster_xlsx(session: Session, roster: Roster, zone: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Roster"
    table = grid(session, roster)
    sheet.append(["Kode login", "Nama online", "Desk", *[d.strftime("%d %a") for d in
                                                         table.days]])
    for person, desk, cells in table.rows:
        sheet.append([person.login_code, person.online_name, desk, *cells])
    shifts = book.create_sheet("Shift")
    shifts.append(["Kode login", "Tanggal", "Shift", "Mulai", "Selesai", "Istirahat"])
    names = {p.id: p.login_code for p, _d, _c in table.rows}
    codes = {t.id: t.code for t in session.scalars(select(ShiftTemplate))}
    for s in shifts_of(session, roster.id):
        shifts.append([names.get(s.staff_id, s.staff_id), s.day.isoformat(),
                       codes.get(s.template_id, ""), format_local(s.start_at, zone),
                       format_local(s.end_at, zone),
                       format_local(s.break_start, zone, False) if s.break_start else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scheduled_on(session: Session, site_id: int, desk: str, day: dt.date,
                 zone: str) -> tuple[np.ndarray, dict[int, list[RosterShift]]]:
    """Agents of a desk on the floor per 30-minute slot of a local day from the published
    rosters (breaks off), and which shifts are on in each slot."""
    start = local_midnight(day, zone)
    counts = np.zeros(48)
    on: dict[int, list[RosterShift]] = {}
    for s in session.scalars(
            select(RosterShift).join(Roster, Roster.id == RosterShift.roster_id)
            .where(Roster.site_id == site_id, Roster.status != RosterStatus.draft,
                   RosterShift.desk == desk, RosterShift.day >= day - dt.timedelta(days=1),
                   RosterShift.day <= day)):
        for i in range(48):
            at = start + dt.timedelta(minutes=SLOT * i)
            on_break = s.break_start is not None and s.break_end is not None \
                and s.break_start <= at < s.break_end
            if s.start_at <= at < s.end_at and not on_break:
                counts[i] += 1
                on.setdefault(i, []).append(s)
    return counts, on
