"""Digests and clean-up for the demo tests."""

from __future__ import annotations

import hashlib

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.orm import Session

from sigap.db.base import Base

# Every table the demo fills, in insert order (audit_log is time-stamped "now", left out).
DEMO_TABLES = (
    "sites", "teams", "staff", "users", "customers", "customer_services", "customer_contacts",
    "tickets", "interactions", "ticket_events", "ticket_counters", "email_mailboxes",
    "email_templates", "email_related_products", "email_level_routes", "email_messages",
    "email_references", "email_attachments", "email_quarantine", "queues", "queue_members",
    "work_items", "offers", "wfm_queue_plans", "wfm_shift_templates", "wfm_forecasts",
    "wfm_forecast_intervals", "wfm_rosters", "wfm_roster_shifts", "presence",
    "presence_changes", "wfm_attendance",
)
# argon2 salts differ on every hash; a roster's solve time is measured wall time.
_SKIP = {"password_hash", "solve_seconds"}


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
    names = ("customer_access_grants", "audit_log", *reversed(DEMO_TABLES))
    if session.get_bind().dialect.name == "postgresql":
        # RESTART IDENTITY: rows the demo lets the database number start from 1 again.
        session.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        session.commit()
        return
    session.execute(update(table("teams")).values(leader_id=None))
    for name in names:
        session.execute(delete(table(name)))
    session.commit()
