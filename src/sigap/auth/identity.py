"""Who a credential belongs to, resolved from the database once and then kept briefly.

Every request names its caller by a signed token or session cookie: a user id and its
token version. Turning that into an Actor reads the user, the staff record, its site and
the teams it leads; an agent's desk asks many times a minute, and that read was the
largest single cost of a small request (docs/benchmarks.md). So each server process
keeps the resolved actors for `ttl` seconds, keyed by (user id, token version).

It never serves a stale answer for long: any committed change to users, staff, teams or
sites clears every cache of this process at once, and the live broker carries the news to
the other processes (through Redis when several run). A password change or deactivation
bumps the token version, so the old key is not even asked for again here. Without Redis,
another process notices within `ttl` (docs/decisions.md).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, object_session

from sigap.auth.actor import Actor
from sigap.auth.models import User
from sigap.core import broker
from sigap.db.session import on_commit, txn_info
from sigap.org.models import Site, Staff, Team

TOPIC = "auth"
_FLAG = "sigap_identity_changed"
_MAX_ENTRIES = 20_000

# (user id, token version) for a session; the token itself for a bearer token, so that a
# token seen moments ago is not even checked for its signature again.
Key = tuple[int, int] | str
_caches: weakref.WeakSet[IdentityCache] = weakref.WeakSet()
_caches_lock = threading.Lock()


class IdentityCache:
    """Resolved actors of one application, by (user id, token version)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[Key, tuple[float, Actor]] = {}
        with _caches_lock:
            _caches.add(self)

    def get(self, key: Key) -> Actor | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: Key, actor: Actor, until: float | None = None) -> None:
        """Keep `actor` for `ttl` seconds, and never past `until` (epoch seconds: when the
        credential itself expires)."""
        if self.ttl <= 0:
            return
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()
        expires = time.monotonic() + self.ttl
        if until is not None:
            expires = min(expires, time.monotonic() + until - time.time())
        self._entries[key] = (expires, actor)

    def clear(self) -> None:
        self._entries.clear()


def forget_all(_event: dict[str, Any] | None = None) -> None:
    """Clear every identity cache of this process."""
    with _caches_lock:
        caches = list(_caches)
    for cache in caches:
        cache.clear()


def _announce() -> None:
    forget_all()
    broker.current().publish(TOPIC, {"kind": "identities"})


# Columns whose change does not alter who someone is or what they may do.
_BOOKKEEPING = {"last_login_at", "updated_at"}


def _updated(mapper: Mapper[Any], connection: Any, target: object) -> None:
    if {a.key for a in inspect(target).attrs if a.history.has_changes()} <= _BOOKKEEPING:
        return
    _changed(mapper, connection, target)


def _changed(_mapper: Mapper[Any], _connection: Any, target: object) -> None:
    session: Session | None = object_session(target)
    if session is None:
        forget_all()
        return
    info = txn_info(session)
    if not info.get(_FLAG):
        info[_FLAG] = True
        on_commit(session, _announce)


for _model in (User, Staff, Team, Site):
    event.listen(_model, "after_insert", _changed)
    event.listen(_model, "after_update", _updated)
    event.listen(_model, "after_delete", _changed)
