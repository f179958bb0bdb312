"""What the workforce pages and API share: who may see whom, charts and XLSX answers."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from fastapi.responses import Response
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import InvalidInput, NotFound
from sigap.org.models import Staff
from sigap.workforce.models import Forecast, QueuePlan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def own_staff(actor: Actor) -> int:
    if actor.staff_id is None:
        raise InvalidInput("Hanya staf yang punya roster.", field="staff_id")
    return actor.staff_id


def staff_in_scope(session: Session, actor: Actor, staff_id: int,
                   permission: str = "wfm.read") -> Staff:
    person = session.get(Staff, staff_id)
    scope = scope_for(actor.role, permission)
    if person is None or scope is None or (scope is not Scope.all
                                           and person.site_id != actor.site_id):
        raise NotFound(f"Staf {staff_id} tidak ditemukan.")
    return person


def site_held(actor: Actor, permission: str = "wfm.read") -> int | None:
    """The one site a site-bound role sees (None: every site)."""
    return None if scope_for(actor.role, permission) is Scope.all else actor.site_id or -1


def plans_in_scope(session: Session, actor: Actor,
                   permission: str = "wfm.read") -> list[QueuePlan]:
    """The queue plans the caller may see: a supervisor or Desk Control only its own
    site's queues."""
    site = site_held(actor, permission)
    stmt = select(QueuePlan).where(QueuePlan.active.is_(True)).order_by(QueuePlan.name)
    if site is not None:
        stmt = stmt.where(QueuePlan.site_id == site)
    return list(session.scalars(stmt))


def plan_in_scope(session: Session, actor: Actor, plan_id: int,
                  permission: str = "wfm.read") -> QueuePlan:
    plan = session.get(QueuePlan, plan_id)
    site = site_held(actor, permission)
    if plan is None or (site is not None and plan.site_id != site):
        raise NotFound(f"Rencana antrian {plan_id} tidak ditemukan.", field="plan_id")
    return plan


def forecast_in_scope(session: Session, actor: Actor, forecast_id: int) -> Forecast:
    found = session.get(Forecast, forecast_id)
    site = site_held(actor)
    plan = session.get(QueuePlan, found.plan_id) if found is not None else None
    if found is None or plan is None or (site is not None and plan.site_id != site):
        raise NotFound(f"Ramalan {forecast_id} tidak ditemukan.", field="forecast_id")
    return found


def xlsx_bytes(rows: list[list[Any]], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(rows: list[list[Any]], title: str, name: str) -> Response:
    return Response(xlsx_bytes(rows, title), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def chart(kind: str, labels: list[str], series: list[tuple[str, list[float], str]],
          stacked: bool = False) -> dict[str, Any]:
    """A Chart.js configuration written by the server (static/charts.js draws it)."""
    return {"type": kind, "data": {"labels": labels, "datasets": [
        {"label": name, "data": [round(float(v), 2) if np.isfinite(v) else None
                                 for v in values],
         "borderColor": colour, "backgroundColor": colour, "pointRadius": 0,
         "borderWidth": 2, "fill": False} for name, values, colour in series]},
        "options": {"plugins": {"legend": {"position": "bottom"}},
                    "scales": {"x": {"stacked": stacked}, "y": {"beginAtZero": True}}}}


