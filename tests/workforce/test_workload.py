"""Deferred work (email deadline) and chat concurrency: exact least agents."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigap.workforce.erlang import performance, staff
from sigap.workforce.workload import chat_staff, deferred_level, deferred_staff


def test_deferred_profile_spreads_each_interval_over_its_window() -> None:
    # 60-minute intervals, a 2-hour deadline: interval i's work is done in i+1 and i+2.
    # 12 emails × 300 s = 1 hour of work → half an agent in each of the next two hours.
    d = deferred_staff([12, 0, 0, 48, 6], 60, 300, 120)
    assert d.window_intervals == 2
    assert d.raw_agents.tolist() == [0, 1, 1, 0, 2, 3, 1]
    assert d.workload_hours.tolist() == [1.0, 0.0, 0.0, 4.0, 0.5]
    # exactly two agents of work: 48 × 300 s / (2 h × 3600 s) = 2, not 3
    assert int(deferred_staff([48], 60, 300, 120).raw_agents.max()) == 2


def test_deferred_profile_applies_shrinkage_and_occupancy_exactly() -> None:
    # 84 × 300 s over 2 hours at 70 % occupancy = 5 agents (float: 5.000000000000001)
    d = deferred_staff([84], 60, 300, 120, shrinkage=0.3, max_occupancy=0.7)
    assert d.raw_agents.tolist() == [0, 5, 5]
    assert d.agents.tolist() == [0, 8, 8]  # ⌈5 / 0.7⌉ = 8


def _edf_feasible(work: list[float], agents: int, step: float, deadline: float) -> bool:
    """Fluid earliest-deadline-first with `agents` of capacity (arrivals at interval ends)."""
    events = sorted({(i + 1) * step for i in range(len(work))}
                    | {(i + 1) * step + deadline for i in range(len(work))})
    backlog: list[list[float]] = []  # [deadline, remaining]
    t = 0.0
    for e in events:
        capacity = agents * (e - t)
        for item in sorted(backlog):
            take = min(capacity, item[1])
            item[1] -= take
            capacity -= take
        if any(item[0] <= e + 1e-9 and item[1] > 1e-9 for item in backlog):
            return False
        backlog = [i for i in backlog if i[1] > 1e-9]
        t = e
        for i, w in enumerate(work):
            if abs((i + 1) * step - e) < 1e-9 and w > 0:
                backlog.append([e + deadline, w])
    return not backlog


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.sampled_from([30, 60]),
       st.sampled_from([1, 2, 3, 4]))
def test_deferred_level_is_the_least_feasible_constant(volumes: list[int], step: int,
                                                       windows: int) -> None:
    raw, _ = deferred_level(volumes, step, 600, step * windows)
    work = [v * 600.0 for v in volumes]
    if raw == 0:
        assert sum(work) == 0
        return
    assert _edf_feasible(work, raw, step * 60.0, step * windows * 60.0)
    assert not _edf_feasible(work, raw - 1, step * 60.0, step * windows * 60.0)


def test_deferred_rejects_a_deadline_inside_the_interval() -> None:
    with pytest.raises(ValueError, match="deadline"):
        deferred_staff([10], 60, 300, 30)


@pytest.mark.parametrize("concurrency", [1, 2, 3, 4])
def test_chat_agents_are_the_least_that_meet_the_targets(concurrency: int) -> None:
    vols = np.array([0, 20, 75, 300, 1200])
    c = chat_staff(vols, 30, 900, concurrency, 0.8, 60, shrinkage=0.3)
    slots = staff(vols, 30, 900, 0.8, 60).raw_agents
    for k, v, s in zip(c.raw_agents.tolist(), vols.tolist(), slots.tolist(), strict=True):
        if v == 0:
            assert k == 0
            continue
        assert k == math.ceil(s / concurrency)
        ok = performance(k * concurrency, v, 30, 900, 60)
        assert float(ok.service_level) >= 0.8
        if k > 1:
            short = performance((k - 1) * concurrency, v, 30, 900, 60)
            assert float(short.service_level) < 0.8 or (k - 1) * concurrency <= v * 900 / 1800
    productive = 1 - Fraction("0.3")
    for raw, agents in zip(c.raw_agents.tolist(), c.agents.tolist(), strict=True):
        assert agents == (math.ceil(Fraction(raw) / productive) if raw else 0)
