"""The ticket state machine and the escalation ladder (D10, D12, D13). Pure: no I/O.

States: new → open → pending (customer | backend) → resolved → closed, with reopen.
A service reads a `Status` off the ticket, asks `transition()` for the next one and
writes the differences back; every rule lives here so it can be tested directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sigap.core.errors import IllegalTransition, InvalidInput
from sigap.tickets.models import EscalationLevel, PendingReason, TicketState

S = TicketState

ALLOWED: dict[TicketState, tuple[TicketState, ...]] = {
    S.new: (S.open, S.pending, S.resolved),
    S.open: (S.pending, S.resolved),
    S.pending: (S.open, S.resolved),
    S.resolved: (S.closed, S.open),
    S.closed: (S.open,),
}

# Tickets still being worked: the "old or new?" check and the desk look at these.
ACTIVE_STATES: tuple[TicketState, ...] = (S.new, S.open, S.pending)
OPEN_STATES = ACTIVE_STATES
DONE_STATES: tuple[TicketState, ...] = (S.resolved, S.closed)

LABELS: dict[str, str] = {
    S.new: "baru",
    S.open: "terbuka",
    S.pending: "tertunda",
    S.resolved: "selesai",
    S.closed: "ditutup",
}

LADDER: tuple[EscalationLevel, ...] = (
    EscalationLevel.agent,
    EscalationLevel.team_leader,
    EscalationLevel.supervisor,
    EscalationLevel.backend,
)

LEVEL_LABELS: dict[str, str] = {
    EscalationLevel.agent: "Agent",
    EscalationLevel.team_leader: "Team Leader",
    EscalationLevel.supervisor: "Supervisor",
    EscalationLevel.backend: "unit backend",
}


@dataclass(frozen=True)
class Status:
    """The parts of a ticket the lifecycle rules read and change."""

    state: str
    tier: int = 1
    pending_reason: str | None = None
    consent_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    reopen_count: int = 0


def _named(state: str) -> str:
    return f"{state} ({LABELS[state]})" if state in LABELS else repr(state)


def allowed(state: str) -> tuple[TicketState, ...]:
    try:
        return ALLOWED[TicketState(state)]
    except ValueError:
        return ()


def can_move(state: str, target: str) -> bool:
    return target in allowed(state)


def is_reopen(state: str, target: str) -> bool:
    return state in DONE_STATES and target == S.open


def transition(current: Status, target: str, *, at: dt.datetime,
               pending_reason: str | None = None, note: str = "") -> Status:
    """The ticket after moving to `target`, or an error saying why it may not move."""
    if target not in LABELS:
        choices = ", ".join(s.value for s in TicketState)
        raise InvalidInput(f"Status '{target}' tidak dikenal; pilih salah satu: {choices}.",
                           field="state")
    if not can_move(current.state, target):
        permitted = ", ".join(_named(s) for s in allowed(current.state)) or "—"
        raise IllegalTransition(
            f"Tiket berstatus {_named(current.state)} tidak bisa diubah ke {_named(target)}; "
            f"yang diizinkan: {permitted}.",
            field="state",
        )
    if target == S.pending:
        if pending_reason not in {r.value for r in PendingReason}:
            raise InvalidInput(
                "Status pending butuh alasan tunda: 'customer' (menunggu pelanggan) atau "
                "'backend' (menunggu unit backend).",
                field="pending_reason",
            )
        return replace(current, state=S.pending, pending_reason=pending_reason)
    if target == S.resolved:
        if not note.strip():
            raise InvalidInput("Menyelesaikan tiket butuh catatan penyelesaian (penyebab dan "
                               "perbaikan).", field="reason")
        return replace(current, state=S.resolved, pending_reason=None, resolved_at=at)
    if target == S.closed:
        if current.tier == 2 and current.consent_at is None:
            raise IllegalTransition(
                "Tiket Tier 2 hanya boleh ditutup dengan persetujuan pelanggan; catat dulu "
                "persetujuan pelanggan (D10).",
                field="consent",
            )
        return replace(current, state=S.closed, closed_at=at)
    if is_reopen(current.state, target):
        # A new resolution needs a new agreement from the customer.
        return replace(current, state=S.open, pending_reason=None, resolved_at=None,
                       closed_at=None, consent_at=None, reopen_count=current.reopen_count + 1)
    return replace(current, state=target, pending_reason=None)


def close_by_merge(current: Status, at: dt.datetime) -> Status:
    """A duplicate merged into another ticket is closed whatever its state."""
    if current.state == S.closed:
        return replace(current, pending_reason=None)
    return replace(current, state=S.closed, pending_reason=None, closed_at=at)


def next_level(level: str) -> EscalationLevel:
    """One step up the ladder agent → Team Leader → Supervisor → backend (D13)."""
    try:
        index = LADDER.index(EscalationLevel(level))
    except ValueError as exc:
        raise InvalidInput(f"Tingkat eskalasi '{level}' tidak dikenal.",
                           field="escalation_level") from exc
    if index + 1 >= len(LADDER):
        raise IllegalTransition(
            "Tiket sudah dieskalasi ke unit backend, tingkat tertinggi; tidak bisa dinaikkan "
            "lagi.",
            field="escalation_level",
        )
    return LADDER[index + 1]
