"""Which tickets an actor may see or work on, as SQL (D2, D7).

own  – tickets the person owns, opened or is PIC of (W-19: the PIC follows it until done),
       and unassigned tickets in their team's queue;
team – tickets of the teams they belong to or lead, or owned by a member of those teams;
site – tickets of teams at their site, or owned by staff of their site;
all  – every ticket.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.org.models import Staff, Team
from sigap.tickets.models import Ticket


def _own(actor: Actor) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if actor.staff_id is not None:
        clauses += [Ticket.owner_id == actor.staff_id, Ticket.created_by_id == actor.staff_id,
                    Ticket.pic_id == actor.staff_id]
    if actor.team_id is not None:
        clauses.append(and_(Ticket.team_id == actor.team_id, Ticket.owner_id.is_(None)))
    return or_(*clauses) if clauses else false()


def ticket_filter(actor: Actor, permission: str = "tickets.read") -> ColumnElement[bool]:
    """A WHERE clause limiting tickets to the actor's scope for `permission`."""
    if actor.is_system:
        return true()
    scope = scope_for(actor.role, permission)
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    if scope is Scope.own:
        return _own(actor)
    if scope is Scope.team:
        teams = actor.team_ids
        if not teams:
            return _own(actor)
        members = select(Staff.id).where(Staff.team_id.in_(teams))
        return or_(Ticket.team_id.in_(teams), Ticket.owner_id.in_(members), _own(actor))
    if actor.site_id is None:
        return _own(actor)
    site_teams = select(Team.id).where(Team.site_id == actor.site_id)
    site_staff = select(Staff.id).where(Staff.site_id == actor.site_id)
    return or_(Ticket.team_id.in_(site_teams), Ticket.owner_id.in_(site_staff), _own(actor))
