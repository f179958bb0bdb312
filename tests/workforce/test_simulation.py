"""The simulated day against Erlang C/A, routing between skills, shifts, breaks, seeds."""

from __future__ import annotations

import numpy as np
import pytest

from sigap.workforce.erlang import performance, staff
from sigap.workforce.simulation import Agent, Day, Queue, Result, Window, draw, simulate

ALL_DAY = [Window(-60, 1500)]


def _totals(result: Result, queue: str | None = None) -> dict[str, float]:
    rows = [r for r in result.rows if queue is None or r.queue == queue]
    offered = sum(r.offered for r in rows)
    answered = sum(r.answered for r in rows)
    return {"offered": offered, "answered": answered,
            "abandoned": sum(r.abandoned for r in rows),
            "sl": sum(r.answered_in_target for r in rows) / offered,
            "asa": sum(r.asa_seconds * r.answered for r in rows) / max(answered, 1),
            "occupancy": float(np.mean([r.occupancy for r in rows]))}


def _team(n: int, skills: dict[str, int], prefix: str = "a",
          shifts: list[Window] | None = None) -> list[Agent]:
    return [Agent(f"{prefix}{i}", skills, shifts or ALL_DAY) for i in range(n)]


@pytest.mark.parametrize(("volume", "aht"), [(60, 240), (150, 180)])
def test_single_skill_day_agrees_with_erlang_c(volume: int, aht: int) -> None:
    # M/M/c in steady state, simulated over 20 days' worth of intervals in one run (one
    # day's ASA alone varies by ±50 % around the mean). Tolerances: service level and
    # waiting probability within 0.02 (absolute), ASA within 15 %, occupancy within 0.02.
    n = int(staff(volume, 15, aht, 0.8, 20).raw_agents)
    intervals = 96 * 20
    day = Day([Queue("voice", [volume] * intervals, aht, answer_seconds=20)],
              _team(n, {"voice": 1}, shifts=[Window(-60, intervals * 15 + 600)]))
    result = simulate(day, 11)
    waits = result.waits
    erlang = performance(n, volume, 15, aht, 20)
    assert np.mean(waits <= 20) == pytest.approx(float(erlang.service_level), abs=0.02)
    assert np.mean(waits > 0) == pytest.approx(float(erlang.waiting_probability), abs=0.02)
    assert waits.mean() == pytest.approx(float(erlang.asa_seconds), rel=0.15)
    assert _totals(result)["occupancy"] == pytest.approx(float(erlang.occupancy), abs=0.02)


def test_abandonment_agrees_with_erlang_a() -> None:
    volume, aht, patience, n, intervals = 80, 300, 90, 24, 96 * 10
    day = Day([Queue("voice", [volume] * intervals, aht, answer_seconds=20,
                     patience_seconds=patience)],
              _team(n, {"voice": 1}, shifts=[Window(-60, intervals * 15 + 600)]))
    totals = _totals(simulate(day, 4))
    erlang = performance(n, volume, 15, aht, 20, patience)
    assert totals["abandoned"] / totals["offered"] == pytest.approx(float(erlang.abandon_rate),
                                                                     abs=0.015)
    assert totals["sl"] == pytest.approx(float(erlang.service_level), abs=0.02)
    assert totals["asa"] == pytest.approx(float(erlang.asa_seconds), rel=0.15)


def test_same_seed_same_day_and_another_seed_another() -> None:
    day = Day([Queue("a", [20] * 96, 200, patience_seconds=60, handle="lognormal",
                     handle_cv=0.7), Queue("b", [10] * 96, 300, priority=2)],
              _team(5, {"a": 1, "b": 2}) + _team(2, {"b": 1}, "b"))
    assert simulate(day, 7).rows == simulate(day, 7).rows
    assert simulate(day, 7).rows != simulate(day, 8).rows


