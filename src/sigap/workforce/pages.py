"""Workforce planning pages: forecasts (run, special days, versions, backtest), staffing per
interval, caplan and fulfilment, intraday; every table exports to XLSX. Roster, attendance
and the agent's own page are in workforce/roster_pages.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.auth.permissions import scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, SigapError
from sigap.core.timezones import format_local
from sigap.web.deps import CurrentActor, DbSession, PostedForm, require, text_fields
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute
from sigap.workforce import (
    history,
    intraday,
    plan_pages,
    roster_pages,
    rosters,
    service,
    staffing,
    validation,
)
from sigap.workforce.display import (
    chart,
    forecast_in_scope,
    plan_in_scope,
    plans_in_scope,
    site_held,
    xlsx,
)
from sigap.workforce.models import Forecast, ForecastInterval, QueuePlan

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
router.include_router(roster_pages.router)
router.include_router(plan_pages.router)
READ = Depends(require("wfm.read"))
PLAN = Depends(require("wfm.plan"))


def forecast_rows(session: DbSession, found: Forecast
                  ) -> list[tuple[dt.datetime, float, float]]:
    return [(s, v, a) for s, v, a in session.execute(
        select(ForecastInterval.start, ForecastInterval.volume, ForecastInterval.aht_seconds)
        .where(ForecastInterval.forecast_id == found.id).order_by(ForecastInterval.start))]


def requirement_of_day(session: DbSession, plan: QueuePlan,
                       day: dt.date) -> staffing.Requirement:
    zone = history.zone_of(session, plan)
    return service.requirement(session, plan, history.local_midnight(day, zone),
                               history.local_midnight(day + dt.timedelta(days=1), zone))


def _today(actor: Actor) -> dt.date:
    return history.to_local_day(utcnow(), actor.timezone)


@router.get("/wfm")
def home(actor: CurrentActor) -> RedirectResponse:
    if scope_for(actor.role, "wfm.read") is not None:
        return RedirectResponse("/wfm/forecasts", status_code=303)
    return RedirectResponse("/wfm/me", status_code=303)


def _forecasts_page(request: Request, session: DbSession, status: int = 200,
                    **extra: Any) -> Response:
    actor = request.state.actor
    plans = plans_in_scope(session, actor)
    versions = service.forecasts(session, limit=30, plan_ids=[p.id for p in plans])
    names = {p.id: p.name for p in service.plans(session, active_only=False)}
    today = _today(actor)
    context = {"nav": "wfm", "sub": "forecasts", "plans": plans, "versions": versions,
               "names": names, "error": None, "form": {},
               "special": service.special_days(session, today - dt.timedelta(days=60),
                                               today + dt.timedelta(days=120)),
               "next_month": (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)}
    context.update(extra)
    return render(request, "workforce/forecasts.html", context, status_code=status)


@router.get("/wfm/forecasts")
def forecasts_page(request: Request, session: DbSession, actor: Actor = READ) -> Response:
    return _forecasts_page(request, session)


@router.post("/wfm/forecasts")
def forecasts_run(request: Request, session: DbSession, form: PostedForm,
                  actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        plan = plan_in_scope(session, actor, _int(data, "plan_id"), "wfm.plan")
        first = _date(data, "first_day")
        made = service.make_forecast(session, plan, first, _int(data, "days"),
                                     _int(data, "history_days"), actor.staff_id,
                                     data.get("note", ""))
    except SigapError as exc:
        session.rollback()
        return _forecasts_page(request, session, exc.status_code, error=exc.message, form=data)
    return RedirectResponse(f"/wfm/forecasts/{made.id}", status_code=303)


@router.post("/wfm/special-days")
def special_days_save(request: Request, session: DbSession, form: PostedForm,
                      actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        factor = float(data.get("factor", "").replace(",", ".") or "x")
    except ValueError:
        return _forecasts_page(request, session, 422, error="Faktor harus angka.", form=data)
    try:
        service.save_special_day(session, _date(data, "day"), data.get("name", ""), factor,
                                 data.get("kind", "holiday"), data.get("queue", ""))
    except SigapError as exc:
        session.rollback()
        return _forecasts_page(request, session, exc.status_code, error=exc.message, form=data)
    return RedirectResponse("/wfm/forecasts", status_code=303)


def _int(data: dict[str, str], key: str) -> int:
    raw = data.get(key, "").strip()
    if not raw.isdigit():
        raise InvalidInput(f"{key} harus angka.", field=key)
    return int(raw)


def _date(data: dict[str, str], key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(data.get(key, "").strip())
    except ValueError:
        raise InvalidInput(f"{key} bukan tanggal (YYYY-MM-DD).", field=key) from None


def _daily(rows: list[tuple[dt.datetime, float, float]], zone: str) -> list[tuple[dt.date,
                                                                                  float, float]]:
    days: dict[dt.date, list[float]] = {}
    for start, volume, aht in rows:
        bucket = days.setdefault(history.to_local_day(start, zone), [0.0, 0.0])
        bucket[0] += volume
        bucket[1] += volume * aht
    return [(d, v, (w / v if v else 0.0)) for d, (v, w) in sorted(days.items())]


@router.get("/wfm/forecasts/export.xlsx")
def versions_export(session: DbSession, actor: Actor = READ) -> Response:
    """The forecast versions with their backtest accuracy per queue."""
    plans = plans_in_scope(session, actor)
    names = {p.id: p.name for p in plans}
    rows: list[list[Any]] = [["Versi", "Antrian", "Dibuat", "Hari pertama", "Hari",
                              "Riwayat (hari)", "Metode", "WAPE %", "MAPE %", "Catatan"]]
    rows += [[f.id, names.get(f.plan_id, ""), format_local(f.created_at, actor.timezone),
              f.first_day.isoformat(), f.days, f.history_days, f.method,
              round(f.wape, 2) if f.wape is not None else None,
              round(f.mape, 2) if f.mape is not None else None, f.note]
             for f in service.forecasts(session, limit=500, plan_ids=list(names))]
    return xlsx(rows, "Versi ramalan", "ramalan-versi.xlsx")


@router.get("/wfm/forecasts/{forecast_id}")
def forecast_page(forecast_id: int, request: Request, session: DbSession,
                  actor: Actor = READ) -> Response:
    found = forecast_in_scope(session, actor, forecast_id)
    plan = service.get_plan(session, found.plan_id)
    zone = history.zone_of(session, plan)
    daily = _daily(forecast_rows(session, found), zone)
    back = history.series(session, plan, found.first_day - dt.timedelta(days=28), 28 + found.days,
                          zone).daily()
    labels = [(found.first_day + dt.timedelta(days=i - 28)).strftime("%d/%m")
              for i in range(28 + found.days)]
    ahead = [np.nan] * 28 + [v for _d, v, _a in daily]
    actual = [float(v) if i < 28 or v > 0 else np.nan for i, v in enumerate(back)]
    config = chart("line", labels, [(_("Aktual"), actual, "#555"),
                                    (_("Ramalan"), ahead, "#1565c0")])
    return render(request, "workforce/forecast.html", {
        "nav": "wfm", "sub": "forecasts", "forecast": found, "plan": plan, "daily": daily,
        "chart": config})


@router.get("/wfm/forecasts/{forecast_id}/export.xlsx")
def forecast_export(forecast_id: int, session: DbSession, actor: Actor = READ) -> Response:
    found = forecast_in_scope(session, actor, forecast_id)
    plan = service.get_plan(session, found.plan_id)
    zone = history.zone_of(session, plan)
    rows: list[list[Any]] = [["Antrian", "Interval", "Volume", "AHT (detik)"]]
    rows += [[plan.name, format_local(s, zone), round(v, 2), round(a, 1)]
             for s, v, a in forecast_rows(session, found)]
    return xlsx(rows, "Ramalan", f"ramalan-{found.id}.xlsx")


def _plan_and_day(session: DbSession, actor: Actor, plan_id: int | None,
                  day: str | None) -> tuple[QueuePlan | None, dt.date, list[QueuePlan]]:
    plans = plans_in_scope(session, actor)
    plan = plan_in_scope(session, actor, plan_id) if plan_id else (plans[0] if plans else None)
    try:
        chosen = dt.date.fromisoformat(day) if day else _today(actor)
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None
    return plan, chosen, plans


@router.get("/wfm/staffing")
def staffing_page(request: Request, session: DbSession, actor: Actor = READ,
                  plan_id: int | None = Query(default=None, gt=0),
                  day: str | None = None, simulate: bool = False) -> Response:
    """Staff required per interval of a day, with Erlang's service level, ASA and
    occupancy; with `simulate`, the simulation's prediction from the site's roster of
    that month (draft or published) beside them."""
    plan, chosen, plans = _plan_and_day(session, actor, plan_id, day)
    req = requirement_of_day(session, plan, chosen) if plan else None
    sim = validation.predict(session, plan.site_id, chosen).get(plan.id) \
        if plan is not None and plan.site_id is not None and simulate else None
    config = None
    if req is not None:
        labels = [format_local(s, actor.timezone, False)[:5] for s in req.starts()]
        config = chart("line", labels, [(_("Agen di lantai"), list(req.raw_agents), "#1565c0"),
                                        (_("Agen terjadwal (+unplanned)"),
                                         list(req.floor_agents), "#2e7d32"),
                                        (_("Agen dibayar (+planned)"), list(req.paid_agents),
                                         "#f9a825")])
    return render(request, "workforce/staffing.html", {
        "nav": "wfm", "sub": "staffing", "plans": plans, "plan": plan, "day": chosen,
        "req": req, "chart": config, "sim": sim, "simulate": simulate})


@router.get("/wfm/caplan")
def caplan_page(request: Request, session: DbSession, actor: Actor = READ,
                month: str | None = None) -> Response:
    chosen = rosters.month_start(month) if month else _today(actor).replace(day=1)
    site = site_held(actor)
    rows = service.caplan(session, chosen, site)
    config = chart("bar", [f"{r.site} · {r.desk}" for r in rows],
                   [(_("Caplan (FTE)"), [r.required_fte for r in rows], "#1565c0"),
                    (_("Tersedia"), [float(r.available) for r in rows], "#2e7d32")])
    total = service.staff_fulfilment(session, chosen, site)
    months = [(chosen.replace(day=15) + dt.timedelta(days=31 * k)).replace(day=1)
              for k in range(-2, 4)]
    trend = [service.staff_fulfilment(session, m, site) for m in months]
    by_month = chart("line", [m.strftime("%m/%Y") for m in months],
                     [(_("Pemenuhan %"), [t.percent if t.percent is not None else np.nan
                                       for t in trend], "#2e7d32"),
                      (_("Target D15.14"), [95.0] * len(months), "#c62828")])
    return render(request, "workforce/caplan.html", {
        "nav": "wfm", "sub": "caplan", "rows": rows, "month": chosen, "chart": config,
        "total": total, "trend": list(zip(months, trend, strict=True)), "by_month": by_month})


@router.get("/wfm/caplan/export.xlsx")
def caplan_export(session: DbSession, actor: Actor = READ, month: str | None = None) -> Response:
    chosen = rosters.month_start(month) if month else _today(actor).replace(day=1)
    site = site_held(actor)
    rows: list[list[Any]] = [["Site", "Desk", "Jam di lantai", "Jam terjadwal (+unplanned)",
                              "Jam dibayar (+planned)", "Caplan (FTE)", "Tersedia",
                              "Pemenuhan %"]]
    rows += [[r.site, r.desk, r.floor_hours, r.scheduled_hours, r.required_hours,
              r.required_fte, r.available,
              round(r.fulfilment, 1) if r.fulfilment is not None else None]
             for r in service.caplan(session, chosen, site)]
    return xlsx(rows, "Caplan", f"caplan-{chosen:%Y-%m}.xlsx")


@router.get("/wfm/intraday")
def intraday_page(request: Request, session: DbSession, actor: Actor = READ,
                  plan_id: int | None = Query(default=None, gt=0)) -> Response:
    plan, _day, plans = _plan_and_day(session, actor, plan_id, None)
    today = intraday.view(session, plan) if plan else None
    config = staffed = None
    if today is not None:
        labels = [format_local(s, actor.timezone, False)[:5] for s in today.starts]
        config = chart("line", labels, [(_("Ramalan"), list(today.forecast), "#1565c0"),
                                        (_("Aktual"), list(today.actual), "#c62828"),
                                        (_("Ramalan ulang"), list(today.reforecast), "#f9a825")])
        staffed = chart("bar", labels, [(_("Agen dibutuhkan"), list(today.required), "#c62828"),
                                        (_("Agen terjadwal"), list(today.scheduled), "#1565c0")])
    return render(request, "workforce/intraday.html", {
        "nav": "wfm", "sub": "intraday", "plans": plans, "plan": plan, "today": today,
        "chart": config, "staffed": staffed})


@router.get("/wfm/intraday/export.xlsx")
def intraday_export(session: DbSession, actor: Actor = READ,
                    plan_id: int = Query(gt=0)) -> Response:
    today = intraday.view(session, plan_in_scope(session, actor, plan_id))
    zone = actor.timezone
    rows: list[list[Any]] = [["Interval", "Ramalan", "Aktual", "Ramalan ulang",
                              "Agen dibutuhkan", "Agen terjadwal"]]
    for i, start in enumerate(today.starts):
        rows.append([format_local(start, zone), round(float(today.forecast[i]), 1),
                     None if np.isnan(today.actual[i]) else float(today.actual[i]),
                     round(float(today.reforecast[i]), 1), float(today.required[i]),
                     float(today.scheduled[i])])
    rows += [[], ["Rekomendasi pemulihan (QIA)"], ["Jenis", "Mulai", "Selesai", "Kurang",
                                                   "Agen", "Keterangan"]]
    rows += [[r.kind, format_local(r.start, zone), format_local(r.end, zone), r.short,
              ", ".join(r.agents), r.text] for r in today.recommendations]
    return xlsx(rows, "Intraday", f"intraday-{today.plan.id}.xlsx")
