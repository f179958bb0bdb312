"""What the workforce pages and API share: who may see whom, charts and XLSX answers."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from fastapi.responses import Response
from openpyxl import Workbook
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import InvalidInput, NotFound
from sigap.org.models import Staff

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


def xlsx(rows: list[list[Any]], title: str, name: str) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX,
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


