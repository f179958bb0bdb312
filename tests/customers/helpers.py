"""Builders for the customers tests: two teams, their agents, tickets and actors."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth import service as auth_service
from sigap.auth.actor import Actor
from sigap.auth.models import AuditLog, User
from sigap.customers.models import Customer
from sigap.org.models import Staff, Team
from sigap.tickets.models import Interaction, Ticket
from tests import factories

_numbers = itertools.count(1)


@dataclass
class World:
    team_a: Team
    team_b: Team
    agent_a: Staff
    agent_b: Staff
    admin: Staff
    manager: Staff


def world(session: Session) -> World:
    site = factories.site(session)
    team_a = factories.team(session, site, name="Tier 1 Voice A")
    team_b = factories.team(session, site, name="Tier 2 Datin B", tier="tier2",
                            desk="Tier 2 Datin")
    return World(
        team_a=team_a,
        team_b=team_b,
        agent_a=factories.staff(session, "agent", team=team_a),
        agent_b=factories.staff(session, "agent", team=team_b),
        admin=factories.staff(session, "admin", site=site),
        manager=factories.staff(session, "manager", site=site),
    )


def actor(session: Session, staff: Staff) -> Actor:
    user = session.scalar(select(User).where(User.staff_id == staff.id))
    assert user is not None
    return auth_service.actor_for(session, user)


def ticket(session: Session, customer: Customer, *, team: Team | None = None,
           owner: Staff | None = None, state: str = "open",
           subject: str = "Link Datin putus") -> Ticket:
    n = next(_numbers)
    t = Ticket(number=f"T-2026-{n:06d}", type="gangguan", subject=subject,
               customer_id=customer.id, team_id=team.id if team else None,
               owner_id=owner.id if owner else None, state=state)
    session.add(t)
    session.flush()
    return t


def interaction(session: Session, customer: Customer, agent: Staff | None = None,
                subject: str = "Telepon masuk") -> Interaction:
    i = Interaction(channel="voice", customer_id=customer.id,
                    agent_id=agent.id if agent else None, subject=subject)
    session.add(i)
    session.flush()
    return i


def audit_count(session: Session, action: str | None = None) -> int:
    stmt = select(func.count(AuditLog.id))
    if action:
        stmt = stmt.where(AuditLog.action == action)
    return session.scalar(stmt) or 0
