"""The printable monthly report (A4, print CSS): every KPI of TENESA and TAM with target,
actual, traffic light, numerator and denominator, and the trend over the month's three
ten-day parts; and the board as CSV."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.org.models import Site
from sigap.reports import export, kpis, month
from sigap.reports.pages import ask_for, filters_of
from sigap.web.deps import DbSession, require
from sigap.web.i18n import current_locale
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))


@dataclass(frozen=True)
class Section:
    board: str
    rows: list[export.Row]
    parts: list[str]  # the trend's column labels
    trend: dict[str, list[float | None]]  # KPI code → percent per part


def parts_of(first: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The month's ten-day parts: 1–10, 11–20, 21–end."""
    after = month.next_month(first)
    cuts = [first, first.replace(day=11), first.replace(day=21), after]
    last = (after - dt.timedelta(days=1)).day
    labels = ["1–10", "11–20", f"21–{last}"]
    return [(labels[i], cuts[i], cuts[i + 1]) for i in range(3)]


def sections(session: Session, first: dt.date, zone: str, actor: Actor | None,
             filters: kpis.Filters | None = None) -> list[Section]:
    """The month's boards as `actor` may see them (None: every ticket, for the system)."""
    start, end = month.bounds(first, month.next_month(first), zone)
    chosen = filters or kpis.Filters()
    now = utcnow()
    out = []
    for board in export.BOARDS:
        rows = export.board_rows(session, board,
                                 kpis.Ask(start, end, zone, chosen, actor, now))
        trend: dict[str, list[float | None]] = {k.code: [] for k, _, _ in rows}
        labels = []
        for label, a, b in parts_of(first):
            labels.append(label)
            part = kpis.Ask(*month.bounds(a, b, zone), zone, chosen, actor, now)
            for kpi, value, _ in export.board_rows(session, board, part):
                trend[kpi.code].append(value.percent)
        out.append(Section(board, rows, labels, trend))
    return out


@router.get("/reports/monthly")
def monthly(request: Request, session: DbSession, actor: Actor = READ,
            month_: str | None = Query(None, alias="month"),
            site: str | None = None) -> HTMLResponse:
    first = month.first_of(month_, actor.timezone)
    start, end = month.bounds(first, month.next_month(first), actor.timezone)
    filters = filters_of(site, None, None, None)
    chosen_site = session.get(Site, filters.site_id) if filters.site_id else None
    if filters.site_id and chosen_site is None:
        raise InvalidInput(f"Site {filters.site_id} tidak ditemukan.", field="site")
    audit.record(session, "reports.monthly_print", "reports", None,
                 {"month": first.isoformat(), "site": filters.site_id})
    return render(request, "reports/monthly.html", {
        "month": first.strftime("%Y-%m"), "first": first, "start": start, "end": end,
        "last": month.next_month(first) - dt.timedelta(days=1),
        # Within the viewer's scope; the header names the site when one is chosen.
        "site": chosen_site,
        "sections": sections(session, first, actor.timezone, actor, filters),
        "generated": utcnow()})


@router.get("/reports/kpi/{board}.csv")
def board_csv(board: str, session: DbSession, actor: Actor = READ,
              span: str = Query("day"), day: str | None = None, site: str | None = None,
              channel: str | None = None, team: str | None = None,
              agent: str | None = None) -> Response:
    """The board as CSV: the same lines as its XLSX export."""
    chosen, ask = ask_for(board, span, day, actor, filters_of(site, channel, team, agent))
    text = export.csv_text(export.board_rows(session, board, ask), current_locale.get())
    name = f"kpi-{board}-{span}-{chosen.isoformat()}.csv"
    # A BOM so spreadsheet programs read the UTF-8 names (≤, –) right.
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
