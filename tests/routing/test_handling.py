"""Accept and finish on prebuilt Core statements (routing/handling.py) write the same rows,
and leave the same audit rows, as the ORM path in assignment.py; what they leave to it
still gets its answer there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.errors import Conflict, NotFound
from sigap.org.models import Staff
from sigap.routing import assignment, handling
from sigap.routing.models import (
    AgentSlot,
    Offer,
    Presence,
    PresenceChange,
    WorkItem,
)
from tests.routing.helpers import at, chat, ready, routed
from tests.tickets.helpers import actor


def _pending(session: Session) -> list[tuple[Any, ...]]:
    """The audit rows waiting for the commit, without their time; a presence change made
    in the transaction (its id differs between runs on PostgreSQL) as "new"."""
    rows = []
    for row in session.info.get("sigap.audit_pending", []):
        detail = dict(row["detail"])
        entity_id = row["entity_id"]
        if row["action"] == "presence_changes.create":
            entity_id = "new"
            detail["changes"] = {**detail["changes"], "id": [None, "new"]}
        rows.append((row["action"], row["entity"], entity_id, row["user_id"],
                     row["login_code"], detail))
    return sorted(rows, key=repr)


def _rows(session: Session, item_id: int, staff_id: int) -> tuple[Any, ...]:
    def table(model: Any, *where: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in session.execute(select(model.__table__).where(*where))]

    changes = session.execute(select(
        PresenceChange.staff_id, PresenceChange.at, PresenceChange.state,
        PresenceChange.reason, PresenceChange.previous, PresenceChange.previous_seconds,
        PresenceChange.source).where(PresenceChange.staff_id == staff_id)
        .order_by(PresenceChange.id)).all()
    return (table(WorkItem, WorkItem.id == item_id),
            table(AgentSlot, AgentSlot.staff_id == staff_id),
            table(Offer, Offer.item_id == item_id),
            table(Presence, Presence.staff_id == staff_id),
            [tuple(c) for c in changes])


def _both(session: Session, core: Callable[[], handling.Held | None],
          orm: Callable[[], Any], item_id: int, staff_id: int
          ) -> tuple[handling.Held, tuple[Any, ...], list[Any], tuple[Any, ...], list[Any]]:
    held = core()
    assert held is not None, "the Core path was expected to take this"
    core_rows, core_audit = _rows(session, item_id, staff_id), _pending(session)
    core_live = dict(session.info.get("sigap_txn", {}).get("live", {}))
    session.rollback()
    orm()
    orm_rows, orm_audit = _rows(session, item_id, staff_id), _pending(session)
    orm_live = dict(session.info.get("sigap_txn", {}).get("live", {}))
    session.rollback()
    assert core_live == orm_live  # the same live events
    return held, core_rows, core_audit, orm_rows, orm_audit


def _offered(session: Session) -> tuple[int, int, Actor]:
    r = routed(session)
    ready(session, r.world.agent_a.id, 0)
    item = chat(session, 1, 5)
    assert item is not None and item.agent_id == r.world.agent_a.id
    session.commit()
    staff = session.get(Staff, r.world.agent_a.id)
    assert staff is not None
    return item.id, staff.id, actor(session, staff)


def test_accept_writes_the_rows_and_audit_rows_of_the_orm(session: Session) -> None:
    item_id, agent, who = _offered(session)
    now = at(12)
    held, core_rows, core_audit, orm_rows, orm_audit = _both(
        session, lambda: handling.accept(session, agent, item_id, now),
        lambda: assignment._accept(session, who, item_id, now), item_id, agent)
    assert core_rows == orm_rows
    assert core_audit == orm_audit
    assert [a for a, *_ in core_audit] == [
        "offers.update", "presence.update", "presence_changes.create", "work_items.update"]
    assert held.state == "assigned" and held.assigned_at == now and held.agent_id == agent
    assert core_rows[3][0][1] == "busy"


def test_finish_writes_the_rows_and_audit_rows_of_the_orm(session: Session) -> None:
    item_id, agent, who = _offered(session)
    assignment.accept(session, who, item_id, now=at(12))
    second = chat(session, 2, 20)  # the agent has room for three chats: offered at once
    assert second is not None and second.agent_id == agent
    assignment.accept(session, who, second.id, now=at(21))
    session.commit()
    now = at(90)
    # Two held: finishing one keeps the agent busy.
    held, core_rows, core_audit, orm_rows, orm_audit = _both(
        session, lambda: handling.finish(session, agent, item_id, now),
        lambda: assignment._finish(session, who, item_id, now), item_id, agent)
    assert core_rows == orm_rows and core_audit == orm_audit
    assert held.state == "done" and held.ended_at == now
    assert [a for a, *_ in core_audit] == ["agent_slots.update", "work_items.update"]
    # The last one held: the agent is ready again and the slot's idle clock starts.
    assignment.finish(session, who, item_id, now=now)
    session.commit()
    later = at(120)
    held, core_rows, core_audit, orm_rows, orm_audit = _both(
        session, lambda: handling.finish(session, agent, second.id, later),
        lambda: assignment._finish(session, who, second.id, later), second.id, agent)
    assert core_rows == orm_rows and core_audit == orm_audit
    assert [a for a, *_ in core_audit] == [
        "agent_slots.update", "presence.update", "presence_changes.create",
        "work_items.update"]
    assert core_rows[1][0][AgentSlot.__table__.c.keys().index("idle_since")] == later


@pytest.mark.parametrize("case", ["expired", "not_mine", "missing", "finished_twice"])
def test_what_the_core_path_leaves_to_the_orm_gets_its_answer(
        session: Session, case: str) -> None:
    item_id, agent, who = _offered(session)
    if case == "expired":
        assert handling.accept(session, agent, item_id, at(500)) is None
        with pytest.raises(Conflict):
            assignment.accept(session, who, item_id, now=at(500))
    elif case == "not_mine":
        assert handling.accept(session, agent + 1, item_id, at(6)) is None
    elif case == "missing":
        assert handling.accept(session, agent, 999_999, at(6)) is None
        with pytest.raises(NotFound):
            assignment.accept(session, who, 999_999, now=at(6))
    else:
        assignment.accept(session, who, item_id, now=at(6))
        assignment.finish(session, who, item_id, now=at(7))
        assert handling.finish(session, agent, item_id, at(8)) is None
        with pytest.raises(Conflict):
            assignment.finish(session, who, item_id, now=at(8))


def test_the_orm_objects_in_the_session_follow_the_core_writes(session: Session) -> None:
    item_id, agent, who = _offered(session)
    item = session.get(WorkItem, item_id)
    mine = session.get(Presence, agent)
    slot = session.get(AgentSlot, (agent, "whatsapp"))
    assert item is not None and mine is not None and slot is not None
    assignment.accept(session, who, item_id, now=at(12))
    assert (item.state, mine.state, slot.used) == ("assigned", "busy", 1)
    assignment.finish(session, who, item_id, now=at(40))
    assert (item.state, item.ended_at, mine.state) == ("done", at(40), "ready")
    assert (slot.used, slot.idle_since) == (0, at(40))
    assert dt.timedelta(seconds=0) <= at(40) - item.assigned_at  # type: ignore[operator]
