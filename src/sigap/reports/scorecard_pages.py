"""The agent scorecard page for a month (this month by default) and its XLSX export:
agents see their own card, team leaders their team, supervisors their site."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput
from sigap.org.models import Site
from sigap.reports import kpis, month, scorecard
from sigap.web.deps import DbSession, require
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))
COLUMNS = ("Agen", "Tim", "Tiket ditangani", "Tiket selesai", "Response time %",
           "Update berkala %", "TTR %", "FCR %", "CSAT %", "AHT (detik)", "Adherence %")


def _site(session: Session, site: str | None) -> int | None:
    if not site:
        return None
    try:
        site_id = int(site)
    except ValueError:
        raise InvalidInput("Site harus berupa id angka.", field="site") from None
    if session.get(Site, site_id) is None:
        raise InvalidInput(f"Site {site_id} tidak ada.", field="site")
    return site_id


def _build(session: Session, actor: Actor, month_: str | None,
           site: str | None) -> dict[str, Any]:
    chosen, start, end = month.month_bounds(month_, actor.timezone)
    agents = scorecard.agents_for(session, actor, _site(session, site))
    cards = scorecard.cards_for(session, agents, kpis.Period(start, end), actor.timezone)
    teams, total = scorecard.averages(cards, _("Rata-rata semua"))
    return {"month": chosen, "cards": cards, "teams": teams, "total": total,
            "grouped": scorecard.grouped(cards), "start": start, "end": end,
            "site": site or ""}


def line(card: scorecard.Card) -> list[object]:
    def pct(measure: str) -> float | None:
        value = card.ratios[measure].percent
        return round(value, 2) if value is not None else None

    return [card.label, card.team, card.handled, card.resolved, pct("response"),
            pct("update"), pct("ttr"), pct("fcr"), pct("csat"),
            round(card.aht_seconds, 1) if card.aht_seconds is not None else None,
            round(card.adherence, 2) if card.adherence is not None else None]


@router.get("/reports/scorecard")
def scorecard_page(request: Request, session: DbSession, actor: Actor = READ,
                   month_: str | None = Query(None, alias="month"),
                   site: str | None = None) -> HTMLResponse:
    return render(request, "reports/scorecard.html",
                  {"nav": "reports", **_build(session, actor, month_, site)})


@router.get("/reports/scorecard.xlsx")
def scorecard_export(session: DbSession, actor: Actor = READ,
                     month_: str | None = Query(None, alias="month"),
                     site: str | None = None) -> Response:
    built = _build(session, actor, month_, site)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Scorecard {built['month']}"
    sheet.append([_(c) for c in COLUMNS])
    for card in built["cards"]:
        sheet.append(line(card))
    for team in built["teams"]:
        sheet.append([_("Rata-rata tim") + f" {team.label}", *line(team)[1:]])
    sheet.append(line(built["total"]))
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record(session, "reports.scorecard_export", "staff", None,
                 {"month": built["month"], "agents": len(built["cards"])})
    name = f"scorecard-{built['month']}.xlsx"
    return Response(buffer.getvalue(), headers={"Content-Disposition":
                                                f'attachment; filename="{name}"'},
                    media_type="application/vnd.openxmlformats-officedocument."
                               "spreadsheetml.sheet")
