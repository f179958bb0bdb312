"""Queue plan pages: every planned queue with its targets and shrinkage split, and one
queue's page with its settings (Operation Plan edits them, the ACD queue its history comes
from included) and the staff it needs per interval of a day, charted and exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.channels.voice import intervals as acd
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, SigapError
from sigap.core.timezones import format_local
from sigap.org.models import Site
from sigap.web.deps import DbSession, PostedForm, require, text_fields
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute
from sigap.workforce import history, service, staffing
from sigap.workforce.display import chart, plan_in_scope, plans_in_scope, site_held, xlsx
from sigap.workforce.models import QueuePlan

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
READ = Depends(require("wfm.read"))
PLAN = Depends(require("wfm.plan"))

# Form field → (kind, lowest, highest); shares and rates are typed as percent.
NUMBERS: dict[str, tuple[str, float, float]] = {
    "interval_minutes": ("int", 15, 60),
    "site_share": ("percent", 0.01, 100),
    "target_service_level": ("percent", 1, 100),
    "target_answer_seconds": ("int", 0, 86_400),
    "max_occupancy": ("percent", 1, 100),
    "concurrency": ("int", 1, 20),
    "deadline_minutes": ("int", 0, 100_000),
    "planned_shrinkage": ("percent", 0, 99),
    "unplanned_shrinkage": ("percent", 0, 99),
}


def plan_values(data: dict[str, str]) -> dict[str, object]:
    """A queue plan from the form, each number checked and named when wrong."""
    values: dict[str, object] = {"name": data.get("name", "").strip(),
                                 "channel": data.get("channel", ""),
                                 "desk": data.get("desk", "").strip()[:80],
                                 "acd_queue": data.get("acd_queue", "").strip()[:60]}
    site = data.get("site_id", "").strip()
    if site and not site.isdigit():
        raise InvalidInput("site_id harus angka.", field="site_id")
    values["site_id"] = int(site) if site else None
    for key, (kind, low, high) in NUMBERS.items():
        raw = data.get(key, "").strip().replace(",", ".").rstrip("%").strip()
        try:
            number = float(raw)
        except ValueError:
            raise InvalidInput(f"{key} harus angka.", field=key) from None
        if not low <= number <= high:
            raise InvalidInput(f"{key} harus di antara {low:g} dan {high:g}.", field=key)
        values[key] = int(number) if kind == "int" else number / 100
    patience = data.get("patience_seconds", "").strip()
    if patience and (not patience.isdigit() or int(patience) <= 0):
        raise InvalidInput("patience_seconds harus angka > 0 (kosong: Erlang C).",
                           field="patience_seconds")
    values["patience_seconds"] = int(patience) if patience else None
    return values


def _form_of(plan: QueuePlan | None) -> dict[str, Any]:
    if plan is None:
        return {"channel": "voice", "interval_minutes": 30, "site_share": 100,
                "target_service_level": 80, "target_answer_seconds": 20,
                "max_occupancy": 85, "concurrency": 1, "deadline_minutes": 0,
                "planned_shrinkage": 15, "unplanned_shrinkage": 5}
    form: dict[str, Any] = {k: getattr(plan, k) for k in (
        "name", "channel", "desk", "acd_queue", "site_id", "patience_seconds", *NUMBERS)}
    for key, (kind, _low, _high) in NUMBERS.items():
        if kind == "percent":
            form[key] = round(float(getattr(plan, key)) * 100, 2)
    return form


def _sites(session: Session, actor: Actor) -> list[Site]:
    site = site_held(actor)
    return [s for s in session.query(Site).order_by(Site.code) if site is None or s.id == site]


def _plans_page(request: Request, session: DbSession, actor: Actor, status: int = 200,
                error: str | None = None, form: dict[str, Any] | None = None) -> Response:
    return render(request, "workforce/plans.html", {
        "nav": "wfm", "sub": "plans", "plans": plans_in_scope(session, actor),
        "sites": {s.id: s.code for s in _sites(session, actor)},
        "acd_queues": acd.acd_queues(session), "channels": service.CHANNELS,
        "error": error, "form": form or _form_of(None)}, status_code=status)


@router.get("/wfm/plans")
def plans_page(request: Request, session: DbSession, actor: Actor = READ) -> Response:
    return _plans_page(request, session, actor)


@router.get("/wfm/plans/export.xlsx")
def plans_export(session: DbSession, actor: Actor = READ) -> Response:
    codes = {s.id: s.code for s in _sites(session, actor)}
    rows: list[list[Any]] = [["Antrian", "Kanal", "Situs", "Desk", "Antrian ACD", "Interval",
                              "Target SL", "Target detik", "Okupansi maks", "Kesabaran (s)",
                              "Konkurensi", "Tenggat (menit)", "Shrinkage terencana",
                              "Shrinkage tak terencana"]]
    rows += [[p.name, p.channel, codes.get(p.site_id or 0, ""), p.desk, p.acd_queue,
              p.interval_minutes, p.target_service_level, p.target_answer_seconds,
              p.max_occupancy, p.patience_seconds, p.concurrency, p.deadline_minutes,
              p.planned_shrinkage, p.unplanned_shrinkage]
             for p in plans_in_scope(session, actor)]
    return xlsx(rows, "Antrian", "antrian.xlsx")


@router.post("/wfm/plans")
def plan_create(request: Request, session: DbSession, form: PostedForm,
                actor: Actor = PLAN) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        made = service.save_plan(session, plan_values(data))
    except SigapError as exc:
        session.rollback()
        return _plans_page(request, session, actor, exc.status_code, exc.message, data)
    return RedirectResponse(f"/wfm/plans/{made.id}", status_code=303)


def _day(actor: Actor, day: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(day) if day else history.to_local_day(utcnow(),
                                                                           actor.timezone)
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None


def _requirement(session: Session, plan: QueuePlan, day: dt.date) -> staffing.Requirement:
    zone = history.zone_of(session, plan)
    return service.requirement(session, plan, history.local_midnight(day, zone),
                               history.local_midnight(day + dt.timedelta(days=1), zone))


def _plan_page(request: Request, session: DbSession, actor: Actor, plan: QueuePlan,
               day: dt.date, status: int = 200, error: str | None = None,
               form: dict[str, Any] | None = None) -> Response:
    req = _requirement(session, plan, day)
    labels = [format_local(s, actor.timezone, False)[:5] for s in req.starts()]
    config = chart("line", labels, [(_("Agen di lantai"), list(req.raw_agents), "#1565c0"),
                                    (_("Agen terjadwal (+unplanned)"), list(req.floor_agents),
                                     "#2e7d32"),
                                    (_("Agen dibayar (+planned)"), list(req.paid_agents),
                                     "#f9a825")])
    return render(request, "workforce/plan.html", {
        "nav": "wfm", "sub": "plans", "plan": plan, "day": day, "req": req, "chart": config,
        "sites": {s.id: s.code for s in _sites(session, actor)},
        "acd_queues": acd.acd_queues(session), "channels": service.CHANNELS,
        "form": form or _form_of(plan), "error": error,
        "hours": [float(a.sum()) * plan.interval_minutes / 60
                  for a in (req.raw_agents, req.floor_agents, req.paid_agents)]},
        status_code=status)


@router.get("/wfm/plans/{plan_id}")
def plan_page(plan_id: int, request: Request, session: DbSession, actor: Actor = READ,
              day: str | None = None) -> Response:
    """One queue: its settings and the staff it needs per interval of a day."""
    return _plan_page(request, session, actor, plan_in_scope(session, actor, plan_id),
                      _day(actor, day))


@router.post("/wfm/plans/{plan_id}")
def plan_update(plan_id: int, request: Request, session: DbSession, form: PostedForm,
                actor: Actor = PLAN) -> Response:
    plan = plan_in_scope(session, actor, plan_id, "wfm.plan")
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        service.save_plan(session, plan_values(data), plan.id)
    except SigapError as exc:
        session.rollback()
        return _plan_page(request, session, actor, plan_in_scope(session, actor, plan_id),
                          _day(actor, None), exc.status_code, exc.message, data)
    return RedirectResponse(f"/wfm/plans/{plan.id}", status_code=303)


STAFFING_HEADER = ["Antrian", "Interval", "Volume", "AHT (detik)", "Agen di lantai",
                   "Agen terjadwal (+unplanned)", "Agen dibayar (+planned)", "Service level",
                   "ASA (detik)", "Okupansi"]


def staffing_rows(plan: QueuePlan, req: staffing.Requirement, zone: str) -> list[list[Any]]:
    def num(value: float, digits: int) -> float | None:
        return round(float(value), digits) if value == value else None

    return [[plan.name, format_local(at, zone), round(float(req.volume[i]), 2),
             round(float(req.aht_seconds[i]), 1), int(req.raw_agents[i]),
             int(req.floor_agents[i]), int(req.paid_agents[i]), num(req.service_level[i], 4),
             num(req.asa_seconds[i], 1), num(req.occupancy[i], 4)]
            for i, at in enumerate(req.starts())]


@router.get("/wfm/plans/{plan_id}/staffing.{kind}")
def staffing_export(plan_id: int, kind: str, session: DbSession, actor: Actor = READ,
                    day: str | None = Query(default=None)) -> Response:
    """The staff per interval of a day as XLSX or CSV."""
    if kind not in ("xlsx", "csv"):
        raise InvalidInput("Format ekspor harus xlsx atau csv.", field="kind")
    plan = plan_in_scope(session, actor, plan_id)
    chosen = _day(actor, day)
    rows = staffing_rows(plan, _requirement(session, plan, chosen), actor.timezone)
    name = f"kebutuhan-agen-{plan.id}-{chosen}"
    if kind == "xlsx":
        return xlsx([STAFFING_HEADER, *rows], "Kebutuhan agen", f"{name}.xlsx")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STAFFING_HEADER)
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
