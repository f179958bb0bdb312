"""Adherence and conformance (issue 7 §6), pure: a shift (with its break) against the
agent's presence history.

- Scheduled time is the whole shift, break included.
- In adherence: during working time the agent is ready, busy or in after-call work;
  during the break the agent is on aux "break" or offline.
- Adherence % = time in adherence / scheduled time.
- Conformance % = time worked (ready, busy, after-call work, at any time of the day)
  / scheduled working time (the shift less its break).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

WORKING = frozenset({"ready", "busy", "acw"})
BREAK_REASON = "break"


@dataclass(frozen=True)
class Shift:
    start: dt.datetime
    end: dt.datetime
    break_start: dt.datetime | None = None
    break_end: dt.datetime | None = None

    def on_break(self, at: dt.datetime) -> bool:
        return (self.break_start is not None and self.break_end is not None
                and self.break_start <= at < self.break_end)

    @property
    def break_seconds(self) -> float:
        """The break within the shift: a shift measured up to now (still running) has
        only the part of its break that is already behind it."""
        if self.break_start is None or self.break_end is None:
            return 0.0
        return _overlap(self.break_start, self.break_end, self.start, self.end)


@dataclass(frozen=True)
class Span:
    start: dt.datetime
    end: dt.datetime
    state: str
    reason: str = ""


@dataclass(frozen=True)
class Result:
    scheduled_seconds: float
    adherent_seconds: float
    work_scheduled_seconds: float
    worked_seconds: float

    @property
    def adherence(self) -> float | None:
        return 100.0 * self.adherent_seconds / self.scheduled_seconds \
            if self.scheduled_seconds > 0 else None

    @property
    def conformance(self) -> float | None:
        return 100.0 * self.worked_seconds / self.work_scheduled_seconds \
            if self.work_scheduled_seconds > 0 else None


def spans(initial: tuple[str, str], changes: Sequence[tuple[dt.datetime, str, str]],
          start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The states over [start, end) from the state at `start` and the changes after it."""
    out: list[Span] = []
    state, reason, since = initial[0], initial[1], start
    for at, new_state, new_reason in changes:
        if at >= end:
            break
        if at > since:
            out.append(Span(since, at, state, reason))
        state, reason, since = new_state, new_reason, max(since, at)
    if end > since:
        out.append(Span(since, end, state, reason))
    return out


def adherent(shift: Shift, state: str, reason: str, at: dt.datetime) -> bool:
    if shift.on_break(at):
        return state == "offline" or (state == "aux" and reason == BREAK_REASON)
    return state in WORKING


def _overlap(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def measure(shift: Shift, day: Sequence[Span]) -> Result:
    """Adherence and conformance of one shift from the day's state spans."""
    scheduled = (shift.end - shift.start).total_seconds()
    adherent_seconds = worked = 0.0
    cuts = sorted({shift.start, shift.end,
                   *(t for t in (shift.break_start, shift.break_end) if t is not None)})
    for span in day:
        if span.state in WORKING:
            worked += (span.end - span.start).total_seconds()
        # Split the span at the shift's edges so each piece is wholly work or break.
        points = sorted({span.start, span.end, *(c for c in cuts if span.start < c < span.end)})
        for p0, p1 in itertools.pairwise(points):
            inside = _overlap(p0, p1, shift.start, shift.end)
            if inside and adherent(shift, span.state, span.reason, p0):
                adherent_seconds += inside
    return Result(scheduled, adherent_seconds, scheduled - shift.break_seconds, worked)
