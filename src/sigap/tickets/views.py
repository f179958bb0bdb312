"""Routes of this domain: the JSON API under /api (pages are in tickets.pages)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request, Response

from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput
from sigap.core.pagination import PageParams
from sigap.tickets import actions, pages, service
from sigap.tickets import interaction as interaction_service
from sigap.tickets.schemas import (
    AssignIn,
    AttachIn,
    ConsentIn,
    EscalateIn,
    EventOut,
    InteractionCreate,
    InteractionOut,
    InteractionPageOut,
    InteractionUpdate,
    LinkIn,
    MergeIn,
    NoteIn,
    OpenTicketOut,
    PicIn,
    ReasonIn,
    StateChangeIn,
    TicketCreate,
    TicketOut,
    TicketPageOut,
)
from sigap.web.deps import DbSession, require, settings_of
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute)
router.include_router(pages.router)

READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))


def _out(ticket: object) -> TicketOut:
    return TicketOut.model_validate(ticket)


@router.post("/api/tickets", tags=["tickets"], status_code=201, response_model=TicketOut)
def create_ticket(body: TicketCreate, request: Request, session: DbSession,
                  actor: Actor = WRITE) -> TicketOut:
    """Open a ticket for a customer."""
    hours = settings_of(request).identify_grant_hours
    return _out(service.create_ticket(session, actor, body, hours))


@router.get("/api/tickets", tags=["tickets"], response_model=TicketPageOut)
def list_tickets(
    session: DbSession,
    actor: Actor = READ,
    state: list[str] = Query(default=[]),
    type: str | None = None,
    owner: str | None = None,
    team_id: int | None = None,
    customer_id: int | None = None,
    service_id: int | None = None,
    priority: bool | None = None,
    channel: str | None = None,
    tier: int | None = None,
    q: str | None = Query(default=None, max_length=200),
    unassigned: bool = False,
    page: int = Query(default=1, ge=1),
    limit: int = Query(default=50, ge=1, le=200),
) -> TicketPageOut:
    """Tickets in the caller's scope, filtered, priority first then oldest."""
    filters = service.TicketFilters(
        state=state, type=type, owner=owner, team_id=team_id, customer_id=customer_id,
        service_id=service_id, priority=priority, channel=channel, tier=tier, q=q,
        unassigned=unassigned,
    )
    result = service.list_tickets(session, actor, filters, PageParams(page, limit))
    return TicketPageOut(items=[_out(t) for t in result.items], total=result.total,
                         page=result.page, limit=result.limit)


@router.get("/api/tickets/check", tags=["tickets"], response_model=list[OpenTicketOut])
def check_open_tickets(session: DbSession, customer_id: int = Query(gt=0),
                       service_id: int | None = Query(default=None, gt=0),
                       actor: Actor = READ) -> list[OpenTicketOut]:
    """Old or new? The customer's active tickets on the same service, in any team."""
    found = service.open_tickets_on_service(session, actor, customer_id, service_id)
    return [OpenTicketOut(**vars(item)) for item in found]


@router.get("/api/tickets/{ticket_id}", tags=["tickets"], response_model=TicketOut)
def get_ticket(ticket_id: int, session: DbSession, actor: Actor = READ) -> TicketOut:
    """One ticket in the caller's scope."""
    return _out(service.get_ticket(session, actor, ticket_id))


@router.get("/api/tickets/{ticket_id}/timeline", tags=["tickets"],
            response_model=list[EventOut])
def ticket_timeline(ticket_id: int, session: DbSession, actor: Actor = READ) -> list[EventOut]:
    """Every event of the ticket in order, with who did it."""
    ticket = service.get_ticket(session, actor, ticket_id)
    return [
        EventOut.model_validate(entry.event).model_copy(update={"actor_name": entry.actor_name})
        for entry in service.timeline(session, ticket)
    ]


@router.post("/api/tickets/{ticket_id}/attach", tags=["tickets"], response_model=TicketOut)
def attach(ticket_id: int, body: AttachIn, session: DbSession,
           actor: Actor = WRITE) -> TicketOut:
    """Record a repeat contact on an existing open ticket instead of opening a new one."""
    return _out(service.attach_to_existing(session, actor, ticket_id, body.note,
                                           body.interaction_id))


@router.post("/api/tickets/{ticket_id}/notes", tags=["tickets"], response_model=TicketOut)
def add_note(ticket_id: int, body: NoteIn, session: DbSession,
             actor: Actor = WRITE) -> TicketOut:
    """An internal note or an update sent to the customer."""
    return _out(actions.add_note(session, actor, ticket_id, body.body, body.kind))


@router.post("/api/tickets/{ticket_id}/state", tags=["tickets"], response_model=TicketOut)
def change_state(ticket_id: int, body: StateChangeIn, session: DbSession,
                 actor: Actor = WRITE) -> TicketOut:
    """Move the ticket through its lifecycle."""
    return _out(actions.change_state(session, actor, ticket_id, body.state, body.reason,
                                     body.pending_reason))


@router.post("/api/tickets/{ticket_id}/consent", tags=["tickets"], response_model=TicketOut)
def record_consent(ticket_id: int, body: ConsentIn, session: DbSession,
                   actor: Actor = WRITE) -> TicketOut:
    """Record the customer's agreement to close the ticket."""
    return _out(actions.record_consent(session, actor, ticket_id, body.note, body.by))


