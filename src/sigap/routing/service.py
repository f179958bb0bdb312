"""Setting and reading agent presence (issue 5 §2): the agent sets it from the desk;
logout and a lost session set offline; every change is kept with its time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.org.models import Staff
from sigap.routing.models import AgentState, AuxReason, Presence, PresenceChange

DEFAULT_AUX = {"break": "Istirahat", "briefing": "Briefing", "coaching": "Coaching",
               "training": "Training", "system": "Gangguan sistem", "toilet": "Toilet",
               "missed": "Tawaran tidak dijawab"}


@dataclass(frozen=True)
class PresenceRow:
    staff_id: int
    name: str
    state: str
    reason: str
    since: dt.datetime
    seconds: int


def aux_reasons(session: Session, active_only: bool = True) -> list[AuxReason]:
    stmt = select(AuxReason).order_by(AuxReason.code)
    if active_only:
        stmt = stmt.where(AuxReason.active.is_(True))
    found = list(session.scalars(stmt))
    if not found and active_only:
        # None configured (the migration seeds these): the codes the floor already uses.
        found = [AuxReason(code=c, label=label) for c, label in DEFAULT_AUX.items()]
    return found


def set_state(session: Session, staff_id: int, state: str, reason: str = "",
              source: str = "agent", at: dt.datetime | None = None) -> Presence:
    if state not in AgentState.__members__:
        raise InvalidInput(f"Status {state!r} tidak dikenal.", field="state")
    reason = reason.strip()
    if state == AgentState.aux:
        codes = {r.code for r in aux_reasons(session)}
        if reason not in codes and not (source == "routing" and reason == "missed"):
            raise InvalidInput(f"Status aux butuh alasan: {', '.join(sorted(codes))}.",
                               field="reason")
    else:
        reason = ""
    now = at or utcnow()
    current = session.get(Presence, staff_id)
    if current is None:
        current = Presence(staff_id=staff_id, state=AgentState.offline, reason="", since=now)
        session.add(current)
    if current.state == state and current.reason == reason:
        return current
    spent = max(0, int((now - current.since).total_seconds()))
    session.add(PresenceChange(staff_id=staff_id, at=now, state=state, reason=reason,
                               previous=current.state, previous_seconds=spent, source=source))
    current.state, current.reason, current.since = state, reason, now
    session.flush()
    return current


def my_state(session: Session, actor: Actor) -> Presence | None:
    return session.get(Presence, actor.staff_id) if actor.staff_id is not None else None


def team_presence(session: Session, team_ids: tuple[int, ...],
                  now: dt.datetime | None = None) -> list[PresenceRow]:
    now = now or utcnow()
    rows = session.execute(
        select(Staff.id, Staff.online_name, Presence.state, Presence.reason, Presence.since)
        .outerjoin(Presence, Presence.staff_id == Staff.id)
        .where(Staff.team_id.in_(team_ids), Staff.active.is_(True))
        .order_by(Staff.online_name)).all()
    return [PresenceRow(sid, name, state or AgentState.offline, reason or "", since or now,
                        max(0, int((now - (since or now)).total_seconds())))
            for sid, name, state, reason, since in rows]


def stale_states(session: Session, older_than: dt.timedelta, now: dt.datetime) -> list[int]:
    return list(session.scalars(select(Presence.staff_id).where(
        Presence.state != AgentState.offline, Presence.since < now - older_than)))


def expire(session: Session, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """A session that was lost (closed browser, expired cookie) leaves a state standing:
    anyone not offline whose state is older than a session's lifetime goes offline."""
    now = now or utcnow()
    stale = stale_states(session, older_than, now)
    for staff_id in stale:
        set_state(session, staff_id, AgentState.offline, source="expiry", at=now)
    return len(stale)


@dataclass(frozen=True)
class StateHistory:
    """A person's state at the start of a window and every change inside it."""

    initial_state: str
    initial_reason: str
    changes: tuple[tuple[dt.datetime, str, str], ...]  # (at, state, reason), in time order


def presence_history(session: Session, staff_ids: list[int], start: dt.datetime,
                     end: dt.datetime) -> dict[int, StateHistory]:
    """Presence of these people over [start, end) from the change log (for adherence):
    two queries whatever the number of people."""
    if not staff_ids:
        return {}
    last_before = (select(PresenceChange.staff_id, func.max(PresenceChange.id).label("id"))
                   .where(PresenceChange.staff_id.in_(staff_ids), PresenceChange.at < start)
                   .group_by(PresenceChange.staff_id).subquery())
    initial = {sid: (state, reason) for sid, state, reason in session.execute(
        select(PresenceChange.staff_id, PresenceChange.state, PresenceChange.reason)
        .join(last_before, last_before.c.id == PresenceChange.id))}
    changes: dict[int, list[tuple[dt.datetime, str, str]]] = {sid: [] for sid in staff_ids}
    for sid, at, state, reason in session.execute(
            select(PresenceChange.staff_id, PresenceChange.at, PresenceChange.state,
                   PresenceChange.reason)
            .where(PresenceChange.staff_id.in_(staff_ids), PresenceChange.at >= start,
                   PresenceChange.at < end)
            .order_by(PresenceChange.staff_id, PresenceChange.at, PresenceChange.id)):
        changes[sid].append((at, state, reason))
    return {sid: StateHistory(*initial.get(sid, (AgentState.offline.value, "")),
                              tuple(changes[sid])) for sid in staff_ids}


def current_states(session: Session, staff_ids: list[int]) -> dict[int, Presence]:
    """Where these people are now (absent: never set, i.e. offline)."""
    if not staff_ids:
        return {}
    return {p.staff_id: p for p in session.scalars(
        select(Presence).where(Presence.staff_id.in_(staff_ids)))}
