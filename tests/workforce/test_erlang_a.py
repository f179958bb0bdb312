"""Erlang A (M/M/n+M) against a brute-force Markov chain, and its limits."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from sigap.workforce.erlang import erlang_b, performance, staff


def _chain(n: int, lam: float, mu: float, theta: float, answer: float,
           states: int = 300) -> tuple[float, float, float, float]:
    """Waiting probability, abandonment, SL and ASA of the answered, by brute force.

    The stationary distribution of the truncated birth–death chain, and for a caller who
    finds j waiting, a small absorbing chain (ahead count, answered, abandoned) solved with
    a matrix exponential (answered by T) and its fundamental matrix (mean wait).
    """
    death = [min(k, n) * mu + max(k - n, 0) * theta for k in range(states)]
    w = [1.0]
    for k in range(1, states):
        w.append(w[-1] * lam / death[k])
    p = np.array(w) / sum(w)
    wait = p[n:].sum()
    abandon = theta * sum((k - n) * p[k] for k in range(n, states)) / lam
    in_target = served = p[:n].sum()
    wait_of_served = 0.0
    for j in range(states - n):
        if p[n + j] < 1e-18:
            break
        m = j + 1
        q = np.zeros((m + 2, m + 2))
        for idx in range(m):
            ahead = j - idx
            rate = n * mu + ahead * theta
            q[idx, idx + 1 if ahead > 0 else m] += rate
            q[idx, m + 1] += theta
            q[idx, idx] = -(rate + theta)
        in_target += p[n + j] * expm(q * answer)[0, m]
        fundamental = np.linalg.inv(-q[:m, :m])
        reach = np.array([np.prod([(n * mu + k * theta) / (n * mu + (k + 1) * theta)
                                   for k in range(j - idx + 1)]) for idx in range(m)])
        wait_of_served += p[n + j] * fundamental[0] @ reach
        served += p[n + j] * reach[0]
    return wait, abandon, in_target, wait_of_served / served


@pytest.mark.parametrize(("n", "volume", "aht", "patience", "answer"), [
    (5, 30, 600, 120, 20), (3, 60, 180, 30, 10), (8, 100, 300, 600, 30),
    (12, 40, 900, 90, 60), (2, 5, 600, 2000, 20), (1, 3, 240, 45, 0),
])
def test_matches_the_markov_chain(n: int, volume: float, aht: float, patience: float,
                                  answer: float) -> None:
    want = _chain(n, volume / 1800, 1 / aht, 1 / patience, answer)
    got = performance(n, volume, 30, aht, answer, patience)
    for value, expected in zip((got.waiting_probability, got.abandon_rate,
                                got.service_level, got.asa_seconds), want, strict=True):
        assert float(value) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_endless_patience_is_erlang_c_and_none_is_erlang_b() -> None:
    c = performance(12, 200, 30, 90, 20)
    a = performance(12, 200, 30, 90, 20, patience_seconds=1e9)
    assert float(a.service_level) == pytest.approx(float(c.service_level), rel=1e-6)
    assert float(a.asa_seconds) == pytest.approx(float(c.asa_seconds), rel=1e-5)
    loss = performance(12, 200, 30, 90, 20, patience_seconds=1e-7)
    assert float(loss.abandon_rate) == pytest.approx(float(erlang_b(12, 10.0)), rel=1e-5)


def test_overloaded_queue_stays_finite_at_fifty_thousand_erlangs() -> None:
    # Far more calls than agents: about n/A of the calls are answered, the rest abandon.
    s = staff(150_000, 15, 300, 0.8, 20, patience_seconds=60)
    n = int(s.raw_agents)
    assert 0.79 * 50_000 < n < 50_000
    assert np.isfinite([s.service_level, s.asa_seconds, s.abandon_rate]).all()
    assert float(s.service_level) <= 1 - float(s.abandon_rate)
    below = performance(n - 1, 150_000, 15, 300, 20, 60)
    assert float(below.service_level) < 0.8 <= float(s.service_level)


def test_fewer_agents_than_erlang_c_with_impatient_callers() -> None:
    c = staff(360, 30, 240, 0.8, 20)
    a = staff(360, 30, 240, 0.8, 20, patience_seconds=120)
    assert int(a.raw_agents) < int(c.raw_agents)
    assert float(a.abandon_rate) > 0 and float(c.abandon_rate) == 0


def test_asa_target_under_erlang_a() -> None:
    s = staff(360, 30, 240, 0.0, 20, patience_seconds=120, target_asa_seconds=5)
    n = int(s.raw_agents)
    assert float(s.asa_seconds) <= 5
    assert float(performance(n - 1, 360, 30, 240, 20, 120).asa_seconds) > 5