@router.post("/api/tickets/{ticket_id}/escalate", tags=["tickets"], response_model=TicketOut)
def escalate(ticket_id: int, body: EscalateIn, session: DbSession,
             actor: Actor = Depends(require("tickets.escalate"))) -> TicketOut:
    """Escalate one level up: TL, supervisor, then the client's backend unit."""
    return _out(actions.escalate(session, actor, ticket_id, body.reason, body.backend_unit))


@router.post("/api/tickets/{ticket_id}/takeover", tags=["tickets"], response_model=TicketOut)
def take_over(ticket_id: int, body: ReasonIn, session: DbSession,
              actor: Actor = Depends(require("tickets.takeover"))) -> TicketOut:
    """Take the ticket over (TL and above)."""
    return _out(actions.take_over(session, actor, ticket_id, body.reason))


@router.post("/api/tickets/{ticket_id}/hard-complaint", tags=["tickets"],
             response_model=TicketOut)
def hard_complaint(ticket_id: int, body: ReasonIn, session: DbSession,
                   actor: Actor = WRITE) -> TicketOut:
    """Flag a hard complaint: it goes to the Tier 2 Caring queue (D10, W-19)."""
    return _out(actions.flag_hard_complaint(session, actor, ticket_id, body.reason))


@router.post("/api/tickets/{ticket_id}/pic", tags=["tickets"], response_model=TicketOut)
def set_pic(ticket_id: int, body: PicIn, session: DbSession,
            actor: Actor = Depends(require("tickets.assign"))) -> TicketOut:
    """Name the PIC who follows the ticket until it is done (priority customers, W-19)."""
    return _out(actions.set_pic(session, actor, ticket_id, body.staff_id))


@router.post("/api/tickets/{ticket_id}/assign", tags=["tickets"], response_model=TicketOut)
def assign(ticket_id: int, body: AssignIn, session: DbSession,
           actor: Actor = Depends(require("tickets.assign"))) -> TicketOut:
    """Assign the ticket to a person and/or team."""
    return _out(actions.assign(session, actor, ticket_id, body.owner_id, body.team_id,
                               body.reason))


@router.post("/api/tickets/{ticket_id}/merge", tags=["tickets"], response_model=TicketOut)
def merge(ticket_id: int, body: MergeIn, session: DbSession,
          actor: Actor = Depends(require("tickets.merge"))) -> TicketOut:
    """Merge the ticket `source_id` into this one."""
    return _out(actions.merge(session, actor, ticket_id, body.source_id, body.reason))


def _interaction(item: object) -> InteractionOut:
    return InteractionOut.model_validate(item)


@router.post("/api/interactions", tags=["interactions"], status_code=201,
             response_model=InteractionOut)
def create_interaction(body: InteractionCreate, response: Response, session: DbSession,
                       actor: Actor = Depends(require("interactions.write"))) -> InteractionOut:
    """Record a contact; a repeated provider id answers 200 with the stored one."""
    item, created = interaction_service.create_interaction(session, actor, body)
    if not created:
        response.status_code = 200
    return _interaction(item)


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput("Waktu harus ISO 8601 dengan zona waktu.", field=field)
    return value


@router.get("/api/interactions", tags=["interactions"], response_model=InteractionPageOut)
def list_interactions(
    session: DbSession,
    actor: Actor = READ,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    channel: str | None = None,
    agent: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = Query(default=1, ge=1),
    limit: int = Query(default=50, ge=1, le=200),
) -> InteractionPageOut:
    """Interactions in the caller's scope, newest first."""
    filters = interaction_service.InteractionFilters(
        customer_id=customer_id, ticket_id=ticket_id, channel=channel, agent=agent,
        since=_aware(since, "since"), until=_aware(until, "until"),
    )
    result = interaction_service.list_interactions(session, actor, filters,
                                                   PageParams(page, limit))
    return InteractionPageOut(items=[_interaction(i) for i in result.items],
                              total=result.total, page=result.page, limit=result.limit)


@router.get("/api/interactions/{interaction_id}", tags=["interactions"],
            response_model=InteractionOut)
def get_interaction(interaction_id: int, session: DbSession,
                    actor: Actor = READ) -> InteractionOut:
    """One interaction in the caller's scope."""
    return _interaction(interaction_service.get_interaction(session, actor, interaction_id))


@router.patch("/api/interactions/{interaction_id}", tags=["interactions"],
              response_model=InteractionOut)
def update_interaction(interaction_id: int, body: InteractionUpdate, session: DbSession,
                       actor: Actor = Depends(require("interactions.write"))) -> InteractionOut:
    """Later facts of a contact: queued, answered, ended, recording."""
    return _interaction(interaction_service.update_interaction(session, actor, interaction_id,
                                                               body))


@router.post("/api/interactions/{interaction_id}/link", tags=["interactions"],
             response_model=InteractionOut)
def link_interaction(interaction_id: int, body: LinkIn, session: DbSession,
                     actor: Actor = Depends(require("interactions.write"))) -> InteractionOut:
    """Link an interaction to a ticket."""
    return _interaction(interaction_service.link_to_ticket(session, actor, interaction_id,
                                                           body.ticket_id))
