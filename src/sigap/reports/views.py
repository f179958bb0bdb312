"""KPI boards (TENESA, TAM) over a period, filtered like the board page."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.reports import kpis, pages, printable, scorecard_pages
from sigap.reports.period import period_for
from sigap.reports.scheduled import views as scheduled_views
from sigap.reports.tally import Ask
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["kpi"])
router.include_router(printable.router)
router.include_router(scorecard_pages.router)
router.include_router(scheduled_views.router)
router.include_router(pages.router)


class DayOut(BaseModel):
    day: dt.date
    percent: float | None


class KpiOut(BaseModel):
    code: str
    name: str
    target: float
    numerator: float | None
    denominator: float | None
    percent: float | None
    light: str
    no_data: bool
    trend: list[DayOut]


@router.get("/api/kpis/{board}", response_model=list[KpiOut])
def board(board: Literal["tenesa", "tam"], session: DbSession,
          start: AwareDatetime | None = Query(default=None, alias="from"),
          end: AwareDatetime | None = Query(default=None, alias="to"),
          span: Literal["day", "10days", "month", "quarter"] | None = None,
          day: dt.date | None = None,
          site: int | None = None, channel: str | None = None, team: int | None = None,
          agent: int | None = None,
          sl_threshold_seconds: int = Query(default=20, ge=1, le=3600),
          short_abandon_seconds: int = Query(default=5, ge=0, le=600),
          exclude_short_abandons: bool = True, abandons_in_denominator: bool = True,
          fcr_window_days: int = Query(default=7, ge=1, le=90),
          actor: Actor = Depends(require("tickets.read"))) -> list[KpiOut]:
    """The board's KPIs for [from, to) — or for the `span` holding `day` in the caller's
    zone — within the caller's scope and the filters: numerator, denominator, percent,
    traffic light and the daily trend."""
    if span is not None:
        if start is not None or end is not None:
            raise InvalidInput("Isi 'span' atau 'from'/'to', bukan keduanya.", field="span")
        chosen = day or dt.datetime.now(dt.UTC).date()
        period = period_for(chosen, span, actor.timezone)
        lo, hi = period.start, period.end
    else:
        if start is None or end is None:
            raise InvalidInput("Isi 'from' dan 'to' (atau 'span').", field="from")
        if end <= start:
            raise InvalidInput("'to' harus setelah 'from'.", field="to")
        lo, hi = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    filters = pages.filters_of(str(site) if site is not None else None, channel,
                               str(team) if team is not None else None,
                               str(agent) if agent is not None else None)
    ask = Ask(lo, hi, actor.timezone, filters, actor, utcnow())
    options = kpis.Options(sl_threshold_seconds=sl_threshold_seconds,
                           short_abandon_seconds=short_abandon_seconds,
                           exclude_short_abandons=exclude_short_abandons,
                           abandons_in_denominator=abandons_in_denominator,
                           fcr_window_days=fcr_window_days)
    return [KpiOut(code=k.code, name=k.name, target=k.target, numerator=v.numerator,
                   denominator=v.denominator, percent=v.percent, light=k.light(v),
                   no_data=v.percent is None,
                   trend=[DayOut(day=d, percent=p) for d, p in v.trend])
            for k, v in kpis.board(session, kpis.BOARDS[board], ask, options)]
