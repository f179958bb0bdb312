"""Pages of the ticket domain: the agent desk, ticket list, new ticket, ticket detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, NotFound, SigapError
from sigap.core.pagination import PageParams
from sigap.tickets import actions, board, export, lifecycle, service
from sigap.tickets.models import EscalationLevel, EventKind, TicketState
from sigap.tickets.schemas import TicketCreate
from sigap.web.deps import DbSession, require, settings_of
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)

READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))


def age(value: dt.datetime | None) -> str:
    """'2h 3j' style age of a ticket, for the desk."""
    if value is None:
        return "—"
    minutes = max(0, int((utcnow() - value).total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}h {hours}j"
    if hours:
        return f"{hours}j {mins}m"
    return f"{mins}m"


def _filters(request: Request) -> service.TicketFilters:
    qp = request.query_params

    def number(key: str) -> int | None:
        value = qp.get(key, "").strip()
        if not value:
            return None
        if not value.isdigit():
            raise InvalidInput(f"{key} harus angka.", field=key)
        return int(value)

    priority = qp.get("priority", "")
    return service.TicketFilters(
        state=[s for s in qp.getlist("state") if s], type=qp.get("type") or None,
        owner=qp.get("owner") or None, team_id=number("team_id"),
        customer_id=number("customer_id"), service_id=number("service_id"),
        priority={"1": True, "true": True, "0": False, "false": False}.get(priority),
        channel=qp.get("channel") or None, tier=number("tier"), q=qp.get("q") or None,
        unassigned=qp.get("unassigned") in ("1", "true", "on"),
    )


def _page_params(page: int, limit: int = 50) -> PageParams:
    return PageParams(page=max(1, page), limit=limit)


@router.get("/desk")
def desk(request: Request, session: DbSession, actor: Actor = READ,
         page: int = Query(default=1, ge=1)) -> Response:
    """The agent's home: own loker, the team queue, counts per state."""
    filters = _filters(request)
    context = board.desk_context(session, actor, filters, _page_params(page))
    context.update(nav="desk", age=age, filters=filters)
    return render(request, "desk/index.html", context, fragment="desk/_lists.html")


@router.get("/tickets")
def ticket_list(request: Request, session: DbSession, actor: Actor = READ,
                page: int = Query(default=1, ge=1)) -> Response:
    """Every ticket in scope, with all filters."""
    filters = _filters(request)
    result = service.list_tickets(session, actor, filters, _page_params(page))
    context: dict[str, Any] = {"nav": "tickets", "page": result, "filters": filters, "age": age,
                               "states": [s.value for s in TicketState]}
    return render(request, "tickets/list.html", context, fragment="tickets/_table.html")


@router.get("/tickets/export.xlsx")
def ticket_export(request: Request, session: DbSession, actor: Actor = READ) -> Response:
    """The filtered list as an XLSX file."""
    filters = _filters(request)
    content, count = export.tickets_xlsx(session, actor, filters)
    audit.record(session, "tickets.export", "tickets", None, {"rows": count})
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="tiket.xlsx"'},
    )


