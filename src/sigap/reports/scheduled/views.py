"""The admin page of scheduled reports: list, add, change, remove (CSRF-checked forms;
every write audited by the session's flush hook), and the log of recent runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from sigap.auth.actor import Actor
from sigap.core.errors import SigapError
from sigap.org.models import Role, Site
from sigap.reports.scheduled import service
from sigap.web.deps import DbSession, PostedForm, require
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
MANAGE = Depends(require("reports.schedule"))
PATH = "/reports/schedules"


def _values(form: FormData) -> dict[str, object]:
    values: dict[str, object] = {k: v for k, v in form.items()
                                 if isinstance(v, str) and k != "roles"}
    values["roles"] = [r for r in form.getlist("roles") if isinstance(r, str)]
    return values


def _page(request: Request, session: Session, status: int = 200, error: str = "",
          field: str = "", form: dict[str, object] | None = None,
          editing: int | None = None) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "nav": "reports", "schedules": service.schedules(session), "runs": service.runs(session),
        "sites": list(session.scalars(select(Site).order_by(Site.name))),
        "roles": [r.value for r in Role], "error": error, "field": field,
        "form": form or {}, "editing": editing}
    ctx["names"] = {s.id: s.name for s in ctx["schedules"]}
    return render(request, "reports/schedules.html", ctx, status_code=status)


@router.get(PATH)
def schedules_page(request: Request, session: DbSession,
                   actor: Actor = MANAGE) -> HTMLResponse:
    return _page(request, session)


@router.post(PATH)
def schedule_create(request: Request, session: DbSession, form: PostedForm,
                    actor: Actor = MANAGE) -> Response:
    values = _values(form)
    try:
        service.save(session, values)
    except SigapError as exc:
        session.rollback()
        return _page(request, session, exc.status_code, exc.message, exc.field or "", values)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{schedule_id}")
def schedule_update(schedule_id: int, request: Request, session: DbSession,
                    form: PostedForm, actor: Actor = MANAGE) -> Response:
    values = _values(form)
    try:
        service.save(session, values, schedule_id)
    except SigapError as exc:
        session.rollback()
        return _page(request, session, exc.status_code, exc.message, exc.field or "", values,
                     schedule_id)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{schedule_id}/delete")
def schedule_delete(schedule_id: int, session: DbSession, actor: Actor = MANAGE) -> Response:
    service.remove(session, schedule_id)
    return RedirectResponse(PATH, status_code=303)
