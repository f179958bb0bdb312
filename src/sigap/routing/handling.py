"""An agent's answers to work (issue 5 §3): accepting an offer and finishing held work.

Every contact passes here twice, so the common case runs on Core statements built once,
like the offer (routing/offers.py): each write leaves the audit row the ORM's flush hook
would have written, with the same content, and ORM objects of the same rows already in
the session are brought up to date. The locks are taken in assignment.py's order: the
agent's presence row, then the item, then the slot.

`accept` and `finish` answer None, before writing anything, for what they leave to the
ORM path in assignment.py: a ticket (accepting it moves the ticket too), an offer already
expired, an agent without a presence row, or an item that is not as expected (the ORM
path raises the right error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.org.models import Staff
from sigap.routing import live, offers
from sigap.routing.models import (
    AgentSlot,
    AgentState,
    Offer,
    Presence,
    PresenceChange,
    QueueMember,
    WorkItem,
    WorkState,
)


@dataclass(frozen=True)
class Held:
    """A work item as it stands after the agent's answer."""

    id: int
    kind: str
    ref_id: int
    queue_id: int
    channel: str
    title: str
    priority: bool
    state: str
    agent_id: int | None
    arrived_at: dt.datetime
    offered_at: dt.datetime | None
    offer_expires_at: dt.datetime | None
    assigned_at: dt.datetime | None
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, item: Any) -> Held:
        """From a WorkItem or a row of work_items."""
        return cls(**{f.name: getattr(item, f.name) for f in fields(cls)})


_ITEMS: Table = WorkItem.__table__  # type: ignore[assignment]
_SLOTS: Table = AgentSlot.__table__  # type: ignore[assignment]
_OFFERS: Table = Offer.__table__  # type: ignore[assignment]
_PRESENCE: Table = Presence.__table__  # type: ignore[assignment]
_CHANGES: Table = PresenceChange.__table__  # type: ignore[assignment]
_STAFF: Table = Staff.__table__  # type: ignore[assignment]
_MEMBERS: Table = QueueMember.__table__  # type: ignore[assignment]

_PRESENCE_ROW = select(_PRESENCE.c.state, _PRESENCE.c.reason, _PRESENCE.c.since).where(
    _PRESENCE.c.staff_id == bindparam("staff")).with_for_update()
_ITEM_ROW = select(_ITEMS).where(_ITEMS.c.id == bindparam("item")).with_for_update()
_OPEN_OFFER = select(_OFFERS.c.id, _OFFERS.c.ended_at).where(
    _OFFERS.c.item_id == bindparam("item"), _OFFERS.c.staff_id == bindparam("staff"),
    _OFFERS.c.outcome == "").order_by(_OFFERS.c.id.desc()).limit(1)
_END_OFFER = update(_OFFERS).where(_OFFERS.c.id == bindparam("offer")).values(
    outcome=bindparam("v_outcome"), ended_at=bindparam("v_at"))
_SET_ITEM = update(_ITEMS).where(_ITEMS.c.id == bindparam("item")).values(
    state=bindparam("v_state"), assigned_at=bindparam("v_assigned"),
    ended_at=bindparam("v_ended"))
_SLOT_ROW = select(_SLOTS.c.used, _SLOTS.c.idle_since).where(
    _SLOTS.c.staff_id == bindparam("staff"), _SLOTS.c.channel == bindparam("v_channel"),
).with_for_update()
_SET_SLOT = update(_SLOTS).where(
    _SLOTS.c.staff_id == bindparam("staff"), _SLOTS.c.channel == bindparam("v_channel"),
).values(used=bindparam("v_used"), idle_since=bindparam("v_idle"))
_BUSY = select(func.coalesce(func.sum(_SLOTS.c.used), 0)).where(
    _SLOTS.c.staff_id == bindparam("staff"))
_NEW_CHANGE = _CHANGES.insert().returning(_CHANGES.c.id)
_SET_PRESENCE = update(_PRESENCE).where(_PRESENCE.c.staff_id == bindparam("staff")).values(
    state=bindparam("v_state"), reason=bindparam("v_reason"), since=bindparam("v_since"))
_WHERE = select(_STAFF.c.team_id, _STAFF.c.site_id).where(_STAFF.c.id == bindparam("staff"))
_QUEUES_OF = select(_MEMBERS.c.queue_id).where(_MEMBERS.c.staff_id == bindparam("staff"))


def _changed(pairs: dict[str, tuple[object, object]]) -> dict[str, tuple[object, object]]:
    """What the ORM's history calls a change: a value set equal to the old one is none."""
    return {k: (old, new) for k, (old, new) in pairs.items() if old != new}


def _set_state(session: Session, conn: Connection, staff_id: int,
               current: tuple[str, str, dt.datetime], state: str, now: dt.datetime) -> None:
    """routing/service.set_state for the states routing sets (busy, ready: no reason)."""
    old_state, old_reason, since = current
    change = {"staff_id": staff_id, "at": now, "state": state, "reason": "",
              "previous": old_state,
              "previous_seconds": max(0, int((now - since).total_seconds())),
              "source": "routing"}
    change_id = conn.execute(_NEW_CHANGE, change).scalar_one()
    audit.pending_created(session, "presence_changes", change_id, change)
    conn.execute(_SET_PRESENCE, {"staff": staff_id, "v_state": state, "v_reason": "",
                                 "v_since": now})
    audit.pending_change(session, "presence", staff_id, _changed(
        {"state": (old_state, state), "reason": (old_reason, ""), "since": (since, now)}))
    offers.sync(session, Presence, (staff_id,), {"state": state, "reason": "", "since": now})


