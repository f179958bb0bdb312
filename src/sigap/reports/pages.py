"""The KPI board page (TENESA, TAM): targets, actuals, traffic lights and a bar chart for a
day, ten days or a month in the user's zone; exported to XLSX."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput, NotFound
from sigap.reports import kpis
from sigap.tickets.models import Ticket
from sigap.tickets.scope import ticket_filter
from sigap.web.deps import DbSession, require
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))
SPANS = {"day": 1, "10days": 10, "month": 30}


def period_for(day: dt.date, span: str, zone: str) -> kpis.Period:
    """A day, the ten days, or the calendar month that holds `day`, in the user's zone."""
    tz = ZoneInfo(zone)
    if span == "month":
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
    elif span == "10days":
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        start = day.replace(day=first)
        end = start + dt.timedelta(days=10) if first < 21 else \
            (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    else:
        start, end = day, day + dt.timedelta(days=1)
    return kpis.Period(dt.datetime.combine(start, dt.time(0), tz).astimezone(dt.UTC),
                       dt.datetime.combine(end, dt.time(0), tz).astimezone(dt.UTC))


def _rows(session: DbSession, board: str, period: kpis.Period) -> list[tuple[kpis.Kpi,
                                                                             kpis.Value, str]]:
    chosen = kpis.TENESA if board == "tenesa" else kpis.TAM
    return [(k, v, k.light(v)) for k, v in kpis.board(session, chosen, period)]


def _args(board: str, span: str, day: str | None, actor: Actor) -> tuple[dt.date, kpis.Period]:
    if board not in ("tenesa", "tam") or span not in SPANS:
        raise InvalidInput("Papan atau rentang tidak dikenal.", field="board")
    try:
        chosen = dt.date.fromisoformat(day) if day else \
            dt.datetime.now(ZoneInfo(actor.timezone)).date()
    except ValueError:
        raise InvalidInput("Tanggal tidak valid (YYYY-MM-DD).", field="day") from None
    return chosen, period_for(chosen, span, actor.timezone)


@router.get("/kpi/{board}")
def board_page(board: str, request: Request, session: DbSession, actor: Actor = READ,
               span: str = Query("day"), day: str | None = None) -> HTMLResponse:
    chosen, period = _args(board, span, day, actor)
    return render(request, "reports/board.html", {
        "nav": "kpi", "board": board, "span": span, "day": chosen.isoformat(),
        "rows": _rows(session, board, period), "period": period})


@router.get("/kpi/{board}/export.xlsx")
def board_export(board: str, session: DbSession, actor: Actor = READ,
                 span: str = Query("day"), day: str | None = None) -> Response:
    chosen, period = _args(board, span, day, actor)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = board.upper()
    sheet.append(("Kode", "KPI", "Target %", "Pembilang", "Penyebut", "Capaian %", "Status"))
    for kpi, value, light in _rows(session, board, period):
        sheet.append((kpi.code, kpi.name, kpi.target, value.numerator, value.denominator,
                      round(value.percent, 2) if value.percent is not None else None,
                      "belum ada data" if value.percent is None else light))
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"kpi-{board}-{span}-{chosen.isoformat()}.xlsx"
    return Response(buffer.getvalue(), headers={"Content-Disposition":
                                                f'attachment; filename="{name}"'},
                    media_type="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet")


@router.get("/kpi/{board}/{code}")
def drill_down(board: str, code: str, request: Request, session: DbSession,
               actor: Actor = READ, span: str = Query("day"),
               day: str | None = None) -> HTMLResponse:
    """The tickets behind a KPI's numbers, those that missed the target first."""
    chosen, period = _args(board, span, day, actor)
    found = next(((k, v) for k, v, _ in _rows(session, board, period) if k.code == code), None)
    if found is None:
        raise NotFound(f"KPI {code} tidak ada di papan {board}.")
    kpi, value = found
    met = dict(value.tickets)
    tickets = list(session.scalars(select(Ticket).where(
        Ticket.id.in_(list(met)), ticket_filter(actor, "tickets.read"))
        .order_by(Ticket.created_at)))
    tickets.sort(key=lambda t: met[t.id])
    return render(request, "reports/drill.html", {
        "nav": "kpi", "board": board, "span": span, "day": chosen.isoformat(), "kpi": kpi,
        "value": value, "tickets": tickets, "met": met})
