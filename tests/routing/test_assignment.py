"""Assignment (issue 5 §3): offers to the longest-idle eligible agent, accept, decline,
time-out, capacity, sticky follow-ups, priority-only agents, skills, reassignment."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.models import Conversation
from sigap.core.errors import Conflict
from sigap.routing import assignment, queues
from sigap.routing.models import AgentSlot, Offer, Presence, PresenceChange, WorkItem
from sigap.tickets.models import Ticket
from tests.routing.helpers import at, chat, check_invariants, ready, routed
from tests.tickets.helpers import actor, new_ticket


def test_offer_goes_to_the_longest_idle_and_is_accepted_and_finished(
        session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a2.id, 0)
    ready(session, w.agent_a.id, 10)
    item = chat(session, 1, 20)
    assert item is not None and item.state == "offered" and item.agent_id == w.agent_a2.id
    assert item.offer_expires_at == at(50)  # 30-second offer
    session.commit()
    held = assignment.accept(session, actor(session, w.agent_a2), item.id, now=at(25))
    assert held.state == "assigned" and held.assigned_at == at(25)
    presence = session.get(Presence, w.agent_a2.id)
    assert presence is not None and presence.state == "busy"
    slot = session.get(AgentSlot, (w.agent_a2.id, "whatsapp"))
    assert slot is not None and (slot.used, slot.capacity) == (1, 3)
    assignment.finish(session, actor(session, w.agent_a2), item.id, now=at(90))
    assert item.state == "done" and slot.used == 0 and slot.idle_since == at(90)
    assert presence.state == "ready"
    session.commit()
    check_invariants(session)


def test_capacity_is_never_exceeded_and_a_freed_slot_takes_the_next(session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a.id, 0)
    made = [chat(session, n, n) for n in range(1, 6)]
    states = [i.state for i in made if i is not None]
    assert states == ["offered"] * 3 + ["waiting"] * 2  # WhatsApp: 3 at once
    me = actor(session, w.agent_a)
    for item in made[:3]:
        assert item is not None
        assignment.accept(session, me, item.id, now=at(10))
    assert made[0] is not None
    assignment.finish(session, me, made[0].id, now=at(20))
    assert made[3] is not None and made[3].state == "offered"  # the oldest waiting next
    assert made[4] is not None and made[4].state == "waiting"
    queues.set_agent_slots(session, w.agent_a.id, "whatsapp", 4)
    assignment.dispatch(session, now=at(21))
    assert made[4].state == "offered"
    session.commit()
    check_invariants(session)


def test_an_unanswered_offer_times_out_to_the_next_agent_and_sets_not_ready(
        session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a.id, 0)
    ready(session, w.agent_a2.id, 5)
    item = chat(session, 7, 10)
    assert item is not None and item.agent_id == w.agent_a.id
    assert assignment.expire_offers(session, now=at(39)) == 0  # not yet
    assert assignment.expire_offers(session, now=at(40)) == 1
    assert item.state == "offered" and item.agent_id == w.agent_a2.id and item.offers == 2
    missed = session.get(Presence, w.agent_a.id)
    assert missed is not None and (missed.state, missed.reason) == ("aux", "missed")
    outcomes = [(o.staff_id, o.outcome) for o in session.scalars(
        select(Offer).where(Offer.item_id == item.id).order_by(Offer.id))]
    assert outcomes == [(w.agent_a.id, "timeout"), (w.agent_a2.id, "")]
    session.commit()
    with pytest.raises(Conflict, match="tidak berlaku"):
        assignment.accept(session, actor(session, w.agent_a), item.id, now=at(41))
    session.rollback()
    check_invariants(session)


def test_a_declined_item_goes_on_and_is_not_offered_straight_back(session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a.id, 0)
    item = chat(session, 3, 1)
    assert item is not None and item.agent_id == w.agent_a.id
    assignment.decline(session, actor(session, w.agent_a), item.id, now=at(5))
    assert item.state == "waiting"  # nobody else is ready
    ready(session, w.agent_a2.id, 6)
    assert item.state == "offered" and item.agent_id == w.agent_a2.id
    assignment.decline(session, actor(session, w.agent_a2), item.id, now=at(7))
    assert item.state == "waiting"
    assignment.dispatch(session, now=at(7 + 301))  # five minutes later both may again
    assert item.state == "offered"
    session.commit()
    check_invariants(session)


def test_follow_ups_stick_to_the_owner_when_present(session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a.id, 0)
    ready(session, w.agent_a2.id, 50)
    item = chat(session, 4, 60, sticky_agent_id=w.agent_a2.id)
    assert item is not None and item.agent_id == w.agent_a2.id
    # Owner away: the follow-up goes to whoever is free.
    assignment.set_presence(session, w.agent_a2.id, "aux", "break", at=at(61))
    assert item.state == "offered" and item.agent_id == w.agent_a.id
    session.commit()
    check_invariants(session)


def test_priority_customers_only_to_priority_agents(session: Session) -> None:
    r = routed(session)
    w = r.world
    w.agent_a.hire_date = dt.date(2026, 9, 1)  # under six months: not cleared (D22)
    w.agent_a2.hire_date, w.agent_a2.qa_met_months = dt.date(2024, 1, 1), 6
    ready(session, w.agent_a.id, 0)
    vip = chat(session, 9, 1, priority=True)
    assert vip is not None and vip.state == "waiting"
    plain = chat(session, 10, 2)
    assert plain is not None and plain.agent_id == w.agent_a.id
    ready(session, w.agent_a2.id, 3)
    assert vip.state == "offered" and vip.agent_id == w.agent_a2.id
    session.commit()
    check_invariants(session)


def test_queue_skill_level_is_required(session: Session) -> None:
    r = routed(session, skill="datin", min_level=3)
    w = r.world
    queues.set_skills(session, w.agent_a.id, {"datin": 2})
    queues.set_skills(session, w.agent_a2.id, {"datin": 4, "indihome": 1})
    ready(session, w.agent_a.id, 0)
    item = chat(session, 11, 1)
    assert item is not None and item.state == "waiting"
    ready(session, w.agent_a2.id, 2)
    assert item.agent_id == w.agent_a2.id
    assert queues.skill_levels(session, w.agent_a2.id) == {"datin": 4, "indihome": 1}


def test_going_offline_gives_offers_back(session: Session) -> None:
    r = routed(session)
    w = r.world
    ready(session, w.agent_a.id, 0)
    item = chat(session, 12, 1)
    assert item is not None and item.agent_id == w.agent_a.id
    assignment.set_presence(session, w.agent_a.id, "offline", source="logout", at=at(2))
    assert item.state == "waiting" and item.agent_id is None
    session.commit()
    check_invariants(session)
    changes = [c.source for c in session.scalars(
        select(PresenceChange).where(PresenceChange.staff_id == w.agent_a.id))]
    assert changes == ["agent", "logout"]


def test_tickets_from_routing_become_the_agents_and_finished_work_frees_the_slot(
        session: Session) -> None:
    r = routed(session, channel="email")
    w = r.world
    ready(session, w.agent_a.id, 0)
    tl = actor(session, w.tl_a)
    ticket = new_ticket(session, tl, w.customer, channel="email")
    item = assignment.enqueue(session, assignment.Work(
        kind="ticket", ref_id=ticket.id, channel="email", title=ticket.subject), now=at(1))
    assert item is not None and item.agent_id == w.agent_a.id
    assignment.accept(session, actor(session, w.agent_a), item.id, now=at(2))
    session.refresh(ticket)
    assert ticket.owner_id == w.agent_a.id and ticket.state == "open"
    # A team leader gives it to the other agent.
    ready(session, w.agent_a2.id, 3)
    assignment.reassign(session, tl, item.id, w.agent_a2.id, now=at(4))
    session.refresh(ticket)
    assert ticket.owner_id == w.agent_a2.id and item.agent_id == w.agent_a2.id
    # Resolved on the ticket page: the sweep frees the slot.
    session.get(Ticket, ticket.id).state = "resolved"  # type: ignore[union-attr]
    conversation = Conversation(channel="whatsapp", account="1", contact="62811", state="closed")
    session.add(conversation)
    session.flush()
    assert assignment.reconcile(session, now=at(5)) == 1
    assert item.state == "done"
    slot = session.get(AgentSlot, (w.agent_a2.id, "email"))
    assert slot is not None and slot.used == 0
    session.commit()
    check_invariants(session)


def test_no_queue_no_routing_and_work_is_queued_once(session: Session) -> None:
    r = routed(session)
    assert assignment.enqueue(session, assignment.Work(
        kind="conversation", ref_id=1, channel="facebook")) is None
    first = chat(session, 2, 0)
    again = chat(session, 2, 1, priority=True)
    assert first is not None and again is not None and first.id == again.id
    assert again.priority
    assert session.scalar(select(WorkItem.queue_id).where(WorkItem.id == first.id)) == r.queue.id


def test_a_team_leader_cannot_hand_priority_work_to_an_uncleared_agent(
        session: Session) -> None:
    r = routed(session)
    w = r.world
    w.agent_a.hire_date, w.agent_a.qa_met_months = dt.date(2024, 1, 1), 6
    w.agent_a2.hire_date = dt.date(2026, 9, 1)  # under six months: not cleared (D22)
    ready(session, w.agent_a.id, 0)
    ready(session, w.agent_a2.id, 1)
    vip = chat(session, 13, 2, priority=True)
    assert vip is not None and vip.agent_id == w.agent_a.id
    tl = actor(session, w.tl_a)
    with pytest.raises(Conflict) as refused:
        assignment.reassign(session, tl, vip.id, w.agent_a2.id, now=at(3))
    assert refused.value.field == "staff_id" and "prioritas" in str(refused.value)
    assert vip.agent_id == w.agent_a.id
    # The team leader on duty may still take it over (W-19 5.3.2).
    assignment.reassign(session, tl, vip.id, w.tl_a.id, now=at(4))
    assert vip.agent_id == w.tl_a.id
    session.commit()
    check_invariants(session)
