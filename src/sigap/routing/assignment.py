"""Assignment (issue 5 §3): new work is offered to one agent, who accepts it or lets the
offer time out, and then it goes to the next.

Nothing is ever given to two agents, and no agent gets more than its capacity, also with
several server processes and workers: an offer locks the agent's slot row and the item's
row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite runs one writer at a time) and changes
both in the same transaction, only while the slot is free and the item still waiting.

Deadlock freedom on PostgreSQL comes from one lock order. An offer never waits for a lock
(it skips what is taken). Everything else that changes an agent's work (accept, decline,
finish, time-out, presence, re-assignment) first locks that agent's presence row, then
the agent's items, then its slot; work touching several agents locks them by ascending id.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, NotFound
from sigap.db.session import txn_info
from sigap.org.models import Role, Staff
from sigap.routing import handling, live, offers, queues
from sigap.routing import service as presence
from sigap.routing.models import (
    AgentSlot,
    AgentState,
    Offer,
    Presence,
    WorkItem,
    WorkState,
)
from sigap.routing.offers import (
    AVAILABLE,
    LIVE,
    REOFFER_AFTER,
    Work,
    dispatch,
    enqueue,
    enqueue_many,
    queue_work,
)
from sigap.tickets import actions

__all__ = ["AVAILABLE", "LIVE", "REOFFER_AFTER", "Work", "dispatch", "enqueue", "enqueue_many",
           "queue_work"]

MISSED = "missed"  # the aux reason given when an offer times out (RONA)
_LOCKED = "routing.locked_presence"


def _topics(item: WorkItem, *agents: int | None) -> list[str]:
    return offers.topics(item.queue_id, *agents)


def _release(session: Session, staff_id: int, channel: str, now: dt.datetime) -> None:
    slot = session.scalar(select(AgentSlot).where(
        AgentSlot.staff_id == staff_id, AgentSlot.channel == channel)
        .with_for_update().execution_options(populate_existing=True))
    if slot is None or slot.used <= 0:
        return
    slot.used -= 1
    if slot.used == 0:
        slot.idle_since = now


def _end_offer(session: Session, item: WorkItem, outcome: str, now: dt.datetime) -> None:
    offer = session.scalar(select(Offer).where(
        Offer.item_id == item.id, Offer.staff_id == item.agent_id, Offer.outcome == "")
        .order_by(Offer.id.desc()).limit(1))
    if offer is not None:
        offer.outcome, offer.ended_at = outcome, now


def _lock_agents(session: Session, *staff_ids: int | None) -> None:
    """Take the agents' presence rows, by ascending id: the first lock of any change to
    an agent's work (see the module's note on lock order)."""
    held: list[Presence] = txn_info(session).setdefault(_LOCKED, [])
    for staff_id in sorted({s for s in staff_ids if s is not None}):
        row = session.scalar(select(Presence).where(Presence.staff_id == staff_id)
                             .with_for_update().execution_options(populate_existing=True))
        if row is not None:
            # Kept for the transaction: the session holds its objects weakly, and the
            # change of state that follows would read the row again.
            held.append(row)
        else:
            presence.set_state(session, staff_id, AgentState.offline, source="routing")


def _locked_item(session: Session, item_id: int, agent_id: int | None = None) -> WorkItem:
    """The item, locked after its agent: `agent_id` is who the caller expects holds it."""
    if agent_id is None:
        agent_id = session.scalar(select(WorkItem.agent_id).where(WorkItem.id == item_id))
    _lock_agents(session, agent_id)
    item = session.scalar(select(WorkItem).where(WorkItem.id == item_id).with_for_update()
                          .execution_options(populate_existing=True))
    if item is None:
        raise NotFound(f"Pekerjaan {item_id} tidak ditemukan.")
    return item


def accept(session: Session, actor: Actor, item_id: int,
           now: dt.datetime | None = None) -> handling.Held:
    """The agent takes the offered item: it is theirs until they finish it."""
    now = now or utcnow()
    held = handling.accept(session, actor.staff_id, item_id, now)
    return held if held is not None else handling.Held.of(_accept(session, actor, item_id, now))


def _accept(session: Session, actor: Actor, item_id: int, now: dt.datetime) -> WorkItem:
    item = _locked_item(session, item_id, actor.staff_id)
    if item.agent_id != actor.staff_id or item.state != WorkState.offered:
        raise Conflict("Tawaran ini sudah tidak berlaku.", field="item_id")
    if item.offer_expires_at is not None and item.offer_expires_at <= now:
        _back_to_queue(session, item, "timeout", now)
        raise Conflict("Waktu tawaran sudah habis; pekerjaan kembali ke antrian.",
                       field="item_id")
    item.state, item.assigned_at = WorkState.assigned, now
    _end_offer(session, item, "accepted", now)
    if item.kind == "ticket" and actor.staff_id is not None:
        actions.route_to(session, actor, item.ref_id, actor.staff_id)
    mine = session.get(Presence, actor.staff_id)
    if mine is not None and mine.state == AgentState.ready and actor.staff_id is not None:
        presence.set_state(session, actor.staff_id, AgentState.busy, source="routing", at=now)
        handling.announce(session, actor.staff_id)
    live.notify(session, _topics(item, item.agent_id), "accepted", item=item.id)
    session.flush()
    return item


def _back_to_queue(session: Session, item: WorkItem, outcome: str, now: dt.datetime) -> None:
    agent = item.agent_id
    _end_offer(session, item, outcome, now)
    if agent is not None:
        _release(session, agent, item.channel, now)
    item.state, item.agent_id = WorkState.waiting, None
    item.offered_at = item.offer_expires_at = None
    live.notify(session, _topics(item, agent), outcome, item=item.id)


def decline(session: Session, actor: Actor, item_id: int,
            now: dt.datetime | None = None) -> WorkItem:
    now = now or utcnow()
    item = _locked_item(session, item_id, actor.staff_id)
    if item.agent_id != actor.staff_id or item.state != WorkState.offered:
        raise Conflict("Tawaran ini sudah tidak berlaku.", field="item_id")
    _back_to_queue(session, item, "declined", now)
    session.flush()
    dispatch(session, [item.queue_id], now)
    return item


def expire_offers(session: Session, now: dt.datetime | None = None) -> int:
    """Offers nobody answered go back to the queue; the agent who let one ring out is set
    to aux "missed" (not ready) so the next item does not ring there too."""
    now = now or utcnow()
    due = session.execute(select(WorkItem.agent_id, WorkItem.id).where(
        WorkItem.state == WorkState.offered, WorkItem.offer_expires_at <= now)
        .order_by(WorkItem.agent_id, WorkItem.id)).all()
    queues_hit: set[int] = set()
    expired = 0
    for agent in sorted({a for a, _ in due if a is not None}):
        _lock_agents(session, agent)
        items = session.scalars(select(WorkItem).where(
            WorkItem.agent_id == agent, WorkItem.state == WorkState.offered,
            WorkItem.offer_expires_at <= now).with_for_update()
            .execution_options(populate_existing=True)).all()
        for item in items:
            _back_to_queue(session, item, "timeout", now)
            queues_hit.add(item.queue_id)
            expired += 1
        current = session.get(Presence, agent)
        if items and current is not None and current.state in AVAILABLE:
            presence.set_state(session, agent, AgentState.aux, MISSED, source="routing",
                               at=now)
            handling.announce(session, agent)
            queues_hit |= _withdraw_offers(session, agent, now)
    session.flush()
    if queues_hit:
        dispatch(session, queues_hit, now)
    return expired


def _withdraw_offers(session: Session, staff_id: int, now: dt.datetime) -> set[int]:
    hit = set()
    for item in session.scalars(select(WorkItem).where(
            WorkItem.agent_id == staff_id, WorkItem.state == WorkState.offered)
            .with_for_update().execution_options(populate_existing=True)).all():
        _back_to_queue(session, item, "withdrawn", now)
        hit.add(item.queue_id)
    return hit


def finish(session: Session, actor: Actor, item_id: int,
           now: dt.datetime | None = None) -> handling.Held:
    """The agent is done with the item: its slot frees and the next work can come."""
    now = now or utcnow()
    held = handling.finish(session, actor.staff_id, item_id, now)
    return held if held is not None else handling.Held.of(_finish(session, actor, item_id, now))


def _finish(session: Session, actor: Actor, item_id: int, now: dt.datetime) -> WorkItem:
    item = _locked_item(session, item_id, actor.staff_id)
    if item.state != WorkState.assigned or item.agent_id != actor.staff_id:
        raise Conflict("Pekerjaan ini bukan milik Anda atau sudah selesai.", field="item_id")
    _close(session, item, WorkState.done, now)
    session.flush()
    dispatch(session, queues.queues_of(session, item.agent_id or 0), now)
    return item


def _close(session: Session, item: WorkItem, state: str, now: dt.datetime) -> None:
    agent = item.agent_id
    if item.state == WorkState.offered:
        _end_offer(session, item, "withdrawn", now)
    if agent is not None and item.state in (WorkState.offered, WorkState.assigned):
        _release(session, agent, item.channel, now)
        session.flush()
        busy = session.scalar(select(func.coalesce(func.sum(AgentSlot.used), 0))
                              .where(AgentSlot.staff_id == agent))
        current = session.get(Presence, agent)
        if not busy and current is not None and current.state == AgentState.busy:
            presence.set_state(session, agent, AgentState.ready, source="routing", at=now)
            handling.announce(session, agent)
    item.state, item.ended_at = state, now
    live.notify(session, _topics(item, agent), state, item=item.id)


def close_work(session: Session, kind: str, ref_id: int,
               now: dt.datetime | None = None) -> WorkItem | None:
    """The ticket or conversation behind live work was finished elsewhere (resolved,
    closed, answered): done if an agent had it, withdrawn if it was still waiting."""
    now = now or utcnow()
    found = session.scalar(select(WorkItem.id).where(
        WorkItem.kind == kind, WorkItem.ref_id == ref_id, WorkItem.state.in_(LIVE)))
    if found is None:
        return None
    holder = session.scalar(select(WorkItem.agent_id).where(WorkItem.id == found))
    item = _locked_item(session, found, holder)
    if item.state not in LIVE or item.agent_id not in (None, holder):
        return None  # it moved meanwhile: the next sweep sees it again
    _close(session, item, WorkState.done if item.state == WorkState.assigned
           else WorkState.withdrawn, now)
    session.flush()
    return item


PRIORITY_ONLY = ("Pekerjaan pelanggan prioritas hanya untuk agen segmen prioritas: masa kerja "
                 "lebih dari 6 bulan dan QA tercapai 6 bulan berturut-turut (W-19).")


def _may_hold_priority(person: Staff, now: dt.datetime) -> bool:
    """Agents must be cleared for priority customers (D22); team leaders and above may
    hold the work to take it over."""
    return person.role != Role.agent or person.priority_eligible(now.date())


def reassign(session: Session, actor: Actor, item_id: int, staff_id: int,
             now: dt.datetime | None = None) -> WorkItem:
    """A team leader gives live work to another agent (or takes it over): assigned at
    once, within that agent's capacity."""
    now = now or utcnow()
    target = session.get(Staff, staff_id)
    if target is None:
        raise NotFound(f"Staf {staff_id} tidak ditemukan.")
    holder = session.scalar(select(WorkItem.agent_id).where(WorkItem.id == item_id))
    _lock_agents(session, holder, staff_id)
    item = _locked_item(session, item_id, holder)
    if item.agent_id != holder:
        raise Conflict("Pekerjaan ini baru saja berpindah; coba lagi.", field="item_id")
    if item.state not in LIVE:
        raise Conflict("Pekerjaan ini sudah selesai.", field="item_id")
    if item.agent_id == staff_id:
        item.state, item.assigned_at = WorkState.assigned, item.assigned_at or now
        return item
    if item.priority and not _may_hold_priority(target, now):
        raise Conflict(PRIORITY_ONLY, field="staff_id")
    slot = session.scalar(select(AgentSlot).where(
        AgentSlot.staff_id == staff_id, AgentSlot.channel == item.channel)
        .with_for_update().execution_options(populate_existing=True))
    if slot is not None and slot.used >= slot.capacity:
        raise Conflict(f"Kapasitas {item.channel} agen itu penuh ({slot.used}/"
                       f"{slot.capacity}).", field="staff_id")
    previous = item.agent_id
    if item.state == WorkState.offered:
        _end_offer(session, item, "withdrawn", now)
    if previous is not None:
        _release(session, previous, item.channel, now)
    if slot is not None:
        slot.used += 1
    item.agent_id, item.state, item.assigned_at = staff_id, WorkState.assigned, now
    item.offer_expires_at = None
    if item.kind == "ticket":
        actions.route_to(session, actor, item.ref_id, staff_id)
    live.notify(session, _topics(item, previous, staff_id), "reassigned", item=item.id)
    session.flush()
    return item


