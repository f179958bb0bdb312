"""KPI boards (TENESA, TAM) over a period."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput
from sigap.reports import kpis, pages, printable, scorecard_pages
from sigap.reports.scheduled import views as scheduled_views
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["kpi"])
router.include_router(printable.router)
router.include_router(scorecard_pages.router)
router.include_router(scheduled_views.router)
router.include_router(pages.router)


class KpiOut(BaseModel):
    code: str
    name: str
    target: float
    numerator: float | None
    denominator: float | None
    percent: float | None
    light: str
    no_data: bool


@router.get("/api/kpis/{board}", response_model=list[KpiOut])
def board(board: Literal["tenesa", "tam"], session: DbSession,
          start: AwareDatetime = Query(alias="from"), end: AwareDatetime = Query(alias="to"),
          sl_threshold_seconds: int = Query(default=20, ge=1, le=3600),
          exclude_short_abandons: bool = True, abandons_in_denominator: bool = True,
          actor: Actor = Depends(require("tickets.read"))) -> list[KpiOut]:
    """The board's KPIs for [from, to): numerator, denominator, percent, traffic light."""
    if end <= start:
        raise InvalidInput("'to' harus setelah 'from'.", field="to")
    period = kpis.Period(start.astimezone(dt.UTC), end.astimezone(dt.UTC))
    options = kpis.Options(sl_threshold_seconds=sl_threshold_seconds,
                           exclude_short_abandons=exclude_short_abandons,
                           abandons_in_denominator=abandons_in_denominator)
    chosen = kpis.TENESA if board == "tenesa" else kpis.TAM
    return [KpiOut(code=k.code, name=k.name, target=k.target, numerator=v.numerator,
                   denominator=v.denominator, percent=v.percent, light=k.light(v),
                   no_data=v.percent is None)
            for k, v in kpis.board(session, chosen, period, options)]