def announce(session: Session, staff_id: int,
             member_of: Sequence[int] | None = None) -> list[int]:
    """Tell the floor (the agent's queues, team and site) that the agent's state changed;
    the agent's queues."""
    session.flush()  # Core statements follow: the session's own changes first
    conn = session.connection()
    if member_of is None:
        member_of = list(conn.execute(_QUEUES_OF, {"staff": staff_id}).scalars())
    topics = [f"queue:{q}" for q in member_of]
    where = conn.execute(_WHERE, {"staff": staff_id}).first()
    if where is not None:
        topics += [f"team:{where[0]}", f"site:{where[1]}"]
    live.notify(session, topics, "presence", staff=staff_id)
    return list(member_of)


def _end_offer(session: Session, conn: Connection, item_id: int, staff_id: int,
               outcome: str, now: dt.datetime) -> None:
    found = conn.execute(_OPEN_OFFER, {"item": item_id, "staff": staff_id}).first()
    if found is None:
        return
    conn.execute(_END_OFFER, {"offer": found[0], "v_outcome": outcome, "v_at": now})
    audit.pending_change(session, "offers", found[0], _changed(
        {"outcome": ("", outcome), "ended_at": (found[1], now)}))
    offers.sync(session, Offer, (found[0],), {"outcome": outcome, "ended_at": now})


def _set_item(session: Session, conn: Connection, item: Any, state: str,
              now: dt.datetime) -> Held:
    assigned = now if state == WorkState.assigned else item.assigned_at
    ended = now if state != WorkState.assigned else item.ended_at
    conn.execute(_SET_ITEM, {"item": item.id, "v_state": state, "v_assigned": assigned,
                             "v_ended": ended})
    audit.pending_change(session, "work_items", item.id, _changed({
        "state": (item.state, state), "assigned_at": (item.assigned_at, assigned),
        "ended_at": (item.ended_at, ended)}))
    values = {"state": state, "assigned_at": assigned, "ended_at": ended}
    offers.sync(session, WorkItem, (item.id,), values)
    return Held(**{**{f.name: getattr(item, f.name) for f in fields(Held)}, **values})


def _start(session: Session, staff_id: int | None, item_id: int
           ) -> tuple[Connection, tuple[str, str, dt.datetime], Any] | None:
    """Lock the agent's presence row and the item (in that order), or None for the ORM
    path."""
    if staff_id is None:
        return None
    session.flush()  # Core statements follow: the session's own changes first
    conn = session.connection()
    current = conn.execute(_PRESENCE_ROW, {"staff": staff_id}).first()
    if current is None:
        return None
    item = conn.execute(_ITEM_ROW, {"item": item_id}).first()
    if item is None or item.agent_id != staff_id or item.kind == "ticket":
        return None
    return conn, (current[0], current[1], current[2]), item


def accept(session: Session, staff_id: int | None, item_id: int,
           now: dt.datetime) -> Held | None:
    """The agent takes the item offered to them; None for the ORM path."""
    started = _start(session, staff_id, item_id)
    if started is None or staff_id is None:
        return None
    conn, current, item = started
    if item.state != WorkState.offered or (
            item.offer_expires_at is not None and item.offer_expires_at <= now):
        return None
    held = _set_item(session, conn, item, WorkState.assigned, now)
    _end_offer(session, conn, item.id, staff_id, "accepted", now)
    if current[0] == AgentState.ready:
        _set_state(session, conn, staff_id, current, AgentState.busy, now)
        announce(session, staff_id)
    live.notify(session, offers.topics(item.queue_id, staff_id), "accepted", item=item.id)
    return held


def finish(session: Session, staff_id: int | None, item_id: int,
           now: dt.datetime) -> Held | None:
    """The agent is done with the item they hold: the slot frees, the agent is ready
    again when nothing else is held, and the agent's queues are dispatched."""
    started = _start(session, staff_id, item_id)
    if started is None or staff_id is None:
        return None
    conn, current, item = started
    if item.state != WorkState.assigned:
        return None
    slot = {"staff": staff_id, "v_channel": item.channel}
    used = conn.execute(_SLOT_ROW, slot).first()
    if used is not None and used[0] > 0:
        idle = now if used[0] == 1 else used[1]
        conn.execute(_SET_SLOT, {**slot, "v_used": used[0] - 1, "v_idle": idle})
        audit.pending_change(session, "agent_slots", (staff_id, item.channel), _changed(
            {"used": (used[0], used[0] - 1), "idle_since": (used[1], idle)}))
        offers.sync(session, AgentSlot, (staff_id, item.channel),
                    {"used": used[0] - 1, "idle_since": idle})
    member_of: list[int] | None = None
    if current[0] == AgentState.busy and not conn.execute(_BUSY, {"staff": staff_id}).scalar():
        _set_state(session, conn, staff_id, current, AgentState.ready, now)
        member_of = announce(session, staff_id)
    held = _set_item(session, conn, item, WorkState.done, now)
    live.notify(session, offers.topics(item.queue_id, staff_id), WorkState.done.value,
                item=item.id)
    if member_of is None:
        member_of = list(conn.execute(_QUEUES_OF, {"staff": staff_id}).scalars())
    offers.dispatch(session, member_of, now)
    return held
