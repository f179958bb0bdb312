"""Deadlines of this process: run a callback at a moment, from one timer thread.

Offers ring for a minute and must go to the next agent the moment nobody answers. Queuing
a job per offer in the task queue writes to its store for every offer; a process keeps its
own deadlines in memory instead, and the periodic sweep of the worker catches any whose
process stopped before they came (docs/decisions.md).
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("sigap.timers")


class Timers:
    """One daemon thread, a heap of (when, key); one run per key and moment."""

    def __init__(self, name: str = "sigap-timers") -> None:
        self._heap: list[tuple[float, str]] = []
        self._pending: set[tuple[float, str]] = set()
        self._actions: dict[str, Callable[[], None]] = {}
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def at(self, when: float, key: str, action: Callable[[], None],
           resolution: float = 0.25) -> None:
        """Run `action` at epoch time `when` (rounded up to `resolution`): deadlines that
        fall in the same slot with the same key run once."""
        slot = -(-when // resolution) * resolution
        with self._wake:
            self._actions[key] = action
            if (slot, key) in self._pending:
                return
            self._pending.add((slot, key))
            heapq.heappush(self._heap, (slot, key))
            if not self._started:
                self._started = True
                self._thread.start()
            if self._heap[0] == (slot, key):
                self._wake.notify()

    @property
    def waiting(self) -> int:
        with self._wake:
            return len(self._heap)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap or self._heap[0][0] > time.time():
                    delay = self._heap[0][0] - time.time() if self._heap else None
                    self._wake.wait(delay)
                slot, key = heapq.heappop(self._heap)
                self._pending.discard((slot, key))
                action = self._actions[key]
            try:
                action()
            except Exception:  # a failed run must not stop the deadlines after it
                log.exception("timer %s failed", key)


_process = Timers()


def at(when: float, key: str, action: Callable[[], None]) -> None:
    """A deadline on the process's timer thread."""
    _process.at(when, key, action)
