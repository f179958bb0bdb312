"""What the live floor hears: events on topics, sent once the transaction has committed.

Topics: `agent:{staff}` (the agent's offers and work), `queue:{id}` (a queue's wallboard),
`team:{id}` and `site:{id}` (the team leader's and the site's floor).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from sigap.core import broker
from sigap.db.session import on_commit, txn_info


def notify(session: Session, topics: Iterable[str], kind: str, **data: Any) -> None:
    """Publish `kind` on every topic after the commit; repeats within one transaction (same
    topic, kind and item) are sent once (a page re-reads its state on any event)."""
    scratch = txn_info(session)
    pending: dict[tuple[str, str, object], dict[str, Any]] | None = scratch.get("live")
    if pending is None:
        pending = scratch["live"] = {}
        on_commit(session, lambda: _flush(pending))
    for topic in topics:
        pending[(topic, kind, data.get("item"))] = {"kind": kind, **data}


def _flush(pending: dict[tuple[str, str, object], dict[str, Any]]) -> None:
    hub = broker.current()
    sent = time.time()  # lets a listener measure how long the fan-out took
    for (topic, _kind, _item), event in pending.items():
        hub.publish(topic, {**event, "at": sent})
