"""Surges (D18): a queue whose waiting count or oldest wait passes its threshold.

Desk Control is alerted when one starts; overflow moves waiting work to the backup queue
(automatically when the queue says so, or by hand); each surge is kept with its start,
end, peak and actions for the QIA recovery report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.org import alerts
from sigap.org.models import Role, Staff
from sigap.routing import assignment, live, queues
from sigap.routing.models import Queue, Surge, WorkItem, WorkState


@dataclass(frozen=True)
class Load:
    waiting: int
    oldest_seconds: int


def load(session: Session, queue_id: int, now: dt.datetime) -> Load:
    count, oldest = session.execute(select(func.count(), func.min(WorkItem.arrived_at)).where(
        WorkItem.queue_id == queue_id, WorkItem.state == WorkState.waiting)).one()
    age = int((now - oldest).total_seconds()) if oldest is not None else 0
    return Load(int(count), max(0, age))


def surging(queue: Queue, current: Load) -> bool:
    return ((queue.surge_waiting > 0 and current.waiting >= queue.surge_waiting)
            or (queue.surge_wait_seconds > 0
                and current.oldest_seconds >= queue.surge_wait_seconds))


def open_surge(session: Session, queue_id: int) -> Surge | None:
    return session.scalar(select(Surge).where(Surge.queue_id == queue_id,
                                              Surge.ended_at.is_(None)))


def _desk_control(session: Session, queue: Queue) -> list[int]:
    stmt = select(Staff.id).where(Staff.role == Role.desk_control, Staff.active.is_(True))
    if queue.site_id is not None:
        stmt = stmt.where(Staff.site_id == queue.site_id)
    return list(session.scalars(stmt))


def _act(surge: Surge, action: str, by: str, now: dt.datetime, **detail: object) -> None:
    surge.actions = [*surge.actions, {"at": now.isoformat(), "action": action, "by": by,
                                      **detail}]


def check(session: Session, now: dt.datetime | None = None) -> list[Surge]:
    """Start, follow and end surges on every watched queue; overflow where automatic."""
    now = now or utcnow()
    changed = []
    for queue in session.scalars(select(Queue).where(
            Queue.active.is_(True),
            (Queue.surge_waiting > 0) | (Queue.surge_wait_seconds > 0))).all():
        current = load(session, queue.id, now)
        surge = open_surge(session, queue.id)
        if surging(queue, current):
            if surge is None:
                surge = Surge(queue_id=queue.id, started_at=now, actions=[], peak_waiting=0,
                              peak_wait_seconds=0, moved=0)
                session.add(surge)
                _act(surge, "start", "system", now, waiting=current.waiting,
                     oldest_seconds=current.oldest_seconds)
                alerts.alert(session, _desk_control(session, queue), "surge",
                             f"Lonjakan di antrian {queue.name}: {current.waiting} menunggu, "
                             f"terlama {current.oldest_seconds // 60} menit.",
                             f"/wallboard/{queue.id}")
            surge.peak_waiting = max(surge.peak_waiting, current.waiting)
            surge.peak_wait_seconds = max(surge.peak_wait_seconds, current.oldest_seconds)
            if queue.overflow_auto and queue.overflow_queue_id is not None:
                overflow(session, queue.id, None, "system", now)
            changed.append(surge)
        elif surge is not None:
            surge.ended_at = now
            _act(surge, "end", "system", now, waiting=current.waiting)
            changed.append(surge)
        if changed and changed[-1].queue_id == queue.id:
            live.notify(session, [f"queue:{queue.id}"], "surge", queue=queue.id)
    session.flush()
    return changed


def overflow(session: Session, queue_id: int, count: int | None, by: str,
             now: dt.datetime | None = None, to_queue: int | None = None) -> int:
    """Move the oldest waiting items (all of them when `count` is None) to the backup
    queue; returns how many moved."""
    now = now or utcnow()
    queue = queues.get_queue(session, queue_id)
    target = to_queue or queue.overflow_queue_id
    if target is None:
        raise InvalidInput("Antrian ini tidak punya antrian cadangan.", field="to_queue")
    if target == queue_id:
        raise InvalidInput("Antrian tujuan sama dengan asal.", field="to_queue")
    backup = queues.get_queue(session, target)
    if backup.channel != queue.channel:
        raise InvalidInput("Antrian cadangan harus untuk kanal yang sama.", field="to_queue")
    if count is not None and count < 1:
        raise InvalidInput("Jumlah minimal 1.", field="count")
    stmt = (select(WorkItem).where(WorkItem.queue_id == queue_id,
                                   WorkItem.state == WorkState.waiting)
            .order_by(WorkItem.priority.desc(), WorkItem.arrived_at)
            .with_for_update(skip_locked=True))
    if count is not None:
        stmt = stmt.limit(count)
    moved = list(session.scalars(stmt))
    for item in moved:
        item.queue_id = backup.id
    surge = open_surge(session, queue_id)
    if surge is None:  # a hand overflow outside a surge is still logged
        surge = Surge(queue_id=queue_id, started_at=now, ended_at=now, actions=[],
                      peak_waiting=0, peak_wait_seconds=0, moved=0)
        session.add(surge)
    surge.moved += len(moved)
    _act(surge, "overflow", by, now, to_queue=backup.id, moved=len(moved))
    session.flush()
    if moved:
        live.notify(session, [f"queue:{queue_id}", f"queue:{backup.id}"], "queue")
        assignment.dispatch(session, [backup.id], now)
    return len(moved)


def history(session: Session, queue_ids: list[int] | None = None,
            limit: int = 100) -> list[Surge]:
    stmt = select(Surge).order_by(Surge.started_at.desc()).limit(limit)
    if queue_ids is not None:
        stmt = stmt.where(Surge.queue_id.in_(queue_ids))
    return list(session.scalars(stmt))
