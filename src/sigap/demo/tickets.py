"""One demo ticket's life (D9–D13), told as events through the real state machine.

Every state change goes through `sigap.tickets.lifecycle.transition`, so the demo can only
contain histories the application itself would allow. Nothing happens after the cutoff:
the story simply stops there, which leaves the recent tickets open on the desk.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sigap.demo import names as N
from sigap.tickets import lifecycle
from sigap.tickets.models import EscalationLevel, EventKind, PendingReason, TicketState

Row = dict[str, Any]
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def minutes(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(minutes=rng.uniform(low, high))


class Life:
    """Appends events to one ticket and keeps its row in step with them."""

    def __init__(self, ticket: Row, events: list[Row], cutoff: dt.datetime) -> None:
        self.ticket = ticket
        self.events = events
        self.cutoff = cutoff
        self.stopped = False
        self.last = ticket["created_at"]
        self.first_resolved: dt.datetime | None = None

    def event(self, at: dt.datetime, kind: str, actor: Row | None, body: str = "", *,
              from_state: str | None = None, to_state: str | None = None,
              data: dict[str, Any] | None = None, refs: dict[str, Any] | None = None) -> bool:
        """Record an event at `at`; False (and the story ends) once past the cutoff."""
        if self.stopped or at > self.cutoff:
            self.stopped = True
            return False
        self.events.append({
            "_t": self.ticket, "_refs": refs or {}, "at": at, "kind": str(kind),
            "actor_id": actor["id"] if actor else None, "from_state": from_state,
            "to_state": to_state, "body": body, "data": data or {},
        })
        self.ticket["updated_at"] = max(self.ticket["updated_at"], at)
        self.last = max(self.last, at)
        return True

    def status(self) -> lifecycle.Status:
        t = self.ticket
        return lifecycle.Status(state=t["state"], tier=t["tier"],
                                pending_reason=t["pending_reason"],
                                resolved_at=t["resolved_at"], closed_at=t["closed_at"],
                                consent_at=t["consent_at"], reopen_count=t["reopen_count"])

    def move(self, at: dt.datetime, actor: Row | None, target: str, reason: str,
             pending_reason: str | None = None) -> bool:
        before = self.ticket["state"]
        after = lifecycle.transition(self.status(), target, at=at,
                                     pending_reason=pending_reason, note=reason)
        data: dict[str, Any] = {}
        if after.pending_reason:
            data["pending_reason"] = str(after.pending_reason)
        if lifecycle.is_reopen(before, target):
            data["reopen"] = after.reopen_count
        if not self.event(at, EventKind.state_changed, actor, reason, from_state=before,
                          to_state=str(after.state), data=data):
            return False
        self.ticket.update(state=str(after.state),
                           pending_reason=None if after.pending_reason is None
                           else str(after.pending_reason),
                           resolved_at=after.resolved_at, closed_at=after.closed_at,
                           consent_at=after.consent_at, reopen_count=after.reopen_count)
        if target == TicketState.resolved and self.first_resolved is None:
            self.first_resolved = at
        return True

    def update(self, at: dt.datetime, actor: Row | None, body: str) -> bool:
        """An update sent to the customer; the first one is the first response."""
        if not self.event(at, EventKind.customer_update, actor, body):
            return False
        if self.ticket["first_response_at"] is None:
            self.ticket["first_response_at"] = at
        return True

    def consent(self, at: dt.datetime, actor: Row | None, by: str) -> bool:
        note = "Pelanggan mengonfirmasi layanan sudah normal dan setuju tiket ditutup."
        if not self.event(at, EventKind.consent_recorded, actor, note, data={"by": by}):
            return False
        self.ticket["consent_at"] = at
        self.ticket["consent_note"] = f"{note} ({by})"
        return True

    def escalate(self, at: dt.datetime, actor: Row | None, reason: str,
                 backend_unit: str = "") -> bool:
        levels = [e.value for e in EscalationLevel]
        current = self.ticket["escalation_level"]
        target = levels[levels.index(current) + 1]
        data: dict[str, Any] = {"from": current, "to": target}
        if target == EscalationLevel.backend:
            data["backend_unit"] = backend_unit
        if not self.event(at, EventKind.escalated, actor, reason, data=data):
            return False
        self.ticket["escalation_level"] = target
        if target == EscalationLevel.backend:
            self.ticket["backend_unit"] = backend_unit
            if self.ticket["state"] != TicketState.pending:
                return self.move(at, actor, TicketState.pending, reason, PendingReason.backend)
        return True

    def take_over(self, at: dt.datetime, leader: Row, reason: str) -> bool:
        data = {"from_owner_id": self.ticket["owner_id"], "to_owner_id": leader["id"]}
        if not self.event(at, EventKind.taken_over, leader, reason, data=data):
            return False
        self.ticket["owner_id"] = leader["id"]
        return True

    def assign(self, at: dt.datetime, actor: Row | None, owner: Row, reason: str,
               tier: int | None = None) -> bool:
        t = self.ticket
        data: dict[str, Any] = {"from_owner_id": t["owner_id"], "from_team_id": t["team_id"],
                                "to_owner_id": owner["id"], "to_team_id": owner["team_id"]}
        if tier is not None:
            data["tier"] = tier
        if not self.event(at, EventKind.assigned, actor, reason, data=data):
            return False
        t["owner_id"] = owner["id"]
        t["team_id"] = owner["team_id"]
        if tier is not None:
            t["tier"] = tier
        return True

    def link(self, at: dt.datetime, actor: Row | None, interaction: Row) -> bool:
        interaction["_t"] = self.ticket
        return self.event(at, EventKind.interaction_linked, actor,
                          data={"interaction_id": None, "channel": interaction["channel"]},
                          refs={"interaction": interaction})


def new_ticket(*, type_: str, subject: str, description: str, customer: Row,
               service: Row | None, severity: str, tier: int, channel: str, owner: Row,
               hard: bool, at: dt.datetime) -> Row:
    return {
        "id": 0, "number": "", "type": type_, "category": "", "subject": subject,
        "description": description, "customer_id": customer["id"],
        "service_id": service["id"] if service else None,
        "product": service["product"] if service else "", "severity": severity,
        "priority": customer["priority"], "hard_complaint": hard, "tier": tier,
        "channel": channel, "state": TicketState.new.value, "pending_reason": None,
        "owner_id": owner["id"], "team_id": owner["team_id"],
        "escalation_level": EscalationLevel.agent.value, "backend_unit": "",
        "merged_into_id": None, "_merged_into": None, "consent_at": None, "consent_note": "",
        "first_response_at": None, "resolved_at": None, "closed_at": None, "reopen_count": 0,
        "created_by_id": owner["id"], "created_at": at, "updated_at": at,
    }


def close_out(life: Life, rng: random.Random, at: dt.datetime, owner: Row, pic: str) -> None:
    """Resolved → (consent on Tier 2) → closed, and now and then a reopen and a second round."""
    t = life.ticket
    if t["tier"] == 2 and not life.consent(at + minutes(rng, 10, 120), owner, pic):
        return
    if not life.move(life.last + minutes(rng, 30, 20 * 60), owner,
                     TicketState.closed, "Tiket ditutup sesuai standar."):
        return
    if t["type"] == "gangguan" and rng.random() < 0.04:
        at = t["closed_at"] + minutes(rng, 120, 3 * 24 * 60)
        if not life.move(at, owner, TicketState.open,
                         "Pelanggan melaporkan gangguan yang sama muncul lagi."):
            return
        at += minutes(rng, 120, 24 * 60)
        if life.move(at, owner, TicketState.resolved, rng.choice(N.RESOLUTIONS)):
            close_out_again(life, rng, at, owner, pic)


def close_out_again(life: Life, rng: random.Random, at: dt.datetime, owner: Row,
                    pic: str) -> None:
    if life.ticket["tier"] == 2 and not life.consent(at + minutes(rng, 10, 120), owner, pic):
        return
    life.move(life.last + minutes(rng, 30, 20 * 60), owner, TicketState.closed,
              "Tiket ditutup sesuai standar.")
