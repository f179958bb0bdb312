"""A floor with a WhatsApp queue served by two agents of team A."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.routing import assignment, queues
from sigap.routing.models import AgentSlot, Offer, Queue, WorkItem, WorkState
from tests.tickets.helpers import Floor, floor

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@dataclass
class Routed:
    world: Floor
    queue: Queue


def routed(session: Session, channel: str = "whatsapp", **spec: object) -> Routed:
    world = floor(session)
    queue = queues.save_queue(session, queues.QueueSpec(
        name=f"WA T1 {channel}", channel=channel, site_id=world.site.id,
        **spec))  # type: ignore[arg-type]
    queues.set_members(session, queue.id, [world.agent_a.id, world.agent_a2.id])
    session.commit()
    return Routed(world, queue)


def ready(session: Session, staff_id: int, seconds: float) -> None:
    assignment.set_presence(session, staff_id, "ready", at=at(seconds))
    # The slot's idle clock starts when the agent becomes available.
    for slot in session.scalars(select(AgentSlot).where(AgentSlot.staff_id == staff_id)):
        if slot.used == 0:
            slot.idle_since = at(seconds)
    session.flush()


def chat(session: Session, ref_id: int, seconds: float, **extra: object) -> WorkItem | None:
    return assignment.enqueue(session, assignment.Work(
        kind="conversation", ref_id=ref_id, channel="whatsapp", title=f"chat {ref_id}",
        **extra), now=at(seconds))  # type: ignore[arg-type]


def check_invariants(session: Session) -> None:
    """No item held by two agents, no agent over capacity, slots match the work held."""
    session.rollback()
    for item_id, open_offers in session.execute(
            select(Offer.item_id, func.count()).where(Offer.outcome == "")
            .group_by(Offer.item_id)):
        assert open_offers <= 1, f"item {item_id} offered to {open_offers} agents at once"
    held = dict(((a, c), n) for a, c, n in session.execute(
        select(WorkItem.agent_id, WorkItem.channel, func.count())
        .where(WorkItem.state.in_((WorkState.offered, WorkState.assigned)))
        .group_by(WorkItem.agent_id, WorkItem.channel)))
    for slot in session.scalars(select(AgentSlot)):
        count = held.get((slot.staff_id, slot.channel), 0)
        assert slot.used == count, f"slot {slot.staff_id}/{slot.channel}: {slot.used} != {count}"
        assert slot.used <= slot.capacity
    for item in session.scalars(select(WorkItem).where(WorkItem.state == WorkState.offered)):
        offer = session.scalar(select(Offer).where(Offer.item_id == item.id,
                                                   Offer.outcome == ""))
        assert offer is not None and offer.staff_id == item.agent_id
