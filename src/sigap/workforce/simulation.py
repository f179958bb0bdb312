"""Discrete-event simulation of a contact-centre day (SimPy), to validate a roster.

Inputs are plain dataclasses so a roster and a forecast from the database, or the CSV files
of `sigap wfm simulate`, can both build a `Day`:

- `Queue`: contacts per interval (Poisson arrivals, uniform inside the interval), AHT per
  interval with a handle-time distribution, mean patience (None: callers never abandon)
  with its distribution, the service-level threshold T, and a priority (1 = first).
- `Agent`: skills (queue → skill priority, 1 = preferred) and working windows (minutes from
  the day's midnight; a shift from 22:00 to 07:00 is 1320–1860, last night's is −120–420)
  with breaks inside them.

Routing follows Sigap's routing (`routing/policy.py`): a new contact goes to the longest-idle
free agent who has its skill; an agent who becomes free takes, from the queues they serve,
the contact of their best skill priority, then the best queue priority, then the oldest.
An agent whose break or shift end falls during a contact finishes it first. A caller whose
patience runs out before an answer abandons.

`simulate(day, seed)` → `Result` with, per queue and interval of arrival: offered, answered,
abandoned, answered within T, service level (answered within T ÷ offered, as Erlang A),
ASA (mean wait of the answered) and occupancy (busy ÷ available time of the agents with
that skill, in that interval). The same seed gives the same result.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import numpy as np
import simpy
from numpy.typing import NDArray

from sigap.workforce.usage import occupancy_by_interval

Kind = Literal["exponential", "lognormal", "fixed"]
KINDS: tuple[Kind, ...] = ("exponential", "lognormal", "fixed")
Steps = Generator[simpy.events.Event, object, None]


@dataclass(frozen=True)
class Window:
    start_minute: float
    end_minute: float


@dataclass(frozen=True)
class Agent:
    name: str
    skills: Mapping[str, int]  # queue name → skill priority (1 = preferred)
    shifts: Sequence[Window]
    breaks: Sequence[Window] = ()


@dataclass(frozen=True)
class Queue:
    name: str
    volumes: Sequence[float]  # expected contacts per interval, from midnight
    aht_seconds: Sequence[float] | float  # mean handle time, per interval or for the day
    answer_seconds: float = 20.0  # T of "X % within T seconds"
    patience_seconds: float | None = None  # mean patience; None: nobody abandons
    priority: int = 1  # among queues, 1 is served first
    handle: Kind = "exponential"
    handle_cv: float = 1.0  # standard deviation ÷ mean (lognormal)
    patience: Kind = "exponential"
    patience_cv: float = 1.0


@dataclass(frozen=True)
class Day:
    queues: Sequence[Queue]
    agents: Sequence[Agent]
    interval_minutes: int = 15


@dataclass(frozen=True)
class Row:
    queue: str
    interval: int
    start_minute: int
    offered: int
    answered: int
    abandoned: int
    answered_in_target: int
    service_level: float
    asa_seconds: float
    occupancy: float


@dataclass(frozen=True)
class Result:
    rows: list[Row]  # per queue, then per interval of arrival
    contacts: int
    unanswered: int = 0  # still waiting when no agent was left (infinite patience)
    # seconds each contact waited for an answer, in arrival order (NaN: not answered)
    waits: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0), repr=False)


def draw(rng: np.random.Generator, kind: Kind, mean: NDArray[np.float64], cv: float
         ) -> NDArray[np.float64]:
    """Samples with the given means: exponential, lognormal (with cv) or fixed."""
    if kind == "exponential":
        return np.asarray(rng.exponential(mean))
    if kind == "lognormal":
        sigma2 = np.log1p(cv * cv)
        return np.asarray(rng.lognormal(np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2)))
    return np.asarray(mean, dtype=np.float64).copy()


def _contacts(day: Day, rng: np.random.Generator) -> tuple[NDArray[np.float64], ...]:
    """Arrival times (s), queue index, handle and abandon times, sorted by arrival."""
    step = day.interval_minutes * 60.0
    times, queue, handle, patience = [], [], [], []
    for qi, q in enumerate(day.queues):
        vol = np.asarray(q.volumes, dtype=np.float64)
        counts = rng.poisson(vol)
        aht = np.broadcast_to(np.asarray(q.aht_seconds, dtype=np.float64), vol.shape)
        starts = np.repeat(np.arange(vol.size) * step, counts)
        t = starts + rng.uniform(0.0, step, starts.size)
        times.append(t)
        queue.append(np.full(t.size, qi))
        handle.append(draw(rng, q.handle, np.repeat(aht, counts), q.handle_cv))
        if q.patience_seconds is None:
            patience.append(np.full(t.size, np.inf))
        else:
            patience.append(draw(rng, q.patience, np.full(t.size, q.patience_seconds),
                                 q.patience_cv))
    arrival = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(arrival, kind="stable")
    pick = [np.concatenate(x)[order] if x else np.zeros(0) for x in (queue, handle, patience)]
    return arrival[order], pick[0], pick[1], arrival[order] + pick[2]


class _Floor:
    """The routing state: free agents per queue (longest idle first) and waiting contacts."""

    def __init__(self, env: simpy.Environment, day: Day, arrival: list[float],
                 queue: list[int], handle: list[float], abandon: list[float]) -> None:
        self.env = env
        self.arrival, self.queue, self.handle, self.abandon = arrival, queue, handle, abandon
        self.answered_at = [np.nan] * len(arrival)
        self.served_by = [-1] * len(arrival)
        index = {q.name: i for i, q in enumerate(day.queues)}
        prio = [q.priority for q in day.queues]
        # per agent: its queues sorted by (skill priority, queue priority)
        self.skills = [sorted(((p, prio[index[name]], index[name])
                               for name, p in a.skills.items() if name in index))
                       for a in day.agents]
        self.free: list[list[tuple[float, int, int]]] = [[] for _ in day.queues]
        self.waiting: list[deque[int]] = [deque() for _ in day.queues]
        n = len(day.agents)
        self.on = [False] * n
        self.busy = [False] * n
        self.leaving = [False] * n
        self.version = [0] * n
        self.current = [-1] * n
        self.spans: list[list[float]] = [[] for _ in range(n)]  # on, off, on, off …

    # --- agents -----------------------------------------------------------------------
    def come_on(self, agent: int) -> None:
        if self.on[agent]:
            self.leaving[agent] = False  # a break that ended during a contact
            return
        self.on[agent] = True
        self.spans[agent].append(self.env.now)
        self._next(agent)

    def go_off(self, agent: int) -> None:
        if not self.on[agent]:
            return
        if self.busy[agent]:
            self.leaving[agent] = True
            return
        self._leave(agent)

    def _leave(self, agent: int) -> None:
        self.on[agent] = False
        self.leaving[agent] = False
        self.version[agent] += 1
        self.spans[agent].append(self.env.now)

    def _next(self, agent: int) -> None:
        """A free agent takes the best waiting contact, or waits for one."""
        now = self.env.now
        best, best_key = -1, (0, 0, 0.0)
        for skill_p, queue_p, q in self.skills[agent]:
            line = self.waiting[q]
            while line and self.abandon[line[0]] <= now:
                line.popleft()  # gave up before anyone was free
            if line:
                key = (skill_p, queue_p, self.arrival[line[0]])
                if best < 0 or key < best_key:
                    best, best_key = q, key
        if best >= 0:
            self._start(agent, self.waiting[best].popleft())
            return
        self.version[agent] += 1
        for _, _, q in self.skills[agent]:
            heapq.heappush(self.free[q], (now, agent, self.version[agent]))

    def _start(self, agent: int, contact: int) -> None:
        self.busy[agent] = True
        self.version[agent] += 1
        self.current[agent] = contact
        self.answered_at[contact] = self.env.now
        self.served_by[contact] = agent
        done = self.env.timeout(self.handle[contact])
        done.callbacks.append(partial(self._finish, agent))

    def _finish(self, agent: int, _event: object = None) -> None:
        self.busy[agent] = False
        self.current[agent] = -1
        if self.leaving[agent]:
            self._leave(agent)
        else:
            self._next(agent)

    # --- contacts ---------------------------------------------------------------------
    def arrive(self, contact: int) -> None:
        q = self.queue[contact]
        heap = self.free[q]
        while heap:
            _, agent, version = heapq.heappop(heap)
            if version == self.version[agent] and self.on[agent] and not self.busy[agent]:
                self._start(agent, contact)
                return
        self.waiting[q].append(contact)


def _arrivals(env: simpy.Environment, floor: _Floor, times: list[float]) -> Steps:
    for contact, t in enumerate(times):
        if t > env.now:
            yield env.timeout(t - env.now)
        floor.arrive(contact)


def _roster(env: simpy.Environment, floor: _Floor, agent: int,
            changes: list[tuple[float, bool]]) -> Steps:
    for t, on in changes:
        if t > env.now:
            yield env.timeout(t - env.now)
        (floor.come_on if on else floor.go_off)(agent)


def _changes(agent: Agent, origin: float) -> list[tuple[float, bool]]:
    """Times (s from the simulation origin) the agent becomes available or not."""
    events: list[tuple[float, int]] = []
    for w in agent.shifts:
        events += [(w.start_minute * 60.0, +1), (w.end_minute * 60.0, -1)]
    for b in agent.breaks:
        events += [(b.start_minute * 60.0, -1), (b.end_minute * 60.0, +1)]
    events.sort(key=lambda e: (e[0], e[1]))
    level, out = 0, []
    for t, delta in events:
        before = level > 0
        level += delta
        if (level > 0) != before:
            out.append((t - origin, level > 0))
    return out


def simulate(day: Day, seed: int = 0,
             progress: Callable[[int, int], None] | None = None) -> Result:
    """Simulate the day once; the same seed gives the same result. `progress` hears
    (hours simulated, hours of arrivals) as the clock passes each hour."""
    rng = np.random.default_rng(seed)
    arrival, queue, handle, abandon = _contacts(day, rng)
    changes = [_changes(a, 0.0) for a in day.agents]
    origin = min([0.0, *(c[0][0] for c in changes if c)])
    env = simpy.Environment(initial_time=origin)
    floor = _Floor(env, day, arrival.tolist(), queue.astype(int).tolist(), handle.tolist(),
                   abandon.tolist())
    env.process(_arrivals(env, floor, floor.arrival))
    for i, c in enumerate(changes):
        if c:
            env.process(_roster(env, floor, i, c))
    if progress is not None and arrival.size:
        # Hour by hour (the same events in the same order as one run), for a progress bar.
        hours = int(np.ceil(float(arrival.max()) / 3600.0)) or 1
        for hour in range(1, hours + 1):
            if hour * 3600.0 > env.now:
                env.run(until=hour * 3600.0)
            progress(hour, hours)
    env.run()
    for spans in floor.spans:
        if len(spans) % 2:  # never left (a shift with no end inside the run)
            spans.append(env.now)
    return _tally(day, floor, arrival, queue, handle, abandon)


def _tally(day: Day, floor: _Floor, arrival: NDArray[np.float64], queue: NDArray[np.float64],
           handle: NDArray[np.float64], abandon: NDArray[np.float64]) -> Result:
    step = day.interval_minutes * 60.0
    intervals = max((len(q.volumes) for q in day.queues), default=0)
    answered_at = np.asarray(floor.answered_at, dtype=np.float64)
    answered = ~np.isnan(answered_at)
    wait = np.where(answered, answered_at - arrival, np.nan)
    gave_up = ~answered & np.isfinite(abandon)
    slot = np.clip((arrival // step).astype(np.int64), 0, max(intervals - 1, 0))
    q_idx = queue.astype(np.int64)
    occupancy = occupancy_by_interval(day, floor.spans, floor.served_by, answered_at,
                                      handle, step, intervals)
    rows = []
    for qi, q in enumerate(day.queues):
        mine = q_idx == qi
        offered = np.bincount(slot[mine], minlength=intervals)
        ans = np.bincount(slot[mine & answered], minlength=intervals)
        aband = np.bincount(slot[mine & gave_up], minlength=intervals)
        fast = mine & answered & (np.nan_to_num(wait, nan=np.inf) <= q.answer_seconds)
        in_target = np.bincount(slot[fast], minlength=intervals)
        wait_sum = np.bincount(slot[mine & answered], weights=wait[mine & answered],
                               minlength=intervals)
        for k in range(intervals):
            rows.append(Row(
                queue=q.name, interval=k, start_minute=k * day.interval_minutes,
                offered=int(offered[k]), answered=int(ans[k]), abandoned=int(aband[k]),
                answered_in_target=int(in_target[k]),
                service_level=float(in_target[k] / offered[k]) if offered[k] else 1.0,
                asa_seconds=float(wait_sum[k] / ans[k]) if ans[k] else 0.0,
                occupancy=float(occupancy[qi, k])))
    return Result(rows=rows, contacts=int(arrival.size),
                  unanswered=int(np.sum(~answered & ~gave_up)), waits=wait)
