"""Alerts to people: who must know at once, and what they have not read yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import NotFound
from sigap.org.models import Alert, Role, Staff


def leaders_on_channel(session: Session, channel: str) -> list[int]:
    """The team leaders on duty for this channel: those working it who are logged in (any
    state but offline); when none is, every leader of the channel, so the alert still
    reaches someone (all active leaders when none is set up for the channel)."""
    from sigap.routing.models import Presence

    leaders = list(session.execute(
        select(Staff.id, Staff.channels, Presence.state)
        .outerjoin(Presence, Presence.staff_id == Staff.id)
        .where(Staff.role == Role.team_leader, Staff.active.is_(True))))
    on_channel = [(sid, state) for sid, channels, state in leaders
                  if channel in (channels or [])]
    on_duty = [sid for sid, state in on_channel if state not in (None, "offline")]
    return on_duty or [sid for sid, _ in on_channel] or [sid for sid, _, _ in leaders]


def alert(session: Session, staff_ids: Sequence[int], kind: str, message: str,
          link: str = "") -> int:
    for staff_id in dict.fromkeys(staff_ids):
        session.add(Alert(staff_id=staff_id, kind=kind[:30], message=message[:500],
                          link=link[:300], created_at=utcnow()))
    return len(set(staff_ids))


def unread(session: Session, actor: Actor, limit: int = 50) -> list[Alert]:
    if actor.staff_id is None:
        return []
    return list(session.scalars(select(Alert).where(Alert.staff_id == actor.staff_id,
                                                    Alert.read_at.is_(None))
                                .order_by(Alert.created_at.desc()).limit(limit)))


def mark_read(session: Session, actor: Actor, alert_id: int) -> Alert:
    found = session.get(Alert, alert_id)
    if found is None or found.staff_id != actor.staff_id:
        raise NotFound(f"Peringatan {alert_id} tidak ditemukan.")
    found.read_at = found.read_at or utcnow()
    return found