def test_agents_only_serve_their_skills() -> None:
    day = Day([Queue("billing", [20] * 96, 180, patience_seconds=30),
               Queue("tech", [20] * 96, 180)], _team(6, {"tech": 1}))
    result = simulate(day, 1)
    billing = _totals(result, "billing")
    assert billing["answered"] == 0 and billing["abandoned"] == billing["offered"] > 0
    assert _totals(result, "tech")["answered"] == _totals(result, "tech")["offered"]


def test_queue_priority_and_skill_priority_decide_who_is_served_first() -> None:
    # One overloaded shared team: the priority-1 queue keeps its service level, the
    # priority-2 queue takes the waiting.
    day = Day([Queue("vip", [40] * 96, 240, priority=1, patience_seconds=120),
               Queue("mass", [40] * 96, 240, priority=2, patience_seconds=120)],
              _team(20, {"vip": 1, "mass": 1}))
    result = simulate(day, 3)
    assert _totals(result, "vip")["sl"] > _totals(result, "mass")["sl"] + 0.1
    assert _totals(result, "vip")["asa"] < _totals(result, "mass")["asa"] / 2
    # the same team preferring "mass" by skill priority turns it around
    day = Day(day.queues, _team(20, {"vip": 2, "mass": 1}))
    result = simulate(day, 3)
    assert _totals(result, "mass")["sl"] > _totals(result, "vip")["sl"] + 0.1


def test_multi_skill_agents_help_both_queues() -> None:
    queues = [Queue("a", [50] * 96, 180, patience_seconds=60),
              Queue("b", [50] * 96, 180, patience_seconds=60)]
    split = Day(queues, _team(11, {"a": 1}, "a") + _team(11, {"b": 1}, "b"))
    helpers = Day(queues, [*split.agents, *_team(4, {"a": 1, "b": 1}, "m")])
    before, after = simulate(split, 5), simulate(helpers, 5)
    for q in ("a", "b"):
        assert _totals(after, q)["sl"] > _totals(before, q)["sl"]
        assert _totals(after, q)["abandoned"] < _totals(before, q)["abandoned"]


def test_night_shifts_across_midnight_and_breaks() -> None:
    night = Agent("malam", {"voice": 1}, [Window(-120, 420), Window(1320, 1860)],
                  breaks=[Window(120, 150)])
    day = Day([Queue("voice", [4] * 96, 120, patience_seconds=600)], [night])
    rows = {r.start_minute: r for r in simulate(day, 2).rows}
    # 03:00 (last night's shift) and 23:00 (tonight's) are answered; 12:00 nobody is there
    assert rows[180].answered == rows[180].offered > 0
    assert rows[1380].answered == rows[1380].offered > 0
    assert rows[720].answered == 0 and rows[720].abandoned == rows[720].offered > 0
    # during the 02:00–02:30 break the agent is not available: occupancy counts no time there
    assert rows[135].answered < rows[135].offered or rows[135].offered == 0
    assert all(0.0 <= r.occupancy <= 1.0 for r in rows.values())
    assert rows[720].occupancy == 0.0


def test_distributions_have_the_requested_means() -> None:
    rng = np.random.default_rng(0)
    mean = np.full(200_000, 300.0)
    for kind in ("exponential", "lognormal", "fixed"):
        sample = draw(rng, kind, mean, 0.6)  # type: ignore[arg-type]
        assert sample.mean() == pytest.approx(300, rel=0.01)
    assert draw(rng, "lognormal", mean, 0.6).std() == pytest.approx(180, rel=0.03)


def test_a_day_run_hour_by_hour_for_a_progress_bar_is_the_same_day() -> None:
    day = Day([Queue("a", [20] * 96, 200, patience_seconds=60, handle="lognormal",
                     handle_cv=0.7), Queue("b", [10] * 96, 300, priority=2)],
              _team(5, {"a": 1, "b": 2}) + _team(2, {"b": 1}, "b"))
    heard: list[tuple[int, int]] = []
    stepped = simulate(day, 7, lambda done, total: heard.append((done, total)))
    assert stepped.rows == simulate(day, 7).rows
    # 96 quarter hours of arrivals: 24 hours, each reported once, in order.
    assert heard == [(h, 24) for h in range(1, 25)]
