"""Agent time per interval from time spans: busy, available, and occupancy per queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from sigap.workforce.simulation import Day

Float = NDArray[np.float64]


def seconds_per_interval(starts: Float, ends: Float, step: float, intervals: int) -> Float:
    """Seconds of [start, end) spans that fall in each interval [k·step, (k+1)·step).

    F(b) = Σ (min(b, end) − start) over spans starting before b is the covered time before b;
    each interval's share is the difference of F at its two edges.
    """
    edges = np.arange(intervals + 1) * step
    s = np.sort(np.asarray(starts, dtype=np.float64))
    e = np.sort(np.asarray(ends, dtype=np.float64))
    cs = np.concatenate([[0.0], np.cumsum(s)])
    ce = np.concatenate([[0.0], np.cumsum(e)])
    ns = np.searchsorted(s, edges, side="left")
    ne = np.searchsorted(e, edges, side="left")
    covered = (edges * ns - cs[ns]) - (edges * ne - ce[ne])
    return np.diff(covered)


def occupancy_by_interval(day: Day, spans: Sequence[Sequence[float]],
                          served_by: Sequence[int], answered_at: Float, handle: Float,
                          step: float, intervals: int) -> Float:
    """Busy ÷ available time of the agents with each queue's skill, per interval."""
    n_agents = len(day.agents)
    agent = np.asarray(served_by, dtype=np.int64)
    answered = agent >= 0
    start = answered_at[answered]
    end = start + handle[answered]
    who = agent[answered]
    order = np.argsort(who, kind="stable")
    who, start, end = who[order], start[order], end[order]
    bounds = np.searchsorted(who, np.arange(n_agents + 1))
    busy = np.zeros((n_agents, intervals))
    avail = np.zeros((n_agents, intervals))
    for i in range(n_agents):
        lo, hi = bounds[i], bounds[i + 1]
        if hi > lo:
            busy[i] = seconds_per_interval(start[lo:hi], end[lo:hi], step, intervals)
        pairs = np.asarray(spans[i], dtype=np.float64).reshape(-1, 2)
        if pairs.size:
            avail[i] = seconds_per_interval(pairs[:, 0], pairs[:, 1], step, intervals)
    index = {q.name: k for k, q in enumerate(day.queues)}
    skill = np.zeros((len(day.queues), n_agents))
    for i, person in enumerate(day.agents):
        for name in person.skills:
            if name in index:
                skill[index[name], i] = 1.0
    b = skill @ busy
    a = skill @ avail
    # busy time lies inside available time; the clip only removes rounding of the sums
    return np.clip(np.divide(b, a, out=np.zeros_like(b), where=a > 0), 0.0, 1.0)
