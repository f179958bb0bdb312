"""Exact integer thresholds: the least whole number of agents that meets a target.

Two things make a naive `ceil` wrong by one:

1. A quotient that is an integer in decimal arithmetic is not one in binary floating point:
   7 / (1 − 0.3) is 10.000000000000002, 0.3 × 15 / 0.45 is 10.000000000000002. The inputs are
   decimals (a shrinkage of 0.3, an occupancy cap of 0.85), so a quotient within `RELATIVE`
   of an integer *is* that integer: `ceil_exact` snaps before it rounds up. Any quotient that
   genuinely lies between two integers is, for inputs with fewer than nine significant
   digits, at least 1e−9 away from both.
2. A target met exactly (a service level of 0.8 that the formula returns as
   0.7999999999999999) is still met: `at_least` and `at_most` compare with the same
   tolerance in the direction of the target.

`least` then finds, per row, the smallest integer at which a monotone test passes; it
checks the integer below, so the answer is the minimum by construction, not by estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

Float = NDArray[np.float64]
Int = NDArray[np.int64]
Bool = NDArray[np.bool_]

RELATIVE = 1e-9  # decimal inputs: closer than this to an integer means the integer
TARGET = 1e-12  # a computed probability or time this close to its target meets it
_UNREACHABLE = 1 << 40


def ceil_exact(x: ArrayLike) -> Int:
    """Smallest integer ≥ x, where x within RELATIVE of an integer is taken as that integer."""
    x = np.asarray(x, dtype=np.float64)
    nearest = np.rint(x)
    snapped = np.where(np.abs(x - nearest) <= RELATIVE * np.maximum(1.0, np.abs(x)),
                       nearest, x)
    return np.ceil(snapped).astype(np.int64)


def floor_exact(x: ArrayLike) -> Int:
    """Largest integer ≤ x, with the same snapping as `ceil_exact`."""
    return -ceil_exact(-np.asarray(x, dtype=np.float64))


def at_least(value: Float, target: Float) -> Bool:
    """value ≥ target, counting a value a rounding error below the target as meeting it."""
    return np.asarray(value >= target - TARGET * np.maximum(1.0, np.abs(target)))


def at_most(value: Float, target: Float) -> Bool:
    """value ≤ target, counting a value a rounding error above the target as meeting it."""
    return np.asarray(value <= target + TARGET * np.maximum(1.0, np.abs(target)))


Test = Callable[[Int, Int], Bool]  # (row indices, candidate n per row) → meets?


def least(meets: Test, lower: Int, guess: Int) -> Int:
    """Per row, the least n ≥ lower with meets(n), for a test monotone in n.

    `lower` must be a true lower bound (every n < lower fails). The search gallops from the
    guess (up while failing, down while passing, doubling the step) and then bisects, so a
    good guess costs two or three evaluations and a bad one only a logarithmic number more.
    """
    lower = np.asarray(lower, dtype=np.int64)
    rows = np.arange(lower.size)
    start = np.maximum(np.asarray(guess, dtype=np.int64), lower)
    ok = meets(rows, start)
    passing = np.where(ok, start, -1)  # least n known to pass (−1: none yet)
    failing = np.where(ok, lower - 1, start)  # greatest n known to fail (lower − 1 by bound)

    step = np.ones(lower.size, dtype=np.int64)
    todo = rows[passing < 0]
    while todo.size:  # gallop up
        cand = failing[todo] + step[todo]
        if np.any(cand > _UNREACHABLE):
            raise ValueError("target cannot be met by any number of agents")
        ok = meets(todo, cand)
        passing[todo[ok]] = cand[ok]
        failing[todo[~ok]] = cand[~ok]
        step[todo[~ok]] *= 2
        todo = todo[~ok]

    step[:] = 1
    todo = rows[passing - failing > 1]
    while todo.size:  # gallop down
        cand = passing[todo] - step[todo]
        inside = cand > failing[todo]
        todo, cand = todo[inside], cand[inside]
        ok = meets(todo, cand)
        passing[todo[ok]] = cand[ok]
        failing[todo[~ok]] = cand[~ok]
        step[todo[ok]] *= 2
        todo = todo[ok]

    todo = rows[passing - failing > 1]
    while todo.size:  # bisect between a known failure and a known pass
        cand = (failing[todo] + passing[todo]) // 2
        ok = meets(todo, cand)
        passing[todo[ok]] = cand[ok]
        failing[todo[~ok]] = cand[~ok]
        todo = todo[passing[todo] - failing[todo] > 1]
    return passing
