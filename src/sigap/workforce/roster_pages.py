"""Roster, attendance and the agent's own pages: the month's grid (agents × days) with the
coverage chart of required against scheduled, solve / publish / review; Desk Control's
live view and corrections; the agent's own shifts with check-in and check-out."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, NotFound, SigapError
from sigap.core.timezones import format_local
from sigap.org.models import Site
from sigap.web.deps import DbSession, PostedForm, require, text_fields
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute
from sigap.workforce import attendance, history, rosters, scheduler, solver
from sigap.workforce.display import XLSX, chart, own_staff, staff_in_scope, xlsx_bytes
from sigap.workforce.models import Attendance, Preference, Roster

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
READ = Depends(require("wfm.read"))
PLAN = Depends(require("wfm.plan"))


def _sites(session: DbSession, actor: Actor, permission: str = "wfm.read") -> list[Site]:
    sites = list(session.scalars(select(Site).order_by(Site.code)))
    if scope_for(actor.role, permission) is Scope.all:
        return sites
    return [s for s in sites if s.id == actor.site_id]


def _roster(session: DbSession, actor: Actor, roster_id: int, permission: str) -> Roster:
    roster = session.get(Roster, roster_id)
    if roster is None or roster.site_id not in {s.id for s in _sites(session, actor,
                                                                      permission)}:
        raise NotFound(f"Roster {roster_id} tidak ditemukan.")
    return roster


def _local_today(zone: str) -> dt.date:
    return utcnow().astimezone(ZoneInfo(zone)).date()


def _roster_page(request: Request, session: DbSession, actor: Actor, site_id: int | None,
                 month: str | None, day: str | None, desk: str | None, status: int = 200,
                 error: str | None = None) -> Response:
    sites = _sites(session, actor)
    site = next((s for s in sites if s.id == site_id), None) if site_id else \
        next((s for s in sites if s.id == actor.site_id), sites[0] if sites else None)
    if site_id and site is None:
        raise NotFound(f"Situs {site_id} tidak ditemukan.")
    today = _local_today(actor.timezone)
    chosen = rosters.month_start(month) if month else today.replace(day=1)
    roster = rosters.get_roster(session, site.id, chosen) if site else None
    context: dict[str, Any] = {"nav": "wfm", "sub": "rosters", "sites": sites, "site": site,
                               "month": chosen, "roster": roster, "error": error,
                               "grid": None, "chart": None, "desk": desk or "",
                               "desks": [], "day": None,
                               "templates": rosters.templates(session, site.id) if site else [],
                               "agents": rosters.site_agents(session, site.id) if site else []}
    if roster is not None:
        table = rosters.grid(session, roster)
        in_month = today if today.replace(day=1) == chosen else chosen
        try:
            shown = dt.date.fromisoformat(day) if day else in_month
        except ValueError:
            raise InvalidInput("Tanggal tidak valid.", field="day") from None
        starts, required, scheduled = rosters.coverage(session, roster, shown, desk or None)
        labels = [format_local(s, actor.timezone, False)[:5] for s in starts]
        context.update(grid=table, day=shown, desks=sorted({d for _p, d, _c in table.rows}),
                       chart=chart("bar", labels, [
                           (_("Dibutuhkan"), list(required), "#c62828"),
                           (_("Terjadwal"), list(scheduled), "#1565c0")]),
                       under=float(sum(max(0.0, r - s) for r, s in zip(required, scheduled,
                                                                         strict=True))))
    return render(request, "workforce/roster.html", context, status_code=status)


@router.get("/wfm/rosters")
def roster_page(request: Request, session: DbSession, actor: Actor = READ,
                site_id: int | None = Query(default=None, gt=0), month: str | None = None,
                day: str | None = None, desk: str | None = None) -> Response:
    return _roster_page(request, session, actor, site_id, month, day, desk)


@router.post("/wfm/rosters")
def roster_solve(request: Request, session: DbSession, form: PostedForm,
                 actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    site_id = int(data["site_id"]) if data.get("site_id", "").isdigit() else None
    try:
        if site_id is None:
            raise InvalidInput("Pilih situs.", field="site_id")
        month = rosters.month_start(data.get("month", ""))
        limit = float(data.get("time_limit", "") or 60)
        if not 1 <= limit <= 600:
            raise InvalidInput("Batas waktu 1–600 detik.", field="time_limit")
        rosters.get_site(session, site_id)
        solver.queue(session, site_id, month, scheduler.Rules(time_limit=limit),
                     actor.staff_id)
    except (SigapError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, SigapError) else "Batas waktu harus angka."
        shown = data.get("month", "") if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])",
                                                      data.get("month", "")) else None
        known = site_id if site_id in {s.id for s in _sites(session, actor)} else None
        return _roster_page(request, session, actor, known, shown, None, None,
                            getattr(exc, "status_code", 422), message)
    return RedirectResponse(f"/wfm/rosters?site_id={site_id}&month={month:%Y-%m}",
                            status_code=303)


@router.post("/wfm/rosters/{roster_id}/publish")
def roster_publish(roster_id: int, session: DbSession, actor: Actor = PLAN) -> Response:
    roster = rosters.publish(session, _roster(session, actor, roster_id, "wfm.plan"),
                             actor.staff_id)
    return RedirectResponse(f"/wfm/rosters?site_id={roster.site_id}&month={roster.month:%Y-%m}",
                            status_code=303)


@router.post("/wfm/rosters/{roster_id}/review")
def roster_review(roster_id: int, request: Request, session: DbSession, form: PostedForm,
                  actor: Actor = Depends(require("wfm.review"))) -> Response:
    roster = _roster(session, actor, roster_id, "wfm.review")
    note = str(text_fields(form).get("note", ""))
    try:
        rosters.review(session, roster, actor.staff_id, note)
    except SigapError as exc:
        session.rollback()
        return _roster_page(request, session, actor, roster.site_id, f"{roster.month:%Y-%m}",
                            None, None, exc.status_code, exc.message)
    return RedirectResponse(f"/wfm/rosters?site_id={roster.site_id}&month={roster.month:%Y-%m}",
                            status_code=303)


@router.get("/wfm/rosters/{roster_id}/export.xlsx")
def roster_export(roster_id: int, session: DbSession, actor: Actor = READ) -> Response:
    roster = _roster(session, actor, roster_id, "wfm.read")
    data = rosters.roster_xlsx(session, roster, actor.timezone)
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="roster-{roster.month:%Y-%m}-'
                               f'{roster.site_id}.xlsx"'})


def _attendance_page(request: Request, session: DbSession, actor: Actor, status: int = 200,
                     error: str | None = None, day: dt.date | None = None) -> Response:
    site = None if scope_for(actor.role, "wfm.read") is Scope.all else actor.site_id
    now = utcnow()
    today = _local_today(actor.timezone)
    shown = day or today
    return render(request, "workforce/attendance.html", {
        "nav": "wfm", "sub": "attendance", "live": attendance.live(session, site, now),
        "report": attendance.day_report(session, shown, site, now=now), "today": today,
        "shown": shown, "now": now, "error": error}, status_code=status)


@router.get("/wfm/attendance")
def attendance_page(request: Request, session: DbSession, actor: Actor = READ,
                    day: str | None = None) -> Response:
    """Desk Control's view: who is late, absent or out of adherence now; adherence and
    conformance per agent for today or another day."""
    try:
        shown = dt.date.fromisoformat(day) if day else None
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None
    return _attendance_page(request, session, actor, day=shown)


STATUS = {"absent": "tidak hadir", "late": "terlambat", "out_of_adherence": "tidak sesuai jadwal",
          "on_break": "istirahat", "on_shift": "bertugas", "checked_out": "sudah pulang"}


@router.get("/wfm/attendance/export.xlsx")
def attendance_export(session: DbSession, actor: Actor = READ,
                      day: str | None = None) -> Response:
    """The day's adherence and conformance per agent, and who is late, absent or out of
    adherence now."""
    try:
        shown = dt.date.fromisoformat(day) if day else _local_today(actor.timezone)
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None
    site = None if scope_for(actor.role, "wfm.read") is Scope.all else actor.site_id
    now, zone = utcnow(), actor.timezone

    def pct(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    rows: list[list[Any]] = [[f"Adherence {shown}"], [
        "Agen", "Login", "Desk", "Mulai shift", "Selesai shift", "Jam masuk", "Jam pulang",
        "Terjadwal (menit)", "Sesuai jadwal (menit)", "Waktu kerja terjadwal (menit)",
        "Bekerja (menit)", "Adherence %", "Conformance %", "Alasan koreksi"]]
    for r in attendance.day_report(session, shown, site, now=now):
        record, result = r.attendance, r.result
        rows.append([r.name, r.login_code, r.shift.desk, format_local(r.shift.start_at, zone),
                     format_local(r.shift.end_at, zone),
                     format_local(record.check_in, zone) if record and record.check_in else "",
                     format_local(record.check_out, zone) if record and record.check_out
                     else "", round(result.scheduled_seconds / 60, 1),
                     round(result.adherent_seconds / 60, 1),
                     round(result.work_scheduled_seconds / 60, 1),
                     round(result.worked_seconds / 60, 1), pct(result.adherence),
                     pct(result.conformance), record.correction_reason if record else ""])
    rows += [[], [f"Sekarang {format_local(now, zone)}"],
             ["Agen", "Login", "Desk", "Mulai shift", "Selesai shift", "Keadaan", "Status",
              "Menit", "Datang terlambat (menit)", "Check-in"]]
    rows += [[r.name, r.login_code, r.desk, format_local(r.shift.start_at, zone),
              format_local(r.shift.end_at, zone), r.state, STATUS[r.status], r.minutes,
              r.arrived_late, "ya" if r.checked_in else "tidak"]
             for r in attendance.live(session, site, now)]
    return Response(xlsx_bytes(rows, "Kehadiran"), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="kehadiran-{shown}.xlsx"'})


def _moment(value: str, day: dt.date, zone: str) -> dt.datetime | None:
    if not value.strip():
        return None
    clock = dt.time.fromisoformat(value.strip())
    return dt.datetime.combine(day, clock, ZoneInfo(zone)).astimezone(dt.UTC)


@router.post("/wfm/attendance/correct")
def attendance_correct(request: Request, session: DbSession, form: PostedForm,
                       actor: Actor = Depends(require("wfm.attendance"))) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        if not data.get("staff_id", "").isdigit():
            raise InvalidInput("Pilih agen.", field="staff_id")
        person = staff_in_scope(session, actor, int(data["staff_id"]), "wfm.attendance")
        day = dt.date.fromisoformat(data.get("day", ""))
        try:
            start = _moment(data.get("check_in", ""), day, actor.timezone)
            end = _moment(data.get("check_out", ""), day, actor.timezone)
        except ValueError:
            raise InvalidInput("Jam tidak valid (HH:MM).", field="check_in") from None
        if end is not None and start is not None and end <= start:
            end += dt.timedelta(days=1)  # a shift across midnight
        attendance.correct(session, None, person.id, day, start, end, data.get("reason", ""),
                           actor.staff_id)
    except (SigapError, ValueError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, SigapError) else "Tanggal tidak valid."
        return _attendance_page(request, session, actor, getattr(exc, "status_code", 422),
                                message)
    # Back on the corrected day: a shift that began before midnight is yesterday's.
    return RedirectResponse(f"/wfm/attendance?day={day.isoformat()}", status_code=303)


@router.get("/wfm/me")
def my_roster(request: Request, session: DbSession,
              actor: Actor = Depends(require("wfm.self"))) -> Response:
    """The agent's own shifts this month and next, and check-in / check-out."""
    return _me_page(request, session, actor)


