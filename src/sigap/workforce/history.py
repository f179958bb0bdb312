"""Interval history of a planned queue (issue 7 §1): volumes and handle times per
interval, from the ACD's imported interval reports or from Sigap's own interactions, each
read through the domain that owns it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from sigap.channels.voice import intervals as acd
from sigap.org.models import Site
from sigap.tickets import service as tickets
from sigap.workforce.models import QueuePlan

DEFAULT_ZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Series:
    """One queue's figures per interval from local midnight of `first_day` on."""

    first_day: dt.date
    zone: str
    interval_minutes: int
    volume: NDArray[np.float64]  # contacts offered
    handled: NDArray[np.float64]  # contacts with a known handle time
    handle_seconds: NDArray[np.float64]  # their handle time, summed

    @property
    def slots_per_day(self) -> int:
        return 1440 // self.interval_minutes

    @property
    def days(self) -> int:
        return len(self.volume) // self.slots_per_day

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.first_day, self.zone)

    def slot_start(self, index: int) -> dt.datetime:
        return self.start + dt.timedelta(minutes=index * self.interval_minutes)

    def daily(self) -> NDArray[np.float64]:
        return self.volume.reshape(self.days, self.slots_per_day).sum(axis=1)


def local_midnight(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), ZoneInfo(zone)).astimezone(dt.UTC)


def zone_of(session: Session, plan: QueuePlan) -> str:
    site = session.get(Site, plan.site_id) if plan.site_id is not None else None
    return site.timezone if site is not None else DEFAULT_ZONE


def series(session: Session, plan: QueuePlan, first_day: dt.date, days: int,
           zone: str | None = None) -> Series:
    """The queue's history for `days` local days from `first_day`, scaled by the share of
    the queue this site carries: the ACD's imported interval report for every day it
    covers, Sigap's own interactions for the others."""
    zone = zone or zone_of(session, plan)
    minutes = plan.interval_minutes
    slots = days * (1440 // minutes)
    volume, handled, handle = (np.zeros(slots) for _ in range(3))
    start = local_midnight(first_day, zone)
    end = local_midnight(first_day + dt.timedelta(days=days), zone)

    def slot(at: dt.datetime) -> int:
        return int((at - start).total_seconds() // (minutes * 60))

    per_day = 1440 // minutes
    from_acd = np.zeros(days, dtype=bool)  # local days the ACD's report covers
    if plan.acd_queue:
        for row in acd.stored_intervals(session, plan.acd_queue, start, end):
            i = slot(row.interval_start)
            volume[i] += row.offered
            handled[i] += row.answered
            handle[i] += row.handle_seconds
            from_acd[i // per_day] = True
    if not from_acd.all():
        # Days the ACD has not reported (none imported yet, or no ACD queue linked) come
        # from Sigap's own interactions of the channel.
        for arrived, answered, ended in tickets.inbound_contact_times(
                session, plan.channel, start, end):
            i = slot(arrived)
            if from_acd[i // per_day]:
                continue
            volume[i] += 1
            if answered is not None and ended is not None and ended >= answered:
                handled[i] += 1
                handle[i] += (ended - answered).total_seconds()
    share = plan.site_share
    return Series(first_day, zone, minutes, volume * share, handled * share, handle * share)


def to_local_day(at: dt.datetime, zone: str) -> dt.date:
    return at.astimezone(ZoneInfo(zone)).date()
