"""SLA clocks from a ticket's event log (pure): the time that counts between two events
under a calendar, minus the pauses (pending on the customer), with an explanation of what
was counted — so any ticket's SLA can be recomputed and shown to whoever questions it."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sigap.sla.calendar import Calendar, business_seconds


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str  # created, state_changed, customer_update, …
    to_state: str | None = None
    pending_reason: str | None = None


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Reading:
    """One clock's value and how it was reached."""

    started: dt.datetime
    stopped: dt.datetime | None  # None: still running at `now`
    counted_seconds: float
    paused_seconds: float
    pauses: tuple[Span, ...]
    target_seconds: float | None = None

    @property
    def breached(self) -> bool | None:
        if self.target_seconds is None:
            return None
        return self.counted_seconds > self.target_seconds


def pauses(events: Sequence[Event], until: dt.datetime) -> list[Span]:
    """Periods pending on the customer: from entering `pending` with reason customer to
    the next state change (or `until`)."""
    spans: list[Span] = []
    opened: dt.datetime | None = None
    for e in sorted(events, key=lambda e: e.at):
        if e.kind != "state_changed":
            continue
        waiting = e.to_state == "pending" and e.pending_reason == "customer"
        if waiting and opened is None:
            opened = e.at
        elif not waiting and opened is not None:
            spans.append(Span(opened, e.at))
            opened = None
    if opened is not None:
        spans.append(Span(opened, until))
    return spans


def measure(cal: Calendar, start: dt.datetime, stop: dt.datetime | None, now: dt.datetime,
            paused: Sequence[Span] = (), target_seconds: float | None = None) -> Reading:
    """Business time from start to stop (or now), less the business time of the pauses."""
    end = stop or now
    clipped = [Span(max(p.start, start), min(p.end, end)) for p in paused
               if p.end > start and p.start < end]
    total = business_seconds(cal, start, end)
    paused_total = sum(business_seconds(cal, p.start, p.end) for p in _merge(clipped))
    return Reading(start, stop, max(0.0, total - paused_total), paused_total,
                   tuple(clipped), target_seconds)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def first_response(cal: Calendar, events: Sequence[Event], now: dt.datetime,
                   target_seconds: float = 30 * 60) -> Reading:
    """Opened → first update to the customer (D15: within 30 minutes)."""
    ordered = sorted(events, key=lambda e: e.at)
    start = ordered[0].at
    stop = next((e.at for e in ordered if e.kind == "customer_update"), None)
    return measure(cal, start, stop, now, target_seconds=target_seconds)


def time_to_restore(cal: Calendar, events: Sequence[Event], now: dt.datetime,
                    target_seconds: float | None = None) -> Reading:
    """Opened → resolved, paused while pending on the customer (TTR)."""
    ordered = sorted(events, key=lambda e: e.at)
    start = ordered[0].at
    stop = next((e.at for e in ordered if e.kind == "state_changed"
                 and e.to_state == "resolved"), None)
    return measure(cal, start, stop, now, pauses(ordered, stop or now), target_seconds)


def longest_silence(cal: Calendar, events: Sequence[Event], now: dt.datetime) -> float:
    """The longest business-time gap without an update to the customer while the ticket
    was open (D15: at least one update an hour), pauses not counted."""
    ordered = sorted(events, key=lambda e: e.at)
    closed = next((e.at for e in ordered if e.kind == "state_changed"
                   and e.to_state in ("resolved", "closed")), None)
    end = closed or now
    marks = [ordered[0].at] + [e.at for e in ordered if e.kind == "customer_update"
                               and e.at <= end] + [end]
    paused = pauses(ordered, end)
    return max((measure(cal, a, b, now, paused).counted_seconds
                for a, b in itertools.pairwise(marks)), default=0.0)
