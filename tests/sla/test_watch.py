"""SLA policies, warnings before a target is missed, breaches, caring tasks (D15, D10)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.org.models import Alert
from sigap.sla import policy
from sigap.sla.models import CaringTask, SlaNotice, SlaPolicy
from sigap.tickets.models import TicketEvent
from tests import factories
from tests.tickets.helpers import actor, floor, new_ticket


def test_the_most_specific_policy_applies() -> None:
    general = SlaPolicy(id=1, name="DBS", segment="DBS", active=True)
    datin = SlaPolicy(id=2, name="DBS datin", segment="DBS", product="datin", active=True)
    off = SlaPolicy(id=3, name="lama", segment="DBS", product="datin", channel="voice",
                    active=False)
    rules = [general, datin, off]
    assert policy.policy_for(rules, {"segment": "DBS", "product": "datin",
                                     "channel": "voice"}) is datin
    assert policy.policy_for(rules, {"segment": "DBS", "product": "imes"}) is general
    assert policy.policy_for(rules, {"segment": "DES"}) is policy.DEFAULT


def _age(session: Session, ticket_id: int, minutes: int) -> None:
    """Move the ticket's history back in time (events are append-only: rebuilt here)."""
    for event in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)):
        session.execute(TicketEvent.__table__.update()
                        .where(TicketEvent.__table__.c.id == event.id)
                        .values(at=event.at - dt.timedelta(minutes=minutes)))


def test_warning_then_breach_then_caring_each_once(session: Session) -> None:
    world = floor(session)
    session.add(SlaPolicy(name="cepat", response_minutes=30, update_minutes=60,
                          ttr_minutes=240, warn_percent=80))
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer,
                        team_id=world.team_a.id)
    session.commit()
    assert policy.watch(session).warnings == 0
    _age(session, ticket.id, 25)  # 25 of 30 minutes without an answer: a warning
    first = policy.watch(session)
    assert (first.warnings, first.breaches) == (1, 0)
    assert policy.watch(session).warnings == 0  # not twice
    _age(session, ticket.id, 10)  # 35 minutes: breached
    second = policy.watch(session)
    assert second.breaches == 1 and second.caring == 1
    session.commit()
    notices = {(n.clock, n.kind) for n in session.scalars(select(SlaNotice))}
    assert ("first_response", "warning") in notices and ("first_response", "breach") in notices
    told = {(a.staff_id, a.kind) for a in session.scalars(select(Alert))}
    assert (world.agent_a.id, "sla_warning") in told and (world.tl_a.id, "sla_breach") in told
    assert (world.spv.id, "sla_breach") in told
    task = session.scalar(select(CaringTask))
    assert task is not None and task.ticket_id == ticket.id and "respons" in task.reason


def test_hard_complaints_get_a_caring_task_and_caring_confirms(client: TestClient,
                                                               session: Session) -> None:
    world = floor(session)
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer,
                        hard_complaint=True)
    session.commit()
    assert policy.watch(session).caring == 1
    session.commit()
    auth = factories.token(client, world.agent_b.login_code)
    tasks = client.get("/api/caring", headers=auth).json()
    assert [t["ticket_id"] for t in tasks] == [ticket.id]
    done = client.post(f"/api/caring/{tasks[0]['id']}/confirm", headers=auth,
                       json={"note": "Pelanggan sudah ditelepon, puas."})
    assert done.status_code == 200 and done.json()["confirmed_by"] == world.agent_b.id
    assert client.post(f"/api/caring/{tasks[0]['id']}/confirm", headers=auth,
                       json={"note": "lagi"}).status_code == 409
    assert client.get("/api/caring", headers=auth).json() == []


def test_policies_are_set_by_managers(client: TestClient, session: Session) -> None:
    site = factories.site(session)
    manager = factories.staff(session, "manager", site=site)
    agent = factories.staff(session, "agent", site=site)
    session.commit()
    body = {"name": "DBS datin", "segment": "DBS", "product": "datin", "ttr_minutes": 240}
    made = client.post("/api/sla/policies", json=body,
                       headers=factories.token(client, manager.login_code))
    assert made.status_code == 201 and made.json()["response_minutes"] == 30
    assert client.post("/api/sla/policies", json=body,
                       headers=factories.token(client, agent.login_code)).status_code == 403
    bad = client.post("/api/sla/policies", json={**body, "severity": "urgent"},
                      headers=factories.token(client, manager.login_code))
    assert bad.status_code == 422