def _me_page(request: Request, session: DbSession, actor: Actor, status: int = 200,
             error: str | None = None) -> Response:
    staff_id = own_staff(actor)
    today = _local_today(actor.timezone)
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=62)).replace(day=1) - dt.timedelta(days=1)
    shifts = rosters.my_shifts(session, staff_id, first, last)
    record = session.scalar(select(Attendance).where(
        Attendance.staff_id == staff_id, Attendance.check_in.is_not(None))
        .order_by(Attendance.check_in.desc()).limit(1))
    current = attendance.current_shift(session, staff_id, utcnow())
    site = session.get(Site, actor.site_id) if actor.site_id else None
    return render(request, "workforce/me.html", {
        "nav": "wfm", "sub": "me", "shifts": shifts, "today": today, "record": record,
        "templates": rosters.templates(session, site.id) if site else [],
        "preference": session.get(Preference, staff_id),
        "current": current, "zone_name": actor.timezone, "error": error,
        "days": history.to_local_day(utcnow(), actor.timezone)}, status_code=status)


@router.post("/wfm/check-in")
def form_check_in(request: Request, session: DbSession,
                  actor: Actor = Depends(require("wfm.self"))) -> Response:
    try:
        attendance.check_in(session, own_staff(actor))
    except SigapError as exc:  # checked in already: said on the agent's own page
        session.rollback()
        return _me_page(request, session, actor, exc.status_code, exc.message)
    return RedirectResponse("/wfm/me", status_code=303)


