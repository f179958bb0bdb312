"""Digests and clean-up for the demo tests."""

from __future__ import annotations

import hashlib

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from sigap.db.base import Base

# Every table the demo fills, in insert order (audit_log is time-stamped "now", left out).
DEMO_TABLES = (
    "sites", "teams", "staff", "users", "customers", "customer_services", "customer_contacts",
    "tickets", "interactions", "ticket_events", "ticket_counters",
)
_SKIP = {"password_hash"}  # argon2 salts differ on every hash


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def digest(session: Session, name: str) -> str:
    """A hash of every row of a table, in primary key order."""
    t = table(name)
    columns = [c for c in t.columns if c.name not in _SKIP]
    rows = session.execute(select(*columns).order_by(*t.primary_key.columns)).all()
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def digests(session: Session) -> dict[str, str]:
    return {name: digest(session, name) for name in DEMO_TABLES}


def wipe(session: Session) -> None:
    """Empty every demo table (and the audit log), children first."""
    session.execute(update(table("teams")).values(leader_id=None))
    for name in ("customer_access_grants", "audit_log", *reversed(DEMO_TABLES)):
        session.execute(delete(table(name)))
    session.commit()
