"""The offer path's prebuilt Core writes (routing/offers.py) write the same rows, and leave
the same audit rows, as the ORM writes they replaced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.routing import offers, queues
from sigap.routing import service as presence
from sigap.routing.models import AgentSlot, Offer, WorkItem, WorkState
from tests.routing.helpers import at, chat, routed


def _orm_take(session: Session, item_id: int, staff_id: int, channel: str,
              offer_seconds: int, now: dt.datetime) -> None:
    """The ORM offer as it was written before the prebuilt statements."""
    slot = session.scalar(
        select(AgentSlot).where(AgentSlot.staff_id == staff_id, AgentSlot.channel == channel,
                                AgentSlot.used < AgentSlot.capacity)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    item = session.scalar(
        select(WorkItem).where(WorkItem.id == item_id, WorkItem.state == WorkState.waiting)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))
    assert slot is not None and item is not None
    slot.used += 1
    item.state, item.agent_id = WorkState.offered, staff_id
    item.offered_at = now
    item.offer_expires_at = now + dt.timedelta(seconds=offer_seconds)
    item.offers += 1
    session.add(Offer(item_id=item.id, staff_id=staff_id, offered_at=now))
    session.flush()


def _pending(session: Session, new_ids: dict[str, int]) -> list[tuple[Any, ...]]:
    """The audit rows waiting for the commit, without their time; the id of a row created
    in the transaction (a sequence on PostgreSQL moves on after a rollback) as "new"."""
    rows = []
    for row in session.info.get("sigap.audit_pending", []):
        detail = dict(row["detail"])
        entity_id = row["entity_id"]
        if row["action"].endswith(".create") and entity_id == str(new_ids[row["entity"]]):
            entity_id = "new"
            detail["changes"] = {**detail["changes"], "id": [None, "new"]}
        rows.append((row["action"], row["entity"], entity_id, row["user_id"], detail))
    return sorted(rows, key=repr)


def _rows(session: Session, item_id: int, staff_id: int) -> tuple[Any, ...]:
    item = session.execute(select(WorkItem.__table__).where(WorkItem.id == item_id)).one()
    slot = session.execute(select(AgentSlot.__table__).where(
        AgentSlot.staff_id == staff_id)).one()
    offer = session.execute(select(Offer.item_id, Offer.staff_id, Offer.offered_at,
                                   Offer.outcome, Offer.ended_at)
                            .where(Offer.item_id == item_id)).all()
    return tuple(item), tuple(slot), [tuple(o) for o in offer]


def test_the_prebuilt_offer_writes_the_rows_and_audit_rows_the_orm_wrote(
        session: Session) -> None:
    r = routed(session, offer_seconds=45)
    agent = r.world.agent_a.id
    item = chat(session, 1, 5)  # nobody is ready: it waits
    assert item is not None and item.state == "waiting"
    presence.set_state(session, agent, "ready", at=at(6))  # no dispatch
    queues.ensure_slots(session, agent)
    session.commit()
    item_id, now = item.id, at(10)

    info = queues.find_queue(session, "whatsapp")
    assert info is not None and info.offer_seconds == 45
    assert offers.take(session, item_id, agent, info, now)
    core_rows = _rows(session, item_id, agent)
    core_offer = session.scalar(select(Offer.id).where(Offer.item_id == item_id))
    assert core_offer is not None
    core_audit = _pending(session, {"offers": core_offer})
    session.rollback()

    _orm_take(session, item_id, agent, "whatsapp", 45, now)
    orm_rows = _rows(session, item_id, agent)
    orm_offer = session.scalar(select(Offer.id).where(Offer.item_id == item_id))
    assert orm_offer is not None
    orm_audit = _pending(session, {"offers": orm_offer})
    session.rollback()

    assert core_rows == orm_rows
    assert core_rows[0][WorkItem.__table__.c.keys().index("offer_expires_at")] == at(55)
    assert core_rows[1][AgentSlot.__table__.c.keys().index("used")] == 1
    assert core_audit == orm_audit
    assert [a for a, *_ in core_audit] == ["agent_slots.update", "offers.create",
                                           "work_items.update"]


def test_a_prebuilt_queue_insert_writes_what_the_orm_wrote(session: Session) -> None:
    r = routed(session)
    session.commit()
    work = offers.Work(kind="conversation", ref_id=9, channel="whatsapp", title="chat 9",
                       priority=True, sticky_agent_id=r.world.agent_a.id)
    made = offers.queue_work(session, work, now=at(3))  # nobody ready: it only waits
    assert made is not None
    core_rows = session.execute(select(WorkItem.__table__).where(WorkItem.id == made)).one()
    core_audit = _pending(session, {"work_items": made})
    session.rollback()

    item = WorkItem(kind="conversation", ref_id=9, queue_id=r.queue.id, channel="whatsapp",
                    title="chat 9", priority=True, due_at=None, arrived_at=at(3),
                    sticky_agent_id=r.world.agent_a.id, state=WorkState.waiting)
    session.add(item)
    session.flush()
    orm_rows = session.execute(select(WorkItem.__table__).where(WorkItem.id == item.id)).one()
    orm_audit = _pending(session, {"work_items": item.id})
    session.rollback()

    assert tuple(core_rows)[1:] == tuple(orm_rows)[1:]  # all but the id
    assert core_audit == orm_audit
    assert core_audit[0][4]["changes"]["priority"] == [None, True]


def test_an_item_taken_meanwhile_leaves_the_slot_free_and_writes_no_audit(
        session: Session) -> None:
    r = routed(session)
    agent = r.world.agent_a.id
    item = chat(session, 1, 5)
    assert item is not None
    presence.set_state(session, agent, "ready", at=at(6))
    queues.ensure_slots(session, agent)
    session.commit()
    info = queues.find_queue(session, "whatsapp")
    assert info is not None
    item.state = WorkState.withdrawn  # gone before the claim
    session.flush()
    before = len(session.info.get(audit._PENDING, []))
    assert not offers.take(session, item.id, agent, info, at(10))
    slot = session.get(AgentSlot, (agent, "whatsapp"))
    session.refresh(slot)
    assert slot is not None and slot.used == 0
    assert len(session.info.get(audit._PENDING, [])) == before
    session.rollback()
