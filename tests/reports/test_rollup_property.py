"""Property: the facts kept incrementally (events arriving in batches, the worker passing
between them) equal a full recomputation from the event log, for random histories."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sigap.customers.models import Customer
from sigap.reports import rollup
from sigap.reports.models import KpiTicketFact, KpiVoiceFact, KpiWatermark
from sigap.sla.models import SlaPolicy
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from tests import factories

START = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 12, 31, tzinfo=dt.UTC)

# One step of a ticket's life: (minutes after the previous step, what happened).
STEPS = st.sampled_from(["update", "open", "pending_customer", "pending_backend",
                         "resolved", "closed", "assign", "call"])
TICKET = st.tuples(st.integers(0, 1),  # which customer
                   st.integers(0, 3000),  # opened, minutes after START
                   st.booleans(),  # on the TAM calendar
                   st.lists(st.tuples(st.integers(1, 600), STEPS), max_size=7),
                   st.integers(0, 7))  # how many of its steps arrive before the 1st pass
HISTORY = st.lists(TICKET, min_size=1, max_size=5)


def _reset(session: Session) -> None:
    for table in (KpiTicketFact, KpiVoiceFact, KpiWatermark, Interaction, TicketEvent):
        session.execute(delete(table))
    session.execute(delete(Ticket))
    session.commit()


def _apply(session: Session, ticket: Ticket, at: dt.datetime, step: str,
           state: str, agents: list[int]) -> str:
    if step == "update":
        session.add(TicketEvent(ticket_id=ticket.id, at=at, kind="customer_update"))
        return state
    if step == "assign":
        session.add(TicketEvent(ticket_id=ticket.id, at=at, kind="assigned", data={
            "from_owner_id": ticket.owner_id, "to_owner_id": agents[at.minute % 2]}))
        ticket.owner_id = agents[at.minute % 2]
        return state
    if step == "call":
        session.add(Interaction(channel="voice", direction="inbound", ticket_id=ticket.id,
                                provider_id=f"p{ticket.id}-{at.timestamp()}",
                                arrived_at=at, queued_at=at,
                                answered_at=at + dt.timedelta(seconds=at.minute),
                                ended_at=at + dt.timedelta(minutes=3)))
        return state
    to, reason = {"open": ("open", None), "pending_customer": ("pending", "customer"),
                  "pending_backend": ("pending", "backend"), "resolved": ("resolved", None),
                  "closed": ("closed", None)}[step]
    session.add(TicketEvent(ticket_id=ticket.id, at=at, kind="state_changed",
                            from_state=state, to_state=to,
                            data={"pending_reason": reason} if reason else {}))
    ticket.state = to
    return to


def _facts(session: Session) -> list[tuple[object, ...]]:
    cols = [c for c in KpiTicketFact.__table__.columns if c.name != "last_event_id"]
    rows = session.execute(select(*cols).order_by(KpiTicketFact.ticket_id)).all()
    calls = session.execute(select(KpiVoiceFact).order_by(KpiVoiceFact.interaction_id))
    return [tuple(r) for r in rows] + [(c.interaction_id, c.answered, c.wait_seconds)
                                       for c in calls.scalars()]


@pytest.fixture
def world(session: Session) -> tuple[list[int], list[int]]:
    site = factories.site(session)
    team = factories.team(session, site)
    agents = [factories.staff(session, "agent", team=team, name=f"a{i}").id for i in range(2)]
    customers = [factories.customer(session, name=f"C{i}").id for i in range(2)]
    session.add(SlaPolicy(name="TAM", product="tam", calendar="tam", response_minutes=30,
                          update_minutes=120, ttr_minutes=600))
    session.add(SlaPolicy(name="datin", product="datin", response_minutes=30,
                          update_minutes=60, ttr_minutes=240))
    session.commit()
    return agents, customers


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(history=HISTORY)
def test_incremental_rollup_equals_full_recomputation(
        session: Session, world: tuple[list[int], list[int]],
        history: list[tuple[int, int, bool, list[tuple[int, str]], int]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # No re-reading of earlier ids: the incremental pass must find every change itself.
    monkeypatch.setattr(rollup, "OVERLAP", 0)
    agents, customers = world
    _reset(session)
    later: list[tuple[Ticket, dt.datetime, list[tuple[int, str]], str]] = []
    # Batch 1: every ticket opens with the first part of its history; the worker passes.
    for n, (who, opened_after, tam, steps, cut) in enumerate(history):
        opened = START + dt.timedelta(minutes=opened_after)
        customer = session.get(Customer, customers[who])
        assert customer is not None
        ticket = Ticket(number=f"T-P-{n}", type="gangguan", subject="x",
                        customer_id=customer.id, channel="voice", created_at=opened,
                        updated_at=opened, state="new", product="tam" if tam else "datin",
                        owner_id=agents[0] if n % 2 else None)
        session.add(ticket)
        session.flush()
        session.add(TicketEvent(ticket_id=ticket.id, at=opened, kind="created",
                                to_state="new"))
        state, at = "new", opened
        for i, (gap, step) in enumerate(steps):
            at += dt.timedelta(minutes=gap)
            if i >= cut:
                later.append((ticket, at, steps[i:], state))
                break
            state = _apply(session, ticket, at, step, state, agents)
        session.flush()
    session.commit()
    rollup.refresh(session, now=NOW)
    session.commit()
    # Batch 2: the rest of each history (and a new ticket for a customer after all that).
    for ticket, at, rest, state in later:
        first = True
        for gap, step in rest:
            at += dt.timedelta(minutes=0 if first else gap)
            first = False
            state = _apply(session, ticket, at, step, state, agents)
    repeat = Ticket(number="T-P-R", type="gangguan", subject="x", customer_id=customers[0],
                    channel="voice", created_at=START + dt.timedelta(days=4),
                    updated_at=START, state="new", product="datin")
    session.add(repeat)
    session.flush()
    session.add(TicketEvent(ticket_id=repeat.id, at=repeat.created_at, kind="created",
                            to_state="new"))
    session.commit()
    rollup.refresh(session, now=NOW)
    session.commit()
    incremental = _facts(session)
    rollup.refresh(session, full=True, now=NOW)
    session.commit()
    assert incremental == _facts(session)
