"""The KPI board page (TENESA, TAM): targets, actuals, traffic lights and a daily trend
chart per KPI for a day, ten days, a month or a quarter in the user's zone, filtered by
site, channel, team and agent within the viewer's scope; exported to XLSX; every number
with tickets or calls behind it opens them."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from openpyxl import Workbook
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, NotFound
from sigap.org.models import Channel, Role, Site, Staff, Team
from sigap.reports import drill, export, kpis
from sigap.reports.period import SPANS, period_for
from sigap.reports.tally import Ask, Filters
from sigap.tickets.models import Interaction, Ticket
from sigap.web.deps import DbSession, require
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))
CHANNELS = tuple(c.value for c in Channel)
COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}
__all__ = ["period_for", "router"]


def _id(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"'{name}' harus berupa angka.", field=name) from None


def filters_of(site: str | None, channel: str | None, team: str | None,
               agent: str | None) -> Filters:
    if channel not in (None, "") and channel not in CHANNELS:
        raise InvalidInput(f"Kanal '{channel}' tidak dikenal.", field="channel")
    return Filters(_id(site, "site"), channel or None, _id(team, "team"), _id(agent, "agent"))


def ask_for(board: str, span: str, day: str | None, actor: Actor, filters: Filters
         ) -> tuple[dt.date, Ask]:
    if board not in kpis.BOARDS:
        raise InvalidInput("Papan tidak dikenal.", field="board")
    if span not in SPANS:
        raise InvalidInput(f"Rentang '{span}' tidak dikenal: day, 10days, month atau quarter.",
                           field="span")
    try:
        chosen = dt.date.fromisoformat(day) if day else \
            dt.datetime.now(ZoneInfo(actor.timezone)).date()
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None
    period = period_for(chosen, span, actor.timezone)
    return chosen, Ask(period.start, period.end, actor.timezone, filters, actor, utcnow())


def _rows(session: DbSession, board: str, ask: Ask
          ) -> list[tuple[kpis.Kpi, kpis.Value, str]]:
    return export.board_rows(session, board, ask)


def _chart(kpi: kpis.Kpi, value: kpis.Value) -> dict[str, Any]:
    """Daily values over the period against the target line."""
    labels = [d.strftime("%d/%m") for d, _ in value.trend]
    return {"type": "line", "data": {"labels": labels, "datasets": [
        {"label": kpi.code, "data": [round(p, 1) if p is not None else None
                                     for _, p in value.trend],
         "borderColor": "#1565c0", "spanGaps": True, "pointRadius": 2},
        {"label": "target", "data": [kpi.target] * len(labels), "borderColor": "#c62828",
         "borderDash": [4, 4], "pointRadius": 0}]},
        "options": {"plugins": {"legend": {"display": False}},
                    "scales": {"y": {"suggestedMin": 0, "suggestedMax": 100}}}}


def _choices(session: DbSession, actor: Actor) -> dict[str, list[tuple[int, str]]]:
    """Sites, teams and agents the viewer may narrow to (their scope's)."""
    scope = scope_for(actor.role, "tickets.read")
    sites = select(Site.id, Site.name).order_by(Site.name)
    teams = select(Team.id, Team.name).order_by(Team.name)
    agents = select(Staff.id, Staff.online_name).where(Staff.role == Role.agent,
                                                       Staff.active.is_(True))
    if scope is Scope.own:
        sites = sites.where(Site.id == actor.site_id)
        teams = teams.where(Team.id == actor.team_id)
        agents = agents.where(Staff.id == actor.staff_id)
    elif scope is Scope.team:
        sites = sites.where(Site.id == actor.site_id)
        teams = teams.where(Team.id.in_(actor.team_ids))
        agents = agents.where(Staff.team_id.in_(actor.team_ids))
    elif scope is Scope.site:
        sites = sites.where(Site.id == actor.site_id)
        teams = teams.where(Team.site_id == actor.site_id)
        agents = agents.where(Staff.site_id == actor.site_id)
    return {"sites": [(int(i), str(n)) for i, n in session.execute(sites)],
            "teams": [(int(i), str(n)) for i, n in session.execute(teams)],
            "agents": [(int(i), str(n)) for i, n in session.execute(
                agents.order_by(Staff.online_name))]}


def _query(span: str, day: str, f: Filters) -> Markup:
    """The board's query string; every part is checked (span, ISO day, ids, known
    channel), so it is written into links as it is."""
    parts = [f"span={span}", f"day={day}"]
    for name, value in (("site", f.site_id), ("channel", f.channel), ("team", f.team_id),
                        ("agent", f.agent_id)):
        if value is not None:
            parts.append(f"{name}={value}")
    return Markup("&".join(parts))


@router.get("/kpi/{board}")
def board_page(board: str, request: Request, session: DbSession, actor: Actor = READ,
               span: str = Query("day"), day: str | None = None, site: str | None = None,
               channel: str | None = None, team: str | None = None,
               agent: str | None = None) -> HTMLResponse:
    filters = filters_of(site, channel, team, agent)
    chosen, ask = ask_for(board, span, day, actor, filters)
    rows = _rows(session, board, ask)
    return render(request, "reports/board.html", {
        "nav": "kpi", "board": board, "span": span, "day": chosen.isoformat(),
        "rows": rows, "charts": {k.code: _chart(k, v) for k, v, _ in rows},
        "period": kpis.Period(ask.start, ask.end), "filters": filters,
        "choices": _choices(session, actor), "channels": CHANNELS, "colours": COLOURS,
        "query": _query(span, chosen.isoformat(), filters)})


@router.get("/kpi/{board}/export.xlsx")
def board_export(board: str, session: DbSession, actor: Actor = READ,
                 span: str = Query("day"), day: str | None = None, site: str | None = None,
                 channel: str | None = None, team: str | None = None,
                 agent: str | None = None) -> Response:
    filters = filters_of(site, channel, team, agent)
    chosen, ask = ask_for(board, span, day, actor, filters)
    rows = _rows(session, board, ask)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = board.upper()
    sheet.append(("Kode", "KPI", "Target %", "Pembilang", "Penyebut", "Capaian %", "Status"))
    for kpi, value, light in rows:
        sheet.append((kpi.code, kpi.name, kpi.target, value.numerator, value.denominator,
                      round(value.percent, 2) if value.percent is not None else None,
                      "belum ada data" if value.percent is None else light))
    trend = book.create_sheet("Tren harian")
    days = ask.days()
    trend.append(("Kode", *[d.isoformat() for d in days]))
    for kpi, value, _ in rows:
        daily = dict(value.trend)
        trend.append((kpi.code, *[round(p, 2) if (p := daily.get(d)) is not None else None
                                  for d in days]))
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"kpi-{board}-{span}-{chosen.isoformat()}.xlsx"
    return Response(buffer.getvalue(), headers={"Content-Disposition":
                                                f'attachment; filename="{name}"'},
                    media_type="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet")


@router.get("/kpi/{board}/{code}")
def drill_down(board: str, code: str, request: Request, session: DbSession,
               actor: Actor = READ, span: str = Query("day"), day: str | None = None,
               site: str | None = None, channel: str | None = None, team: str | None = None,
               agent: str | None = None) -> HTMLResponse:
    """The tickets (or calls) behind a KPI's numbers, those that missed the target first."""
    filters = filters_of(site, channel, team, agent)
    chosen, ask = ask_for(board, span, day, actor, filters)
    kpi = next((k for k in kpis.BOARDS[board] if k.code == code), None)
    if kpi is None:
        raise NotFound(f"KPI {code} tidak ada di papan {board}.")
    options = kpis.Options()
    value = kpi.compute(session, ask, options)
    found = drill.behind(session, code, ask, options)
    met = dict(found.rows) if found else {}
    order = {i: n for n, (i, _) in enumerate(found.rows)} if found else {}
    tickets: list[Ticket] = []
    calls: list[Interaction] = []
    if found and found.kind == "tickets":
        tickets = sorted(session.scalars(select(Ticket).where(Ticket.id.in_(list(met)))),
                         key=lambda t: order[t.id])
    elif found:
        calls = sorted(session.scalars(select(Interaction).where(
            Interaction.id.in_(list(met)))), key=lambda i: order[i.id])
    return render(request, "reports/drill.html", {
        "nav": "kpi", "board": board, "span": span, "day": chosen.isoformat(), "kpi": kpi,
        "value": value, "tickets": tickets, "calls": calls, "met": met,
        "total": found.total if found else 0, "limit": drill.LIMIT,
        "query": _query(span, chosen.isoformat(), filters)})
