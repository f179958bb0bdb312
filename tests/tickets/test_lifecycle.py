"""The state machine alone: allowed moves, refusals with clear messages, property tests."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigap.core.errors import IllegalTransition, InvalidInput
from sigap.tickets import lifecycle
from sigap.tickets.lifecycle import Status
from sigap.tickets.models import TicketState

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
STATES = [s.value for s in TicketState]
ALLOWED = {
    ("new", "open"), ("new", "pending"), ("new", "resolved"), ("open", "pending"),
    ("open", "resolved"), ("pending", "open"), ("pending", "resolved"), ("resolved", "closed"),
    ("resolved", "open"), ("closed", "open"),
}


def _move(status: Status, target: str) -> Status:
    return lifecycle.transition(status, target, at=NOW, pending_reason="customer",
                                note="sudah normal")


@pytest.mark.parametrize("current", STATES)
@pytest.mark.parametrize("target", STATES)
def test_exactly_the_listed_moves_are_allowed(current: str, target: str) -> None:
    status = Status(state=current, consent_at=NOW)
    if (current, target) in ALLOWED:
        assert _move(status, target).state == target
    else:
        with pytest.raises(IllegalTransition) as err:
            _move(status, target)
        message = err.value.message
        assert f"berstatus {current}" in message and f"ke {target}" in message
        assert "diizinkan" in message
        for name in lifecycle.allowed(current):
            assert name in message


def test_pending_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as err:
        lifecycle.transition(Status("open"), "pending", at=NOW)
    assert err.value.field == "pending_reason"
    with pytest.raises(InvalidInput):
        lifecycle.transition(Status("open"), "pending", at=NOW, pending_reason="besok")
    after = lifecycle.transition(Status("open"), "pending", at=NOW, pending_reason="backend")
    assert after.pending_reason == "backend"
    assert lifecycle.transition(after, "open", at=NOW).pending_reason is None


def test_resolved_needs_a_note() -> None:
    with pytest.raises(InvalidInput) as err:
        lifecycle.transition(Status("open"), "resolved", at=NOW, note="  ")
    assert err.value.field == "reason"
    done = lifecycle.transition(Status("open"), "resolved", at=NOW, note="Modem diganti")
    assert done.resolved_at == NOW


def test_tier2_close_needs_consent() -> None:
    resolved = Status("resolved", tier=2, resolved_at=NOW)
    with pytest.raises(IllegalTransition) as err:
        lifecycle.transition(resolved, "closed", at=NOW)
    assert "persetujuan" in err.value.message
    agreed = Status("resolved", tier=2, resolved_at=NOW, consent_at=NOW)
    assert lifecycle.transition(agreed, "closed", at=NOW).closed_at == NOW
    # Tier 1 closes without a recorded agreement.
    assert lifecycle.transition(Status("resolved", tier=1), "closed", at=NOW).state == "closed"


def test_reopen_counts_and_clears_stamps() -> None:
    closed = Status("closed", tier=2, resolved_at=NOW, closed_at=NOW, consent_at=NOW,
                    reopen_count=1)
    again = lifecycle.transition(closed, "open", at=NOW)
    assert again.reopen_count == 2
    assert again.resolved_at is None and again.closed_at is None and again.consent_at is None


def test_unknown_state_is_bad_input() -> None:
    with pytest.raises(InvalidInput):
        lifecycle.transition(Status("open"), "archived", at=NOW)


@given(st.lists(st.sampled_from(STATES), max_size=30), st.sampled_from([1, 2]))
def test_any_walk_stays_consistent(targets: list[str], tier: int) -> None:
    status = Status("new", tier=tier)
    reopens = 0
    for target in targets:
        before = status
        try:
            status = lifecycle.transition(status, target, at=NOW, pending_reason="customer",
                                          note="catatan")
        except (IllegalTransition, InvalidInput):
            assert status == before
            assert (before.state, target) not in ALLOWED or (
                target == "closed" and tier == 2 and before.consent_at is None)
            continue
        assert (before.state, target) in ALLOWED
        if lifecycle.is_reopen(before.state, target):
            reopens += 1
        assert status.reopen_count == reopens
        assert (status.pending_reason is not None) == (status.state == "pending")
        assert (status.resolved_at is not None) == (status.state in ("resolved", "closed"))
        assert (status.closed_at is not None) == (status.state == "closed")
