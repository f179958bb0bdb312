"""The garbage collector of a server process, settled for a steady stream of requests.

What is alive once the app has started (modules, routes, mappers, compiled statements) lives
as long as the process, yet CPython's full collection walks all of it again and again: with
the analytics libraries loaded that took up to 190 ms, every few seconds, with every request
and live event of the process waiting (docs/benchmarks.md, routing). So at start-up those
objects are frozen out of the collector's reach, and the first generation is collected less
often: a request's short-lived objects are then mostly gone before a collection, instead of
being promoted and walked again by the older generations.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections (CPython's default is 700); then how many young
# collections per middle one, and middle per full one (CPython's 10 and 10).
THRESHOLD = (10_000, 20, 10)


@contextmanager
def settled() -> Iterator[None]:
    """Freeze what start-up made and collect less often, while the server runs; back as
    it was after (the tests start and stop many apps in one process)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
