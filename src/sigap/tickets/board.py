"""What the desk and the ticket page show: a fixed number of queries whatever the load."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.auth.permissions import can
from sigap.core.clock import utcnow
from sigap.core.pagination import Page, PageParams, paginate
from sigap.customers.models import Customer
from sigap.org import alerts
from sigap.org.models import Staff, Team
from sigap.routing import assignment
from sigap.routing import service as presence
from sigap.tickets import service
from sigap.tickets.lifecycle import ACTIVE_STATES
from sigap.tickets.models import Ticket, TicketState
from sigap.tickets.scope import ticket_filter


def _with_people(stmt: Any) -> Any:
    return stmt.options(joinedload(Ticket.owner), joinedload(Ticket.customer),
                        joinedload(Ticket.team))


def team_queue(session: Session, actor: Actor, filters: service.TicketFilters,
               limit: int = 50) -> Page[Ticket]:
    """Unassigned active tickets of the teams the actor works in or leads."""
    teams = actor.team_ids
    if not teams:
        return Page(items=[], total=0, page=1, limit=limit)
    queue = service.TicketFilters(state=filters.state or ACTIVE_STATES, type=filters.type,
                                  channel=filters.channel, q=filters.q, unassigned=True)
    stmt = service.ticket_query(actor, queue).where(Ticket.team_id.in_(teams))
    return paginate(session, _with_people(stmt), PageParams(1, limit))


def by_owner(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Active tickets in scope per owner and state (the TL's and SPV's view)."""
    rows = session.execute(
        select(Staff.id, Staff.online_name, Ticket.state, func.count(Ticket.id))
        .join(Staff, Staff.id == Ticket.owner_id)
        .where(ticket_filter(actor, "tickets.read"), Ticket.state.in_(ACTIVE_STATES))
        .group_by(Staff.id, Staff.online_name, Ticket.state)
        .order_by(Staff.online_name)
    )
    people: dict[int, dict[str, Any]] = {}
    for staff_id, name, state, count in rows:
        entry = people.setdefault(staff_id, {"id": staff_id, "name": name, "total": 0})
        entry[state] = int(count)
        entry["total"] += int(count)
    return list(people.values())


def desk_context(session: Session, actor: Actor, filters: service.TicketFilters,
                 params: PageParams) -> dict[str, Any]:
    mine_filters = service.TicketFilters(
        state=filters.state, type=filters.type, channel=filters.channel, q=filters.q,
        owner="me" if actor.staff_id is not None else None,
        exclude_states=() if filters.state else (TicketState.closed,),
    )
    mine = (service.list_tickets(session, actor, mine_filters, params)
            if actor.staff_id is not None else Page(items=[], total=0, page=1, limit=50))
    counts = service.state_counts(session, actor, service.TicketFilters(
        owner="me" if actor.staff_id is not None and not can(actor.role, "tickets.takeover")
        else None))
    return {
        "mine": mine,
        "queue": team_queue(session, actor, filters),
        "counts": counts,
        "owners": by_owner(session, actor) if can(actor.role, "tickets.takeover") else [],
        "states": [s.value for s in TicketState],
        "alerts": alerts.unread(session, actor, limit=10),
        "presence": presence.my_state(session, actor),
        "work_items": assignment.my_work(session, actor.staff_id) if actor.staff_id else [],
        "now": utcnow(),
        "aux_reasons": presence.aux_reasons(session),
    }


def customer_for_form(session: Session, actor: Actor, customer_id: int | None,
                      grant_hours: int) -> Customer | None:
    """The customer a new ticket is for, with its services, if the actor may work for it."""
    if customer_id is None:
        return None
    customer = session.scalar(select(Customer).options(selectinload(Customer.services))
                              .where(Customer.id == customer_id))
    if customer is None or not service.customer_allowed(session, actor, customer_id,
                                                        grant_hours):
        return None
    audit.record_read(session, "customers", customer.id, why="new ticket form")
    return customer


def ticket_context(session: Session, actor: Actor, ticket_id: int) -> dict[str, Any]:
    ticket = service.get_ticket(session, actor, ticket_id, full=True)
    contacts = list(ticket.customer.contacts)
    context: dict[str, Any] = {
        "ticket": ticket,
        "contacts": contacts,
        "events": service.timeline(session, ticket),
        "interactions": service.interactions_of(session, ticket),
        "merged_into": (session.scalar(select(Ticket.number)
                                       .where(Ticket.id == ticket.merged_into_id))
                        if ticket.merged_into_id else None),
        "staff_options": [],
        "team_options": [],
    }
    if can(actor.role, "tickets.assign"):
        people = select(Staff).where(Staff.active.is_(True)).order_by(Staff.online_name)
        teams = select(Team).order_by(Team.name)
        if actor.site_id is not None:
            people = people.where(Staff.site_id == actor.site_id)
            teams = teams.where(Team.site_id == actor.site_id)
        context["staff_options"] = list(session.scalars(people.limit(500)))
        context["team_options"] = list(session.scalars(teams))
    return context


def ticket_id_from(session: Session, actor: Actor, text: str) -> int | None:
    """A ticket id from what a person typed: its number (T-2026-000123) or its id."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    return session.scalar(select(Ticket.id).where(Ticket.number == text.upper(),
                                                  ticket_filter(actor, "tickets.merge")))
