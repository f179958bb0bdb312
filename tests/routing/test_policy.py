"""Who gets which item, without a database (issue 5 §3): property tests of the plan."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from sigap.routing.policy import Candidate, Waiting, choose, ordered, plan

T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=1)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


items = st.lists(st.builds(
    Waiting, item_id=st.integers(1, 10_000), priority=st.booleans(),
    arrived_at=st.integers(0, 50).map(at),
    due_at=st.one_of(st.none(), st.integers(0, 120).map(at)),
    sticky_agent_id=st.one_of(st.none(), st.integers(1, 8))),
    max_size=40, unique_by=lambda w: w.item_id)
agents = st.lists(st.builds(
    Candidate, staff_id=st.integers(1, 8), free=st.integers(0, 3),
    idle_since=st.integers(0, 50).map(at), level=st.integers(0, 5),
    priority_ok=st.booleans()), max_size=8, unique_by=lambda c: c.staff_id)


@settings(max_examples=400, deadline=None)
@given(items, agents, st.integers(1, 5))
def test_the_plan_respects_capacity_eligibility_and_gives_each_item_once(
        waiting: list[Waiting], pool: list[Candidate], min_level: int) -> None:
    pairs = plan(waiting, pool, min_level, NOW)
    by_id = {a.staff_id: a for a in pool}
    items_by_id = {w.item_id: w for w in waiting}
    assert len({item for item, _ in pairs}) == len(pairs)  # never two agents for one item
    load = Counter(agent for _, agent in pairs)
    for agent, count in load.items():
        assert count <= by_id[agent].free  # capacity never exceeded
    for item_id, agent_id in pairs:
        agent, item = by_id[agent_id], items_by_id[item_id]
        assert agent.level >= min_level
        assert agent.priority_ok or not item.priority  # D22
    # Nothing left waiting that a free eligible agent could still have taken.
    left = {a: by_id[a].free - load[a] for a in by_id}
    taken = {item for item, _ in pairs}
    for item in waiting:
        if item.item_id not in taken:
            assert not any(left[a.staff_id] > 0 and a.level >= min_level
                           and (a.priority_ok or not item.priority) for a in pool)


@settings(max_examples=200, deadline=None)
@given(items)
def test_priority_customers_come_first_then_the_nearest_deadline_then_age(
        waiting: list[Waiting]) -> None:
    order = ordered(waiting)
    flags = [w.priority for w in order]
    assert flags == sorted(flags, reverse=True)
    for a, b in itertools.pairwise(order):
        if a.priority == b.priority and a.due_at and b.due_at:
            assert a.due_at <= b.due_at


def test_longest_idle_sticky_owner_and_exclusions() -> None:
    item = Waiting(1, False, at(0))
    early = Candidate(1, free=1, idle_since=at(1))
    late = Candidate(2, free=1, idle_since=at(5))
    assert choose(item, [late, early], 1) == early
    sticky = Waiting(2, False, at(0), sticky_agent_id=2)
    assert choose(sticky, [late, early], 1) == late  # back to the owner when free
    full_owner = Candidate(2, free=0, idle_since=at(5))
    assert choose(sticky, [full_owner, early], 1) == early  # owner busy: next agent
    assert choose(item, [early], 1, excluded=[1]) is None  # declined it a moment ago
    vip = Waiting(3, True, at(0))
    cleared = Candidate(3, free=1, idle_since=at(30), priority_ok=True)
    assert choose(vip, [early, cleared], 1) == cleared
    assert choose(vip, [early], 1) is None
    novice = Candidate(4, free=1, idle_since=at(0), level=1)
    assert choose(item, [novice, late], 3) is None


def test_after_an_offer_the_next_item_goes_to_the_next_longest_idle() -> None:
    pool = [Candidate(1, free=3, idle_since=at(0)), Candidate(2, free=3, idle_since=at(1))]
    pairs = plan([Waiting(i, False, at(i)) for i in range(1, 5)], pool, 1, NOW)
    assert pairs == [(1, 1), (2, 2), (3, 1), (4, 2)]
