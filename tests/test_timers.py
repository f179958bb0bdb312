"""The process's deadlines (core/timers.py): each runs at its moment, in order, once per
key and moment, and a failure does not stop the ones after it."""

from __future__ import annotations

import threading
import time

from sigap.core.timers import Timers


def test_deadlines_run_at_their_moment_in_order_and_once_per_slot() -> None:
    timers = Timers("test-timers")
    ran: list[tuple[str, float]] = []
    done = threading.Event()
    start = time.time()

    def mark(name: str) -> None:
        ran.append((name, time.time() - start))
        if name == "last":
            done.set()

    timers.at(start + 1.4, "last", lambda: mark("last"))
    timers.at(start + 0.2, "early", lambda: mark("early"))  # added later, due first
    for _ in range(5):  # the same key and slot: one run
        timers.at(start + 0.8, "middle", lambda: mark("middle"))
    timers.at(start + 0.3, "broken", lambda: 1 / 0)  # type: ignore[func-returns-value]
    assert done.wait(5)
    assert [name for name, _ in ran] == ["early", "middle", "last"]
    for (_, when), due in zip(ran, (0.2, 0.8, 1.4), strict=True):
        assert due - 0.01 <= when < due + 0.5  # slots of 0.25 s, and a busy machine
    assert timers.waiting == 0
