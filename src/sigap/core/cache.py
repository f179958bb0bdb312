"""Small read-mostly tables kept in each process's memory (the routing queues, the
priority-account list), read on every contact but edited a few times a day.

A `Cached` value is loaded from the database on first use and kept for `ttl` seconds. Any
committed ORM change to one of the tables it watches clears it in this process at once,
and the live broker carries the news to the other processes (through Redis when several
run), the way the identity cache does (auth/identity.py). A process that does not relay
live events (the worker) sees an edit within `ttl`.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from sigap.core import broker
from sigap.db.session import on_commit, txn_info

TOPIC = "cache"
T = TypeVar("T")

_registry: dict[str, Cached[Any]] = {}
_registry_lock = threading.Lock()


class Cached(Generic[T]):
    """One value per process (per database URL), cleared when its tables change."""

    def __init__(self, name: str, ttl: float, watched: tuple[type[Any], ...]) -> None:
        self.name = name
        self.ttl = ttl
        # By engine, weakly: each application (and each test) has its own database.
        self._values: weakref.WeakKeyDictionary[Any, tuple[float, T]] = \
            weakref.WeakKeyDictionary()
        self._generation = 0
        with _registry_lock:
            _registry[name] = self
        for model in watched:
            for change in ("after_insert", "after_update", "after_delete"):
                event.listen(model, change, self._changed)

    def get(self, session: Session, load: Callable[[Session], T]) -> T:
        bind = session.get_bind()
        key = getattr(bind, "engine", bind)
        entry = self._values.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        if session.info.get(_DIRTY_KEY, set()) & {self.name}:
            return load(session)  # this transaction's own uncommitted edit: read it fresh
        generation = self._generation
        value = load(session)
        if generation == self._generation:  # not cleared while loading
            self._values[key] = (time.monotonic() + self.ttl, value)
        return value

    def clear(self) -> None:
        self._generation += 1
        self._values.clear()

    def _changed(self, _mapper: Any, _connection: Any, target: object) -> None:
        session = object_session(target)
        self.clear()
        if session is None:
            return
        session.info.setdefault(_DIRTY_KEY, set()).add(self.name)
        info = txn_info(session)
        flag = f"{_FLAG}:{self.name}"
        if not info.get(flag):
            info[flag] = True
            on_commit(session, lambda: self._announce(session))

    def _announce(self, session: Session) -> None:
        session.info.get(_DIRTY_KEY, set()).discard(self.name)
        self.clear()
        broker.current().publish(TOPIC, {"kind": "cache", "name": self.name})


_FLAG = "sigap_cache_changed"
_DIRTY_KEY = "sigap.cache_dirty"


def forget(event: dict[str, Any] | None = None) -> None:
    """Another process committed a change: clear the named cache (every one if unnamed)."""
    name = (event or {}).get("name")
    with _registry_lock:
        caches = [c for n, c in _registry.items() if name in (None, n)]
    for cache in caches:
        cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: Any) -> None:
    if previous.parent is None:
        dirty = session.info.pop(_DIRTY_KEY, set())
        if dirty:
            forget_names(dirty)


def forget_names(names: set[str]) -> None:
    with _registry_lock:
        caches = [c for n, c in _registry.items() if n in names]
    for cache in caches:
        cache.clear()
