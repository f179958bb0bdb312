"""Simulating a busy day: about 100,000 contacts over 10 queues, 300 multi-skilled agents.

The day is deterministic (seed 7): ten queues with a two-peak daily curve summing to
100,000 expected contacts, AHT 40–80 s so that 300 agents can carry them (half exponential,
half lognormal with cv 0.8), mean patience 60–180 s, queue priorities 1–3. 300 agents on
staggered 9-hour shifts (some across midnight) with a 15-minute and a 60-minute break, each
with a primary skill (priority 1) and two secondary skills (priority 2). Prints the wall time of
`simulate(day, seed)` (best of --runs) and the day's totals. Goal: ≤ 5 s.

    .venv/bin/python bench/simulate.py [--runs 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sigap.workforce.simulation import Agent, Day, Queue, Window, simulate

QUEUES, AGENTS, CONTACTS = 10, 300, 100_000


def busy_day() -> Day:
    rng = np.random.default_rng(7)
    hour = np.arange(96) / 4.0
    curve = (np.exp(-0.5 * ((hour - 10.5) / 2.5) ** 2)
             + 0.8 * np.exp(-0.5 * ((hour - 19.5) / 2.5) ** 2) + 0.05)
    share = rng.dirichlet(np.full(QUEUES, 4.0))
    queues = []
    for k in range(QUEUES):
        volumes = CONTACTS * share[k] * curve / curve.sum()
        queues.append(Queue(
            name=f"q{k}", volumes=volumes.tolist(), aht_seconds=float(rng.integers(40, 81)),
            answer_seconds=20, patience_seconds=float(rng.integers(60, 181)),
            priority=k % 3 + 1, handle="exponential" if k % 2 else "lognormal",
            handle_cv=0.8))
    agents = []
    starts = np.concatenate([rng.integers(6 * 60, 14 * 60, AGENTS - 30), rng.integers(
        21 * 60, 23 * 60, 15), rng.integers(-3 * 60, 0, 15)])
    for i, start in enumerate(starts.tolist()):
        primary = int(rng.choice(QUEUES, p=share))
        others = rng.choice([q for q in range(QUEUES) if q != primary], 2, replace=False)
        skills = {f"q{primary}": 1, **{f"q{int(q)}": 2 for q in others}}
        agents.append(Agent(f"a{i}", skills, [Window(start, start + 540)],
                            [Window(start + 120, start + 135), Window(start + 270,
                                                                       start + 330)]))
    return Day(queues, agents, interval_minutes=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    day = busy_day()
    best = float("inf")
    result = None
    for _ in range(args.runs):
        start = time.perf_counter()
        result = simulate(day, args.seed)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    offered = sum(r.offered for r in result.rows)
    answered = sum(r.answered for r in result.rows)
    abandoned = sum(r.abandoned for r in result.rows)
    in_target = sum(r.answered_in_target for r in result.rows)
    print(f"day: {result.contacts:,} contacts, {len(day.queues)} queues, {len(day.agents)} "
          f"agents")
    print(f"simulate(): best of {args.runs}: {best:.2f} s ({result.contacts / best:,.0f} "
          f"contacts/s)")
    print(f"answered {answered:,}, abandoned {abandoned:,}, service level "
          f"{in_target / offered:.1%}, goal ≤ 5 s: {'met' if best <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
