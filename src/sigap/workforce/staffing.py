"""Staff required per interval (issue 7 §3), pure, from a queue's forecast: voice through
Erlang (C, or A with patience), chat with its concurrency, email from workload and its
deadline; shrinkage split into planned (breaks, training, leave: the roster places those
itself) and unplanned (sickness, lateness: always added)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sigap.workforce import erlang, workload
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


@dataclass(frozen=True)
class Need:
    agents: FloatArray
    service_level: FloatArray  # NaN for deferred work (its target is the deadline)
    asa_seconds: FloatArray
    occupancy: FloatArray


def agents_for(plan: QueuePlan, volume: FloatArray, aht: FloatArray,
               shrinkage: float) -> Need:
    """Required agents per interval for this queue's channel and targets: Erlang (A when
    the plan has a patience) for voice, Erlang over chat slots for chat and social
    messaging, the workload within the response deadline for email."""
    minutes = plan.interval_minutes
    if plan.channel == "email" and plan.deadline_minutes >= minutes:
        deferred = workload.deferred_staff(volume, minutes, aht, plan.deadline_minutes,
                                           shrinkage=shrinkage,
                                           max_occupancy=plan.max_occupancy)
        n = len(volume)
        nan = np.full(n, np.nan)
        # The profile runs d intervals past the last arrival: this span's part of it.
        return Need(np.asarray(deferred.agents[:n], float), nan, nan, nan)
    if plan.channel != "voice":
        chat = workload.chat_staff(volume, minutes, aht, max(1, plan.concurrency),
                                   plan.target_service_level, plan.target_answer_seconds,
                                   shrinkage=shrinkage, max_occupancy=plan.max_occupancy)
        return Need(np.asarray(chat.agents, float), np.asarray(chat.service_level, float),
                    np.asarray(chat.asa_seconds, float), np.asarray(chat.occupancy, float))
    voice = erlang.staff(volume, minutes, aht, plan.target_service_level,
                         plan.target_answer_seconds, shrinkage=shrinkage,
                         max_occupancy=plan.max_occupancy,
                         patience_seconds=plan.patience_seconds)
    return Need(np.asarray(voice.agents, float), np.asarray(voice.service_level, float),
                np.asarray(voice.asa_seconds, float), np.asarray(voice.occupancy, float))


def requirement_from(plan: QueuePlan, start: dt.datetime, volume: FloatArray,
                     aht: FloatArray) -> Requirement:
    floor = agents_for(plan, volume, aht, 0.0)
    on_shift = agents_for(plan, volume, aht, plan.unplanned_shrinkage)
    paid = agents_for(plan, volume, aht,
                      combined(plan.planned_shrinkage, plan.unplanned_shrinkage))
    return Requirement(start, plan.interval_minutes, volume, aht, floor.agents,
                       on_shift.agents, paid.agents, floor.service_level, floor.asa_seconds,
                       floor.occupancy)


def on_grid(req: FloatArray, interval_minutes: int, slot_minutes: int) -> FloatArray:
    """A requirement on another grid: the most needed in any interval a slot overlaps."""
    if interval_minutes == slot_minutes:
        return req
    if interval_minutes < slot_minutes:
        k = slot_minutes // interval_minutes
        return np.asarray(req[: len(req) // k * k], float).reshape(-1, k).max(axis=1)
    return np.repeat(req, interval_minutes // slot_minutes)