def _int_or_none(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput(f"{field} harus angka.", field=field)
    return int(value)


def _new_form(request: Request, session: DbSession, actor: Actor, values: dict[str, Any],
              error: str | None = None, field: str | None = None,
              status_code: int = 200) -> Response:
    customer_id = _int_or_none(str(values.get("customer_id") or ""), "customer_id")
    service_id = _int_or_none(str(values.get("service_id") or ""), "service_id")
    hours = settings_of(request).identify_grant_hours
    customer = board.customer_for_form(session, actor, customer_id, hours)
    open_tickets = (service.open_tickets_on_service(session, actor, customer.id, service_id)
                    if customer is not None and service_id is not None else None)
    context = {"nav": "tickets", "customer": customer, "values": values,
               "service_id": service_id, "open_tickets": open_tickets,
               "error": error, "error_field": field}
    return render(request, "tickets/new.html", context, status_code=status_code)


@router.get("/tickets/new")
def new_ticket(request: Request, session: DbSession, actor: Actor = WRITE,
               customer_id: str | None = None, service_id: str | None = None) -> Response:
    """The new-ticket form with the "old or new?" check (D12)."""
    return _new_form(request, session, actor,
                     {"customer_id": customer_id, "service_id": service_id})


@router.get("/tickets/check")
def check_fragment(request: Request, session: DbSession, actor: Actor = READ,
                   customer_id: int = Query(gt=0),
                   service_id: str | None = None) -> Response:
    """The "old or new?" panel as an HTMX fragment."""
    sid = _int_or_none(service_id, "service_id")
    found = service.open_tickets_on_service(session, actor, customer_id, sid) \
        if sid is not None else None
    return render(request, "tickets/_check.html",
                  {"open_tickets": found, "customer_id": customer_id, "service_id": sid})


@router.post("/tickets/new")
def create_ticket_form(
    request: Request, session: DbSession, actor: Actor = WRITE,
    customer_id: str = Form(default=""), service_id: str = Form(default=""),
    type: str = Form(default=""), subject: str = Form(default=""),
    description: str = Form(default=""), category: str = Form(default=""),
    severity: str = Form(default="minor"), channel: str = Form(default="voice"),
    tier: str = Form(default="1"), hard_complaint: str = Form(default=""),
) -> Response:
    """Create the ticket from the form, then show it."""
    values: dict[str, Any] = {
        "customer_id": customer_id, "service_id": service_id, "type": type,
        "subject": subject, "description": description, "category": category,
        "severity": severity or "minor", "channel": channel or "voice",
        "tier": int(tier) if tier.strip().isdigit() else tier,
        "hard_complaint": hard_complaint in ("on", "1", "true"),
    }
    data = {**values, "service_id": service_id or None}
    try:
        body = TicketCreate.model_validate(data)
        ticket = service.create_ticket(session, actor, body,
                                       settings_of(request).identify_grant_hours)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return _new_form(request, session, actor, values, f"{field}: {first['msg']}", field, 422)
    except SigapError as exc:
        session.rollback()
        return _new_form(request, session, actor, values, exc.message, exc.field,
                         exc.status_code)
    return RedirectResponse(f"/tickets/{ticket.id}", status_code=303)


def _ticket_page(request: Request, session: Session, actor: Actor, ticket_id: int,
                 error: str | None = None, status_code: int = 200) -> Response:
    context = board.ticket_context(session, actor, ticket_id)
    audit.record_read(session, "customers", context["ticket"].customer_id,
                      why="ticket detail", detail={"ticket_id": ticket_id})
    context.update(
        nav="tickets", age=age,
        allowed_states=sorted(lifecycle.allowed(context["ticket"].state)),
        active=context["ticket"].state in lifecycle.ACTIVE_STATES,
        flashes=[{"kind": "error", "text": error}] if error else [],
        backend_level=EscalationLevel.backend, supervisor_level=EscalationLevel.supervisor,
        event_kinds=EventKind,
    )
    return render(request, "tickets/detail.html", context, status_code=status_code)


@router.get("/tickets/{ticket_id}")
def ticket_detail(ticket_id: int, request: Request, session: DbSession,
                  actor: Actor = READ) -> Response:
    """A ticket: facts, customer, timeline and the actions allowed."""
    return _ticket_page(request, session, actor, ticket_id)


def _act(request: Request, session: Session, actor: Actor, ticket_id: int,
         action: Any, *args: Any) -> Response:
    """Run an action; on a rule error show the ticket again with the message."""
    try:
        ticket = action(session, actor, ticket_id, *args)
    except NotFound:
        raise
    except SigapError as exc:
        session.rollback()
        return _ticket_page(request, session, actor, ticket_id, exc.message, exc.status_code)
    target = ticket.id if ticket is not None else ticket_id
    return RedirectResponse(f"/tickets/{target}", status_code=303)


@router.post("/tickets/{ticket_id}/attach")
def attach_form(ticket_id: int, request: Request, session: DbSession, actor: Actor = WRITE,
                note: str = Form(default="")) -> Response:
    """Attach the current contact to an existing open ticket."""
    service.attach_to_existing(session, actor, ticket_id, note)
    return RedirectResponse(f"/tickets/{ticket_id}", status_code=303)


@router.post("/tickets/{ticket_id}/notes")
def note_form(ticket_id: int, request: Request, session: DbSession, actor: Actor = WRITE,
              body: str = Form(default=""), kind: str = Form(default="note")) -> Response:
    return _act(request, session, actor, ticket_id, actions.add_note, body, kind)


@router.post("/tickets/{ticket_id}/state")
def state_form(ticket_id: int, request: Request, session: DbSession, actor: Actor = WRITE,
               state: str = Form(default=""), reason: str = Form(default=""),
               pending_reason: str = Form(default="")) -> Response:
    return _act(request, session, actor, ticket_id, actions.change_state, state, reason,
                pending_reason or None)


@router.post("/tickets/{ticket_id}/consent")
def consent_form(ticket_id: int, request: Request, session: DbSession, actor: Actor = WRITE,
                 note: str = Form(default=""), by: str = Form(default="")) -> Response:
    return _act(request, session, actor, ticket_id, actions.record_consent, note, by)


@router.post("/tickets/{ticket_id}/escalate")
def escalate_form(ticket_id: int, request: Request, session: DbSession,
                  actor: Actor = Depends(require("tickets.escalate")),
                  reason: str = Form(default=""),
                  backend_unit: str = Form(default="")) -> Response:
    return _act(request, session, actor, ticket_id, actions.escalate, reason,
                backend_unit or None)


@router.post("/tickets/{ticket_id}/takeover")
def takeover_form(ticket_id: int, request: Request, session: DbSession,
                  actor: Actor = Depends(require("tickets.takeover")),
                  reason: str = Form(default="")) -> Response:
    return _act(request, session, actor, ticket_id, actions.take_over, reason)


@router.post("/tickets/{ticket_id}/assign")
def assign_form(ticket_id: int, request: Request, session: DbSession,
                actor: Actor = Depends(require("tickets.assign")),
                owner_id: str = Form(default=""), team_id: str = Form(default=""),
                reason: str = Form(default="")) -> Response:
    try:
        owner = _int_or_none(owner_id, "owner_id")
        team = _int_or_none(team_id, "team_id")
    except InvalidInput as exc:
        return _ticket_page(request, session, actor, ticket_id, exc.message, 422)
    return _act(request, session, actor, ticket_id, actions.assign, owner, team, reason)


@router.post("/tickets/{ticket_id}/pic")
def pic_form(ticket_id: int, request: Request, session: DbSession,
             actor: Actor = Depends(require("tickets.assign")),
             staff_id: str = Form(default="")) -> Response:
    """Name the PIC who follows the ticket until it is done (W-19 5.3)."""
    try:
        pic = _int_or_none(staff_id, "staff_id")
        if pic is None:
            raise InvalidInput("Pilih PIC tiket.", field="staff_id")
    except InvalidInput as exc:
        return _ticket_page(request, session, actor, ticket_id, exc.message, 422)
    return _act(request, session, actor, ticket_id, actions.set_pic, pic)


@router.post("/tickets/{ticket_id}/merge")
def merge_form(ticket_id: int, request: Request, session: DbSession,
               actor: Actor = Depends(require("tickets.merge")),
               source: str = Form(default=""), reason: str = Form(default="")) -> Response:
    source_id = board.ticket_id_from(session, actor, source)
    if source_id is None:
        return _ticket_page(request, session, actor, ticket_id,
                            "Tiket sumber tidak ditemukan.", 422)
    return _act(request, session, actor, ticket_id, actions.merge, source_id, reason)


@router.post("/tickets/{ticket_id}/claim")
def claim_form(ticket_id: int, request: Request, session: DbSession,
               actor: Actor = WRITE) -> Response:
    """Take an unassigned ticket from the team queue."""
    actions.claim(session, actor, ticket_id)
    target = request.headers.get("referer", "")
    return RedirectResponse("/desk" if "/desk" in target else f"/tickets/{ticket_id}",
                            status_code=303)
