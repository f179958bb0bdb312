"""The live floor (issue 5 §5): a wallboard per queue and per site, and the team leader's
view of the team's agents, their states and current work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.core.clock import utcnow
from sigap.core.timezones import DEFAULT_ZONE
from sigap.org.models import Site, Staff
from sigap.routing.models import AgentState, Presence, Queue, QueueMember, WorkItem, WorkState
from sigap.routing.surge import load, open_surge


@dataclass(frozen=True)
class AgentRow:
    staff_id: int
    name: str
    state: str
    reason: str
    seconds: int
    work: tuple[str, ...] = ()  # titles of what is offered to / held by the agent


@dataclass
class QueueBoard:
    queue: Queue
    waiting: int
    oldest_seconds: int
    offered_today: int
    handled: int
    abandoned: int
    service_level: float | None  # % answered within the threshold (abandons count)
    asa_seconds: float | None
    surging: bool
    agents: list[AgentRow] = field(default_factory=list)

    @property
    def states(self) -> dict[str, int]:
        counts = {s.value: 0 for s in AgentState}
        for agent in self.agents:
            counts[agent.state] = counts.get(agent.state, 0) + 1
        return counts


def day_start(now: dt.datetime, zone: str) -> dt.datetime:
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _zone(session: Session, queue: Queue) -> str:
    if queue.site_id is None:
        return DEFAULT_ZONE
    site = session.get(Site, queue.site_id)
    return site.timezone if site is not None else DEFAULT_ZONE


def agents(session: Session, staff_ids: Sequence[int], now: dt.datetime) -> list[AgentRow]:
    if not staff_ids:
        return []
    rows = session.execute(
        select(Staff.id, Staff.online_name, Presence.state, Presence.reason, Presence.since)
        .outerjoin(Presence, Presence.staff_id == Staff.id)
        .where(Staff.id.in_(staff_ids), Staff.active.is_(True))
        .order_by(Staff.online_name)).all()
    work: dict[int, list[str]] = {}
    for agent_id, title, state in session.execute(
            select(WorkItem.agent_id, WorkItem.title, WorkItem.state).where(
                WorkItem.agent_id.in_(staff_ids),
                WorkItem.state.in_((WorkState.offered, WorkState.assigned)))):
        if agent_id is not None:
            work.setdefault(agent_id, []).append(f"{title} ({state})")
    return [AgentRow(sid, name, state or AgentState.offline, reason or "",
                     max(0, int((now - since).total_seconds())) if since else 0,
                     tuple(work.get(sid, ())))
            for sid, name, state, reason, since in rows]


def queue_board(session: Session, queue: Queue, now: dt.datetime | None = None) -> QueueBoard:
    now = now or utcnow()
    since = day_start(now, _zone(session, queue))
    current = load(session, queue.id, now)
    today = (WorkItem.queue_id == queue.id, WorkItem.arrived_at >= since)
    offered_today = session.scalar(select(func.count()).where(*today)) or 0
    abandoned = session.scalar(select(func.count()).where(
        *today, WorkItem.state == WorkState.withdrawn, WorkItem.assigned_at.is_(None))) or 0
    waits = [(assigned - arrived).total_seconds() for arrived, assigned in session.execute(
        select(WorkItem.arrived_at, WorkItem.assigned_at).where(
            *today, WorkItem.assigned_at.is_not(None))) if assigned is not None]
    handled = len(waits)
    within = sum(1 for w in waits if w <= queue.sl_seconds)
    denominator = handled + abandoned
    members = list(session.scalars(select(QueueMember.staff_id)
                                   .where(QueueMember.queue_id == queue.id)))
    return QueueBoard(
        queue=queue, waiting=current.waiting, oldest_seconds=current.oldest_seconds,
        offered_today=offered_today, handled=handled, abandoned=abandoned,
        service_level=round(100 * within / denominator, 1) if denominator else None,
        asa_seconds=round(sum(waits) / handled, 1) if handled else None,
        surging=open_surge(session, queue.id) is not None,
        agents=agents(session, members, now))


def sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.code)))


def site_boards(session: Session, site_id: int,
                now: dt.datetime | None = None) -> list[QueueBoard]:
    """Every active queue of the site (and the shared ones) on one board."""
    queues = session.scalars(select(Queue).where(
        Queue.active.is_(True), (Queue.site_id == site_id) | Queue.site_id.is_(None))
        .order_by(Queue.priority.desc(), Queue.name)).all()
    return [queue_board(session, q, now) for q in queues]


def team_floor(session: Session, team_ids: Sequence[int],
               now: dt.datetime | None = None) -> list[AgentRow]:
    now = now or utcnow()
    staff_ids = list(session.scalars(select(Staff.id).where(Staff.team_id.in_(team_ids),
                                                            Staff.active.is_(True))))
    return agents(session, staff_ids, now)
