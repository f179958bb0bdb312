"""A ticket's KPI fact from its event log (pure): the readings of D15.4, D15.5, D15.6, D15.8
and D15.12 under the ticket's SLA policy and calendar, as one row the boards add up.

How the log is read (docs/kpis.md says the same in words):
- the ticket opens at its creation; it is resolved at its last move into `resolved` (or
  `closed` without one) when it has not been reopened since; a reopened ticket is open;
- the customer clock (TTR, update gaps) stops while pending on the customer and while the
  ticket sat resolved before a reopen;
- the agent's own queue (loker agen, D15.6) is the time the ticket had an owner and was
  `new` or `open` — not pending on the customer or the backend, not resolved;
- the owner before the first assignment is the one that assignment moved it from.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from sigap.sla.calendar import Calendar, add_business, business_seconds
from sigap.sla.clock import Span, measure

ACTIVE = ("new", "open")
DONE = ("resolved", "closed")
# A repeat contact further than this after the resolution is not looked for (the FCR
# window can be set up to this many days).
REPEAT_HORIZON = dt.timedelta(days=90)
_OWNER_KINDS = ("assigned", "taken_over")


@dataclass(frozen=True)
class LogEvent:
    id: int
    at: dt.datetime
    kind: str
    from_state: str | None = None
    to_state: str | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Targets:
    """The parts of the ticket's SLA policy the facts need."""

    policy_id: int
    calendar: Calendar
    response_seconds: float
    update_seconds: float
    ttr_seconds: float | None


@dataclass(frozen=True)
class TicketFacts:
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    responded: bool
    response_met: bool
    response_due_at: dt.datetime
    update_met: bool | None
    ttr_seconds: float | None
    ttr_target: bool | None
    ttr_met: bool | None
    own_queue_seconds: float | None
    reopened: bool
    repeat_after_seconds: float | None
    last_event_id: int


@dataclass(frozen=True)
class _Stretch:
    start: dt.datetime
    end: dt.datetime
    state: str
    reason: str | None
    owner: int | None


def _owner_id(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def _stretches(opened: dt.datetime, events: Sequence[LogEvent], owner_now: int | None,
               until: dt.datetime) -> list[_Stretch]:
    """The ticket's life cut where its state or owner changed."""
    moves = [e for e in events if e.kind in _OWNER_KINDS]
    owner = _owner_id(moves[0].data.get("from_owner_id")) if moves else owner_now
    state, reason = "new", None
    out: list[_Stretch] = []
    mark = opened
    for e in events:
        if e.kind == "state_changed" and e.to_state:
            new_state = e.to_state
            new_reason = str(e.data.get("pending_reason") or "") or None
        elif e.kind == "merged_into":
            new_state, new_reason = "closed", None
        else:
            new_state, new_reason = state, reason
        new_owner = _owner_id(e.data.get("to_owner_id")) if e.kind in _OWNER_KINDS else owner
        if (new_state, new_reason, new_owner) == (state, reason, owner):
            continue
        at = max(e.at, opened)
        if at > mark:
            out.append(_Stretch(mark, min(at, until), state, reason, owner))
        mark, state, reason, owner = max(mark, at), new_state, new_reason, new_owner
    if until > mark:
        out.append(_Stretch(mark, until, state, reason, owner))
    return out


def _resolution(events: Sequence[LogEvent]) -> tuple[dt.datetime | None, bool]:
    """When the ticket was finally resolved (None while open), and whether it was reopened."""
    done: dt.datetime | None = None
    reopened = False
    for e in events:
        if e.kind != "state_changed" or not e.to_state:
            continue
        if e.to_state == "resolved":
            done = e.at
        elif e.to_state == "closed":
            done = done or e.at
        else:
            reopened = reopened or done is not None or e.from_state in DONE
            done = None
    return done, reopened


def compute(opened: dt.datetime, events: Sequence[LogEvent], targets: Targets,
            owner_now: int | None, later_tickets: Sequence[dt.datetime],
            now: dt.datetime) -> TicketFacts:
    """The facts of one ticket. `events` in log order (at, id); `later_tickets` the sorted
    creation times of the customer's other tickets on the same service."""
    cal = targets.calendar
    resolved, reopened = _resolution(events)
    replied = next((e.at for e in events if e.kind == "customer_update"), None)
    response = measure(cal, opened, replied, replied or now).counted_seconds
    due = add_business(cal, opened, targets.response_seconds)
    last_id = max((e.id for e in events), default=0)
    if resolved is None:
        return TicketFacts(opened, None, replied is not None,
                           replied is not None and response <= targets.response_seconds,
                           due, None, None, None, None, None, reopened, None, last_id)
    stretches = _stretches(opened, events, owner_now, resolved)
    stopped = [Span(s.start, s.end) for s in stretches
               if s.state in DONE or (s.state == "pending" and s.reason == "customer")]
    ttr = measure(cal, opened, resolved, resolved, stopped).counted_seconds
    own = sum(business_seconds(cal, s.start, s.end) for s in stretches
              if s.owner is not None and s.state in ACTIVE)
    marks = [opened, *(e.at for e in events if e.kind == "customer_update"
                       and opened <= e.at <= resolved), resolved]
    silence = max((measure(cal, a, b, b, stopped).counted_seconds
                   for a, b in itertools.pairwise(marks)), default=0.0)
    has_target = targets.ttr_seconds is not None
    nxt = bisect.bisect_right(list(later_tickets), resolved)
    repeat = (later_tickets[nxt] - resolved).total_seconds() \
        if nxt < len(later_tickets) and later_tickets[nxt] - resolved <= REPEAT_HORIZON \
        else None
    return TicketFacts(
        opened, resolved, replied is not None,
        replied is not None and response <= targets.response_seconds, due,
        silence <= targets.update_seconds, ttr, has_target,
        ttr <= targets.ttr_seconds if targets.ttr_seconds is not None else None,
        own, reopened, repeat, last_id)


def hour_of(at: dt.datetime) -> int:
    """Whole hours since the epoch (UTC)."""
    return int(at.timestamp()) // 3600
