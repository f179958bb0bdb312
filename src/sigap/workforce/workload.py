"""Agents for deferred work (email: a response-time deadline) and for chat (concurrency).

Deferred work does not queue in real time: an email may wait until its deadline, so what is
needed is enough working time between its arrival and its deadline. Work arriving in an
interval is taken to arrive at the interval's end (it can rarely be started sooner), so an
item from interval i has the window of the next d = ⌊deadline / interval⌋ intervals.

- `deferred_staff` gives a per-interval profile: each interval's workload spread evenly
  over its window (feasible by construction; the usual way to roster email).
- `deferred_level` gives the least constant number of agents for the whole horizon that
  clears everything by its deadline working earliest-deadline-first: for every run of
  arrival intervals i…j the work must fit in the time from i's window start to j's
  deadline, (j − i) × interval + deadline. Work is treated as divisible between agents.

Chat: an agent holds up to `concurrency` chats, so Erlang counts chat slots; the least
agents is ⌈slots / concurrency⌉ in integer arithmetic, which is exact because k agents
meet the targets exactly when k × concurrency slots do. The chat AHT is the handle time
at that concurrency. Shrinkage and occupancy follow `erlang` (same exactness rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sigap.workforce.erlang import performance, staff
from sigap.workforce.threshold import ceil_exact, floor_exact

Float = NDArray[np.float64]
Int = NDArray[np.int64]


@dataclass(frozen=True)
class DeferredStaffing:
    raw_agents: Int  # per interval, working (before shrinkage)
    agents: Int  # per interval, to schedule
    workload_hours: Float  # work arriving per interval
    window_intervals: int  # d: intervals between arrival and deadline


@dataclass(frozen=True)
class ChatStaffing:
    slots: Int  # concurrent chat slots Erlang asks for
    raw_agents: Int  # agents logged in (before shrinkage)
    agents: Int  # to schedule
    service_level: Float
    asa_seconds: Float
    occupancy: Float  # per slot
    waiting_probability: Float
    abandon_rate: Float


def _window(interval_minutes: float, deadline_minutes: float) -> int:
    if not interval_minutes > 0:
        raise ValueError("interval_minutes must be > 0")
    d = int(floor_exact(np.float64(deadline_minutes / interval_minutes)))
    if d < 1:
        raise ValueError("deadline_minutes must be at least one interval (use Erlang for "
                         "work answered within the interval)")
    return d


def _productive(shrinkage: float, unplanned: float) -> float:
    if not (0 <= shrinkage < 1 and 0 <= unplanned < 1):
        raise ValueError("shrinkage and unplanned_shrinkage must be in [0, 1)")
    return (1.0 - shrinkage) * (1.0 - unplanned)


def _work(volume: ArrayLike, aht_seconds: ArrayLike, max_occupancy: float) -> Float:
    vol = np.asarray(volume, dtype=np.float64)
    if vol.ndim != 1:
        raise ValueError("volume must be one value per consecutive interval")
    work = vol * np.asarray(aht_seconds, dtype=np.float64)
    if not np.all(np.isfinite(work) & (work >= 0)):
        raise ValueError("volume and aht_seconds must be finite and ≥ 0")
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    return np.asarray(np.broadcast_to(work, vol.shape), dtype=np.float64)


def deferred_staff(volume: ArrayLike, interval_minutes: float, aht_seconds: ArrayLike,
                   deadline_minutes: float, shrinkage: float = 0.0,
                   max_occupancy: float = 1.0, unplanned_shrinkage: float = 0.0
                   ) -> DeferredStaffing:
    """Agents per interval: each interval's work spread over its deadline window.

    The profile covers the arrival intervals plus the d intervals after them, so the last
    arrivals are staffed too (the result is d intervals longer than `volume`).
    """
    work = _work(volume, aht_seconds, max_occupancy)
    d = _window(interval_minutes, deadline_minutes)
    productive = _productive(shrinkage, unplanned_shrinkage)
    padded = np.concatenate([[0.0], work, np.zeros(d)])
    running = np.cumsum(padded)
    # interval s (0-based over the extended horizon) serves arrivals s−d … s−1
    s = np.arange(work.size + d)
    window_sum = running[s] - running[np.maximum(s - d, 0)]
    per_agent = d * interval_minutes * 60.0 * max_occupancy
    raw = ceil_exact(window_sum / per_agent)
    agents = np.where(raw > 0, ceil_exact(raw / productive), 0)
    return DeferredStaffing(raw_agents=raw, agents=agents, workload_hours=work / 3600.0,
                            window_intervals=d)


def deferred_level(volume: ArrayLike, interval_minutes: float, aht_seconds: ArrayLike,
                   deadline_minutes: float, shrinkage: float = 0.0,
                   max_occupancy: float = 1.0, unplanned_shrinkage: float = 0.0
                   ) -> tuple[int, int]:
    """(working, scheduled): the least constant agents clearing all work by its deadline."""
    work = _work(volume, aht_seconds, max_occupancy)
    _window(interval_minutes, deadline_minutes)
    productive = _productive(shrinkage, unplanned_shrinkage)
    if work.size == 0 or not np.any(work > 0):
        return 0, 0
    running = np.concatenate([[0.0], np.cumsum(work)])
    i = np.arange(work.size)[:, None]
    j = np.arange(work.size)[None, :]
    amount = running[j + 1] - running[i]
    span = ((j - i) * interval_minutes + deadline_minutes) * 60.0 * max_occupancy
    upper = np.broadcast_to(j >= i, amount.shape)
    ratio = np.divide(amount, span, out=np.zeros(amount.shape), where=upper)
    raw = int(ceil_exact(np.float64(ratio.max())))
    return raw, int(ceil_exact(np.float64(raw / productive))) if raw else 0


def chat_staff(volume: ArrayLike, interval_minutes: ArrayLike, aht_seconds: ArrayLike,
               concurrency: ArrayLike, target_service_level: ArrayLike,
               target_answer_seconds: ArrayLike, shrinkage: ArrayLike = 0.0,
               max_occupancy: ArrayLike = 1.0, patience_seconds: ArrayLike | None = None,
               *, unplanned_shrinkage: ArrayLike = 0.0) -> ChatStaffing:
    """Agents per interval for chat, each agent holding up to `concurrency` chats."""
    conc = np.asarray(concurrency)
    if not np.all((conc >= 1) & (np.floor(conc) == conc)):
        raise ValueError("concurrency must be a whole number ≥ 1")
    slots = staff(volume, interval_minutes, aht_seconds, target_service_level,
                  target_answer_seconds, 0.0, max_occupancy, patience_seconds)
    conc_i = conc.astype(np.int64)
    raw = -(-slots.raw_agents // conc_i)  # ⌈slots / concurrency⌉ in integers
    productive = (1.0 - np.asarray(shrinkage, float)) * (1.0 - np.asarray(unplanned_shrinkage,
                                                                          float))
    if not np.all((productive > 0) & (productive <= 1)):
        raise ValueError("shrinkage and unplanned_shrinkage must be in [0, 1)")
    agents = np.where(raw > 0, ceil_exact(raw / productive), 0)
    # what the rounded-up agents achieve with all their slots open
    perf = performance(raw * conc_i, volume, interval_minutes, aht_seconds,
                       target_answer_seconds, patience_seconds)
    return ChatStaffing(slots=slots.raw_agents, raw_agents=np.asarray(raw),
                        agents=np.asarray(agents), service_level=perf.service_level,
                        asa_seconds=perf.asa_seconds, occupancy=perf.occupancy,
                        waiting_probability=perf.waiting_probability,
                        abandon_rate=perf.abandon_rate)