def on_presence(session: Session, staff_id: int, state: str,
                now: dt.datetime | None = None) -> None:
    """An agent's state changed: available agents get work; unavailable ones give back
    what was only offered to them."""
    now = now or utcnow()
    member_of = queues.queues_of(session, staff_id)
    if state in AVAILABLE:
        queues.ensure_slots(session, staff_id)
        dispatch(session, member_of, now)
    else:
        hit = _withdraw_offers(session, staff_id, now)
        session.flush()
        if hit:
            dispatch(session, hit, now)
    handling.announce(session, staff_id, member_of)


def set_presence(session: Session, staff_id: int, state: str, reason: str = "",
                 source: str = "agent", at: dt.datetime | None = None) -> Presence:
    """Change an agent's state and let routing react (offer work, or take offers back)."""
    _lock_agents(session, staff_id)
    current = presence.set_state(session, staff_id, state, reason, source=source, at=at)
    on_presence(session, staff_id, current.state, at)
    return current


def expire_presence(session: Session, older_than: dt.timedelta,
                    now: dt.datetime | None = None) -> int:
    """Lost sessions go offline (see service.expire), giving back what was offered."""
    now = now or utcnow()
    stale = presence.stale_states(session, older_than, now)
    for staff_id in stale:
        set_presence(session, staff_id, AgentState.offline, source="expiry", at=now)
    return len(stale)


