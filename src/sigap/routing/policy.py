"""Who gets which waiting item (issue 5 §3), without I/O.

Items are served priority customers first, then by SLA urgency (the nearest deadline),
then by age. Each goes to the eligible agent who has been idle longest on its channel; a
follow-up goes back to the agent who owns the ticket when that agent is present and free.
Eligible: a free slot on the channel, the queue's skill at its level, and for a priority
customer an agent cleared for priority customers (D22).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Waiting:
    item_id: int
    priority: bool
    arrived_at: dt.datetime
    due_at: dt.datetime | None = None
    sticky_agent_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    staff_id: int
    free: int  # free slots on the channel
    idle_since: dt.datetime
    level: int = 1  # level in the queue's skill; 0 = lacks it
    priority_ok: bool = False


def order_key(item: Waiting) -> tuple[bool, dt.datetime, dt.datetime, int]:
    return (not item.priority, item.due_at or _FAR, item.arrived_at, item.item_id)


def ordered(items: Iterable[Waiting]) -> list[Waiting]:
    return sorted(items, key=order_key)


def eligible(item: Waiting, agent: Candidate, min_level: int) -> bool:
    return (agent.free > 0 and agent.level >= max(1, min_level)
            and (agent.priority_ok or not item.priority))


def choose(item: Waiting, agents: Sequence[Candidate], min_level: int,
           excluded: Iterable[int] = ()) -> Candidate | None:
    """The agent for `item`: its sticky owner when eligible, else the longest idle."""
    skip = set(excluded)
    fit = [a for a in agents if a.staff_id not in skip and eligible(item, a, min_level)]
    if not fit:
        return None
    for agent in fit:
        if agent.staff_id == item.sticky_agent_id:
            return agent
    return min(fit, key=lambda a: (a.idle_since, a.staff_id))


def plan(items: Iterable[Waiting], agents: Sequence[Candidate], min_level: int,
         now: dt.datetime, excluded: Mapping[int, Iterable[int]] | None = None
         ) -> list[tuple[int, int]]:
    """(item, agent) pairs for as many waiting items as the free capacity allows. An agent
    who gets an item stops being idle, so the next item goes to the next longest idle."""
    pool = {a.staff_id: a for a in agents}
    pairs: list[tuple[int, int]] = []
    for item in ordered(items):
        agent = choose(item, list(pool.values()), min_level,
                       (excluded or {}).get(item.item_id, ()))
        if agent is None:
            continue
        pairs.append((item.item_id, agent.staff_id))
        # Stamped in order, so the agents just served queue up behind in turn.
        busy_since = now + dt.timedelta(microseconds=len(pairs))
        pool[agent.staff_id] = replace(agent, free=agent.free - 1, idle_since=busy_since)
    return pairs
