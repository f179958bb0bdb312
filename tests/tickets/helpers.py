"""A small contact-center floor for ticket tests: two teams, agents, TL, SPV, customers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.models import User
from sigap.auth.service import actor_for
from sigap.core.clock import utcnow
from sigap.customers.models import Customer, CustomerAccessGrant, CustomerService
from sigap.org.models import Site, Staff, Team
from sigap.tickets import service
from sigap.tickets.models import Ticket
from sigap.tickets.schemas import TicketCreate
from tests import factories


@dataclass
class Floor:
    site: Site
    team_a: Team
    team_b: Team
    agent_a: Staff
    agent_a2: Staff
    agent_b: Staff
    tl_a: Staff
    spv: Staff
    customer: Customer
    service: CustomerService
    other_customer: Customer


def service_of(session: Session, customer: Customer) -> CustomerService:
    return session.scalars(
        select(CustomerService).where(CustomerService.customer_id == customer.id)
    ).first()  # type: ignore[return-value]


def grant(session: Session, staff: Staff, customer: Customer) -> None:
    """The agent identified the customer (as the customers search would record it)."""
    user = session.scalar(select(User).where(User.staff_id == staff.id))
    assert user is not None
    session.add(CustomerAccessGrant(user_id=user.id, customer_id=customer.id,
                                    granted_at=utcnow(), reason="test"))
    session.flush()


def floor(session: Session) -> Floor:
    site = factories.site(session)
    team_a = factories.team(session, site, name="Tier 1 Voice A")
    team_b = factories.team(session, site, name="Tier 2 Datin", tier="tier2", desk="Tier 2")
    agent_a = factories.staff(session, "agent", team=team_a, name="ayu")
    agent_a2 = factories.staff(session, "agent", team=team_a, name="andi")
    agent_b = factories.staff(session, "agent", team=team_b, name="budi")
    tl_a = factories.staff(session, "team_leader", team=team_a, name="tari", leads=True)
    spv = factories.staff(session, "supervisor", site=site, name="sari")
    customer = factories.customer(session, name="PT Maju Jaya", phone="+6281234567890")
    other = factories.customer(session, name="CV Lain")
    for person in (agent_a, agent_a2, agent_b, tl_a, spv):
        grant(session, person, customer)
        grant(session, person, other)
    session.commit()
    return Floor(site, team_a, team_b, agent_a, agent_a2, agent_b, tl_a, spv, customer,
                 service_of(session, customer), other)


def actor(session: Session, staff: Staff) -> Actor:
    user = session.scalar(select(User).where(User.staff_id == staff.id))
    assert user is not None
    return actor_for(session, user)


def new_ticket(session: Session, who: Actor, customer: Customer, **extra: object) -> Ticket:
    data = {"customer_id": customer.id, "type": "gangguan", "subject": "Link mati", **extra}
    return service.create_ticket(session, who, TicketCreate.model_validate(data))