def reconcile(session: Session, now: dt.datetime | None = None) -> int:
    """Live work whose ticket was resolved, closed or merged, or whose conversation was
    closed, elsewhere: its slot is freed (done, or withdrawn if nobody had it yet)."""
    from sigap.channels.models import Conversation
    from sigap.tickets.models import Ticket, TicketState

    finished_tickets = select(WorkItem.agent_id, WorkItem.kind, WorkItem.ref_id).join(
        Ticket, Ticket.id == WorkItem.ref_id).where(
        WorkItem.kind == "ticket", WorkItem.state.in_(LIVE),
        Ticket.state.in_((TicketState.resolved, TicketState.closed))
        | Ticket.merged_into_id.is_not(None))
    closed_chats = select(WorkItem.agent_id, WorkItem.kind, WorkItem.ref_id).join(
        Conversation, Conversation.id == WorkItem.ref_id).where(
        WorkItem.kind == "conversation", WorkItem.state.in_(LIVE),
        Conversation.state != "open")
    stale = list(session.execute(finished_tickets).all()) + list(
        session.execute(closed_chats).all())
    # Agents by ascending id, each locked before its items (the module's lock order).
    for _agent, kind, ref_id in sorted(stale, key=lambda r: (r[0] or 0, r[1], r[2])):
        close_work(session, kind, ref_id, now)
    return len(stale)


def last_agent(session: Session, kind: str, ref_id: int) -> int | None:
    """Who last held this piece of work (a follow-up goes back to them when present)."""
    return session.scalar(select(WorkItem.agent_id).where(
        WorkItem.kind == kind, WorkItem.ref_id == ref_id, WorkItem.state == WorkState.done)
        .order_by(WorkItem.id.desc()).limit(1))


def my_work(session: Session, staff_id: int) -> list[WorkItem]:
    """What is offered to or held by an agent, offers first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.agent_id == staff_id,
        WorkItem.state.in_((WorkState.offered, WorkState.assigned)))
        .order_by(WorkItem.state.desc(), WorkItem.offered_at)))


def get_item(session: Session, item_id: int) -> WorkItem:
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"Pekerjaan {item_id} tidak ditemukan.")
    return item
