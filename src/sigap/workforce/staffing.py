"""Staff required per interval (issue 7 §3), pure, from a queue's forecast: voice through Erlang
(C, or A with patience), chat with its concurrency, email from workload and its deadline;
shrinkage split into planned (breaks, training, leave: the roster places those itself) and
unplanned (sickness, lateness: always added)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sigap.workforce import erlang
from sigap.workforce.models import QueuePlan

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Requirement:
    start: dt.datetime
    interval_minutes: int
    volume: FloatArray
    aht_seconds: FloatArray
    raw_agents: FloatArray  # on the floor, before any shrinkage
    floor_agents: FloatArray  # scheduled on shift: unplanned shrinkage added
    paid_agents: FloatArray  # planned and unplanned: what the caplan pays for
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray

    def starts(self) -> list[dt.datetime]:
        step = dt.timedelta(minutes=self.interval_minutes)
        return [self.start + i * step for i in range(len(self.volume))]


def combined(*parts: float) -> float:
    """Shrinkages compound: 10 % planned and 5 % unplanned leave 0.9 × 0.95 on the floor."""
    left = 1.0
    for part in parts:
        left *= 1.0 - part
    return 1.0 - left


def agents_for(plan: QueuePlan, volume: FloatArray, aht: FloatArray,
               shrinkage: float) -> erlang.Staffing:
    """Required agents per interval for this queue's channel and targets."""
    minutes = plan.interval_minutes
    # Email waits in a queue too, only with a target measured in its response deadline.
    answer = plan.deadline_minutes * 60 if plan.channel == "email" and plan.deadline_minutes \
        else plan.target_answer_seconds
    # A chat agent works `concurrency` conversations at once: each costs a share of them.
    effective = aht / max(1, plan.concurrency) if plan.channel != "voice" else aht
    return erlang.staff(volume, minutes, np.maximum(effective, 1.0), plan.target_service_level,
                        answer, shrinkage=shrinkage, max_occupancy=plan.max_occupancy,
                        patience_seconds=plan.patience_seconds
                        if plan.channel == "voice" else None)


def requirement_from(plan: QueuePlan, start: dt.datetime, volume: FloatArray,
                     aht: FloatArray) -> Requirement:
    floor = agents_for(plan, volume, aht, 0.0)
    on_shift = agents_for(plan, volume, aht, plan.unplanned_shrinkage)
    paid = agents_for(plan, volume, aht,
                      combined(plan.planned_shrinkage, plan.unplanned_shrinkage))
    return Requirement(start, plan.interval_minutes, volume, aht,
                       np.asarray(floor.agents, float), np.asarray(on_shift.agents, float),
                       np.asarray(paid.agents, float), np.asarray(floor.service_level, float),
                       np.asarray(floor.asa_seconds, float),
                       np.asarray(floor.occupancy, float))


def on_grid(req: FloatArray, interval_minutes: int, slot_minutes: int) -> FloatArray:
    """A requirement on another grid: the most needed in any interval a slot overlaps."""
    if interval_minutes == slot_minutes:
        return req
    if interval_minutes < slot_minutes:
        k = slot_minutes // interval_minutes
        return np.asarray(req[: len(req) // k * k], float).reshape(-1, k).max(axis=1)
    return np.repeat(req, interval_minutes // slot_minutes)