@router.post("/wfm/check-out")
def form_check_out(request: Request, session: DbSession,
                   actor: Actor = Depends(require("wfm.self"))) -> Response:
    try:
        attendance.check_out(session, own_staff(actor))
    except SigapError as exc:
        session.rollback()
        return _me_page(request, session, actor, exc.status_code, exc.message)
    return RedirectResponse("/wfm/me", status_code=303)


def _back(data: dict[str, str]) -> str:
    site, month = data.get("site_id", ""), data.get("month", "")
    return f"/wfm/rosters?site_id={site}&month={month}" if site.isdigit() else "/wfm/rosters"


@router.post("/wfm/leave")
def leave_form(request: Request, session: DbSession, form: PostedForm,
               actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        if not data.get("staff_id", "").isdigit():
            raise InvalidInput("Pilih agen.", field="staff_id")
        person = staff_in_scope(session, actor, int(data["staff_id"]), "wfm.plan")
        try:
            first = dt.date.fromisoformat(data.get("first_day", ""))
            last = dt.date.fromisoformat(data.get("last_day", "") or data.get("first_day", ""))
        except ValueError:
            raise InvalidInput("Tanggal cuti tidak valid (YYYY-MM-DD).",
                               field="first_day") from None
        rosters.add_leave(session, person.id, first, last, data.get("kind", "cuti"),
                          data.get("note", ""))
    except SigapError as exc:
        session.rollback()
        site = data.get("site_id", "")
        return _roster_page(request, session, actor, int(site) if site.isdigit() else None,
                            data.get("month") or None, None, None, exc.status_code,
                            exc.message)
    return RedirectResponse(_back(data), status_code=303)


@router.post("/wfm/shift-templates")
def template_form(request: Request, session: DbSession, form: PostedForm,
                  actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    site = data.get("site_id", "")
    try:
        try:
            hours = float(data.get("hours", "").replace(",", ".") or "x")
            pause = int(data.get("break_minutes", "60") or "60")
        except ValueError:
            raise InvalidInput("Lama shift dan istirahat harus angka.", field="hours") from None
        rosters.save_template(session, int(site) if site.isdigit() else None,
                              data.get("code", ""), data.get("start", ""), hours, pause,
                              data.get("skill", ""))
    except SigapError as exc:
        session.rollback()
        return _roster_page(request, session, actor, int(site) if site.isdigit() else None,
                            data.get("month") or None, None, None, exc.status_code,
                            exc.message)
    return RedirectResponse(_back(data), status_code=303)


@router.post("/wfm/me/preferences")
def preference_form(session: DbSession, form: PostedForm,
                    actor: Actor = Depends(require("wfm.self"))) -> Response:
    codes = [str(v) for v in form.getlist("shift_codes")]
    days = [int(str(v)) for v in form.getlist("days_off") if str(v).isdigit()]
    rosters.set_preference(session, own_staff(actor), codes, days)
    return RedirectResponse("/wfm/me", status_code=303)
