"""Offering work (issue 5 §3): new work is queued and offered at once to one free agent.

Every new contact passes here, so the hot statements are Core statements built once (the
ORM's unit of work, and building a statement per call, cost more than the statements
themselves). Each write leaves the audit row the ORM's flush hook would have written, with
the same content (`audit.pending_change`), and ORM objects of the same rows already in
the session are brought up to date (`sync`).

The claim is atomic: one UPDATE takes a free slot of the agent (`used < capacity`), one
UPDATE takes the item while it is still waiting. On PostgreSQL each names its row through
`FOR UPDATE SKIP LOCKED`, so an offer never waits for a lock (the lock order of
assignment.py); SQLite runs one writer at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sigap.auth import audit
from sigap.core.clock import utcnow
from sigap.db.session import on_commit
from sigap.org.models import Staff, priority_eligible
from sigap.routing import live, policy, queues
from sigap.routing.models import (
    AgentSlot,
    AgentState,
    Offer,
    Presence,
    QueueMember,
    SkillLevel,
    WorkItem,
    WorkState,
)

LIVE = (WorkState.waiting, WorkState.offered, WorkState.assigned)
AVAILABLE = (AgentState.ready, AgentState.busy)
# An agent who declined or missed an item is not offered it again for this long.
REOFFER_AFTER = dt.timedelta(minutes=5)

# Set by the server's and worker's registration: schedules an offer time-out check.
offer_timer: Callable[[dt.datetime], None] | None = None


@dataclass(frozen=True)
class Work:
    """What to route: one ticket or one conversation."""

    kind: str
    ref_id: int
    channel: str
    title: str = ""
    tier: int = 1
    segment: str = ""
    product: str = ""
    priority: bool = False
    due_at: dt.datetime | None = None
    sticky_agent_id: int | None = None


def topics(queue_id: int, *agents: int | None) -> list[str]:
    return [f"queue:{queue_id}"] + [f"agent:{a}" for a in agents if a is not None]


_ITEMS: Table = WorkItem.__table__  # type: ignore[assignment]
_SLOTS: Table = AgentSlot.__table__  # type: ignore[assignment]
_OFFERS: Table = Offer.__table__  # type: ignore[assignment]
_MEMBERS: Table = QueueMember.__table__  # type: ignore[assignment]
_PRESENCE: Table = Presence.__table__  # type: ignore[assignment]
_STAFF: Table = Staff.__table__  # type: ignore[assignment]
_SKILLS: Table = SkillLevel.__table__  # type: ignore[assignment]

_LIVE_ITEM = select(_ITEMS.c.id).where(
    _ITEMS.c.kind == bindparam("kind"), _ITEMS.c.ref_id == bindparam("ref_id"),
    _ITEMS.c.state.in_([s.value for s in LIVE]))
# Another process may queue the same work at the same moment: the unique index on live
# work turns the second insert into nothing instead of an error (no savepoint needed).
_NEW_ITEM = {
    "postgresql": postgresql.insert(_ITEMS).on_conflict_do_nothing().returning(_ITEMS.c.id),
    "sqlite": sqlite.insert(_ITEMS).on_conflict_do_nothing().returning(_ITEMS.c.id),
}
_WAITING = select(
    _ITEMS.c.id, _ITEMS.c.priority, _ITEMS.c.arrived_at, _ITEMS.c.due_at,
    _ITEMS.c.sticky_agent_id,
).where(_ITEMS.c.queue_id == bindparam("queue_id"), _ITEMS.c.state == WorkState.waiting.value
        ).order_by(_ITEMS.c.priority.desc(), _ITEMS.c.arrived_at).limit(bindparam("limit"))
# Columns, not Staff objects: a busy queue has hundreds of agents.
_CANDIDATES = select(
    _SLOTS.c.staff_id, _SLOTS.c.capacity - _SLOTS.c.used, _SLOTS.c.idle_since,
    _SKILLS.c.level, _STAFF.c.skills, _STAFF.c.hire_date, _STAFF.c.qa_met_months,
).join(_MEMBERS, _MEMBERS.c.staff_id == _SLOTS.c.staff_id
       ).join(_PRESENCE, _PRESENCE.c.staff_id == _SLOTS.c.staff_id
              ).join(_STAFF, _STAFF.c.id == _SLOTS.c.staff_id
                     ).outerjoin(_SKILLS, and_(_SKILLS.c.staff_id == _SLOTS.c.staff_id,
                                               _SKILLS.c.skill == bindparam("skill"))
                                 ).where(
    _MEMBERS.c.queue_id == bindparam("queue_id"), _SLOTS.c.channel == bindparam("channel"),
    _SLOTS.c.used < _SLOTS.c.capacity, _PRESENCE.c.state.in_([s.value for s in AVAILABLE]),
    _STAFF.c.active.is_(True))
_EXCLUDED = select(_OFFERS.c.item_id, _OFFERS.c.staff_id).where(
    _OFFERS.c.item_id.in_(bindparam("item_ids", expanding=True)),
    _OFFERS.c.outcome.in_(("declined", "timeout")), _OFFERS.c.ended_at > bindparam("since"))
_FREE_SLOT = select(_SLOTS.c.staff_id).where(
    _SLOTS.c.staff_id == bindparam("s_staff"), _SLOTS.c.channel == bindparam("s_channel"),
    _SLOTS.c.used < _SLOTS.c.capacity).with_for_update(skip_locked=True)
_CLAIM_SLOT = update(_SLOTS).where(
    _SLOTS.c.staff_id == bindparam("s_staff"), _SLOTS.c.channel == bindparam("s_channel"),
    _SLOTS.c.used < _SLOTS.c.capacity, _SLOTS.c.staff_id.in_(_FREE_SLOT.scalar_subquery()),
).values(used=_SLOTS.c.used + 1).returning(_SLOTS.c.used)
_UNCLAIM_SLOT = update(_SLOTS).where(
    _SLOTS.c.staff_id == bindparam("s_staff"), _SLOTS.c.channel == bindparam("s_channel"),
).values(used=_SLOTS.c.used - 1)
_WAITING_ITEM = select(_ITEMS.c.id).where(
    _ITEMS.c.id == bindparam("i_id"), _ITEMS.c.state == WorkState.waiting.value,
).with_for_update(skip_locked=True)
_CLAIM_ITEM = update(_ITEMS).where(
    _ITEMS.c.id == bindparam("i_id"), _ITEMS.c.state == WorkState.waiting.value,
    _ITEMS.c.id.in_(_WAITING_ITEM.scalar_subquery()),
).values(state=WorkState.offered.value, agent_id=bindparam("agent"),
         offered_at=bindparam("at"), offer_expires_at=bindparam("expires"),
         offers=_ITEMS.c.offers + 1,
         ).returning(_ITEMS.c.offers, _ITEMS.c.title, _ITEMS.c.offered_at,
                     _ITEMS.c.offer_expires_at)
_NEW_OFFER = insert(_OFFERS).returning(_OFFERS.c.id)


def sync(session: Session, model: type[Any], key: tuple[Any, ...],
          values: dict[str, Any]) -> None:
    """Bring an ORM object of a row just written by a Core statement up to date, when the
    session holds one (a caller may still read it)."""
    obj = session.identity_map.get((model, key, None))
    if obj is not None:
        for name, value in values.items():
            set_committed_value(obj, name, value)


def queue_work(session: Session, work: Work, now: dt.datetime | None = None) -> int | None:
    """Put work in its queue and offer it at once if an agent is free; the item's id.
    None when no queue is set up for it (the team queue of the ticket desk still shows
    it). Work already live is not queued twice; it only becomes priority if it now is."""
    now = now or utcnow()
    session.flush()  # Core statements follow: the session's own changes first
    conn = session.connection()
    key = {"kind": work.kind, "ref_id": work.ref_id}
    live_id = conn.execute(_LIVE_ITEM, key).scalar()
    if live_id is None:
        queue = queues.find_queue(session, work.channel, work.tier, work.segment,
                                  work.product)
        if queue is None:
            return None
        row = {"kind": work.kind, "ref_id": work.ref_id, "queue_id": queue.id,
               "channel": work.channel, "title": work.title[:200], "priority": work.priority,
               "due_at": work.due_at, "arrived_at": now,
               "sticky_agent_id": work.sticky_agent_id, "state": WorkState.waiting.value,
               "offers": 0}
        made = conn.execute(_NEW_ITEM[conn.dialect.name], row).scalar()
        if made is not None:
            audit.pending_created(session, "work_items", made, row)
            live.notify(session, topics(queue.id), "queue")
            dispatch(session, [queue.id], now)
            return int(made)
        live_id = conn.execute(_LIVE_ITEM, key).scalar()  # another process queued it
        if live_id is None:
            return None
    if work.priority:
        item = session.get(WorkItem, live_id)
        if item is not None and not item.priority:
            item.priority = True
    return int(live_id)


def enqueue(session: Session, work: Work, now: dt.datetime | None = None) -> WorkItem | None:
    """`queue_work`, answering with the item."""
    item_id = queue_work(session, work, now)
    return None if item_id is None else session.get(WorkItem, item_id)


def enqueue_many(session: Session, works: Sequence[Work],
                 now: dt.datetime | None = None) -> int:
    """Queue a batch (an IMAP fetch) with one dispatch at the end; returns how many
    items were queued."""
    now = now or utcnow()
    found: dict[tuple[str, int, str, str], queues.QueueInfo | None] = {}
    fresh: list[WorkItem] = []
    for kind in {w.kind for w in works}:
        refs = [w.ref_id for w in works if w.kind == kind]
        live_refs = set(session.scalars(select(WorkItem.ref_id).where(
            WorkItem.kind == kind, WorkItem.ref_id.in_(refs), WorkItem.state.in_(LIVE))))
        for work in works:
            if work.kind != kind or work.ref_id in live_refs:
                continue
            key = (work.channel, work.tier, work.segment, work.product)
            if key not in found:
                found[key] = queues.find_queue(session, *key)
            queue = found[key]
            if queue is None:
                continue
            live_refs.add(work.ref_id)
            fresh.append(WorkItem(
                kind=work.kind, ref_id=work.ref_id, queue_id=queue.id, channel=work.channel,
                title=work.title[:200], priority=work.priority, due_at=work.due_at,
                arrived_at=now, sticky_agent_id=work.sticky_agent_id,
                state=WorkState.waiting))
    if not fresh:
        return 0
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add_all(fresh)
    except IntegrityError:  # raced with another process: one by one
        for work in works:
            queue_work(session, work, now)
        return len(fresh)
    hit = {item.queue_id for item in fresh}
    live.notify(session, [f"queue:{q}" for q in hit], "queue")
    dispatch(session, hit, now)
    return len(fresh)


def _candidates(session: Session, queue: queues.QueueInfo,
                today: dt.date) -> list[policy.Candidate]:
    rows = session.connection().execute(_CANDIDATES, {
        "queue_id": queue.id, "channel": queue.channel, "skill": queue.skill}).all()
    found = []
    for staff_id, free, idle_since, level, skills, hired, qa_months in rows:
        if not queue.skill:
            level = 1
        elif level is None:
            level = 1 if queue.skill in (skills or []) else 0
        found.append(policy.Candidate(staff_id=staff_id, free=int(free),
                                      idle_since=idle_since, level=int(level),
                                      priority_ok=priority_eligible(hired, qa_months, today)))
    return found


def _excluded(session: Session, item_ids: Sequence[int],
              now: dt.datetime) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    rows = session.connection().execute(_EXCLUDED, {"item_ids": list(item_ids),
                                                    "since": now - REOFFER_AFTER})
    for item_id, staff_id in rows:
        found.setdefault(item_id, set()).add(staff_id)
    return found


def take(session: Session, item_id: int, staff_id: int, queue: queues.QueueInfo,
         now: dt.datetime) -> bool:
    """Offer one item to one agent, atomically; False when either was taken meanwhile."""
    conn = session.connection()
    slot = {"s_staff": staff_id, "s_channel": queue.channel}
    used = conn.execute(_CLAIM_SLOT, slot).scalar()
    if used is None:
        return False
    expires = now + dt.timedelta(seconds=queue.offer_seconds)
    claimed = conn.execute(_CLAIM_ITEM, {"i_id": item_id, "agent": staff_id, "at": now,
                                         "expires": expires}).first()
    if claimed is None:
        conn.execute(_UNCLAIM_SLOT, slot)  # the item went elsewhere: the slot stays free
        return False
    offers, title, offered_at, expires_at = claimed
    offer = {"item_id": item_id, "staff_id": staff_id, "offered_at": now, "outcome": ""}
    offer_id = conn.execute(_NEW_OFFER, offer).scalar()
    audit.pending_change(session, "agent_slots", (staff_id, queue.channel),
                         {"used": (used - 1, used)})
    audit.pending_change(session, "work_items", item_id, {
        "state": (WorkState.waiting.value, WorkState.offered.value),
        "agent_id": (None, staff_id), "offered_at": (None, offered_at),
        "offer_expires_at": (None, expires_at), "offers": (offers - 1, offers)})
    audit.pending_created(session, "offers", offer_id, offer)
    sync(session, AgentSlot, (staff_id, queue.channel), {"used": used})
    sync(session, WorkItem, (item_id,), {
        "state": WorkState.offered.value, "agent_id": staff_id, "offered_at": offered_at,
        "offer_expires_at": expires_at, "offers": offers})
    live.notify(session, topics(queue.id, staff_id), "offer", item=item_id, title=title)
    timer = offer_timer
    if timer is not None:
        on_commit(session, lambda: timer(expires))
    return True


def dispatch(session: Session, queue_ids: Iterable[int] | None = None,
             now: dt.datetime | None = None, limit: int = 200) -> list[int]:
    """Offer waiting work to free agents, queue by queue in priority order; the ids of
    the items offered."""
    now = now or utcnow()
    session.flush()  # Core statements follow: the session's own changes first
    conn = session.connection()
    wanted = None if queue_ids is None else set(queue_ids)
    offered: list[int] = []
    for queue in queues.active_queues(session):
        if wanted is not None and queue.id not in wanted:
            continue
        waiting = conn.execute(_WAITING, {"queue_id": queue.id, "limit": limit}).all()
        if not waiting:
            continue
        agents = _candidates(session, queue, now.date())
        if not agents:
            continue
        items = [policy.Waiting(item_id=i, priority=p, arrived_at=a, due_at=d,
                                sticky_agent_id=s) for i, p, a, d, s in waiting]
        excluded = _excluded(session, [i.item_id for i in items], now)
        for item_id, staff_id in policy.plan(items, agents, queue.min_level, now, excluded):
            if take(session, item_id, staff_id, queue, now):
                offered.append(item_id)
    return offered
