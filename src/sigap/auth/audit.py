"""The audit trail (D3, D7): every write and every read of customer personal data.

Writes are captured once, centrally, by a flush hook on every session: whatever a service
changes through the ORM leaves a row, so no write path can forget it. Reads of personal
data are recorded explicitly by the services that show it (`record_read`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, event, insert, inspect
from sqlalchemy.orm import Session, SessionTransaction

from sigap.auth.actor import SYSTEM, Actor
from sigap.auth.models import AuditLog
from sigap.core.clock import utcnow

ACTOR_KEY = "sigap.actor"
_AUDIT_TABLE: Table = AuditLog.__table__  # type: ignore[assignment]
# Built once: every write of every request ends with it.
_INSERT = insert(_AUDIT_TABLE)

# Tables whose rows are themselves a record of what happened, or pure counters.
_NOT_AUDITED = {"audit_log", "ticket_events", "ticket_counters"}
# Never write these values into the audit detail.
_SECRET_COLUMNS = {"password_hash", "app_secret", "verify_token", "access_token", "imap_secret",
                   "smtp_secret"}


def bind_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def actor_of(session: Session) -> Actor:
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else SYSTEM


def _row(actor: Actor, action: str, entity: str, entity_id: object, detail: dict[str, Any],
         at: dt.datetime) -> dict[str, Any]:
    return {
        "at": at,
        "user_id": actor.user_id,
        "login_code": actor.login_code,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "ip": actor.ip,
        "detail": detail,
    }


def _jsonable(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


_UNRECORDED = {"updated_at", "created_at"}


def _change(key: str, old: object, new: object) -> list[object] | str:
    return "***" if key in _SECRET_COLUMNS else [_jsonable(old), _jsonable(new)]


def _changes(obj: object, created: bool) -> dict[str, Any]:
    state = inspect(obj)
    columns = state.mapper.column_attrs
    if created:
        # A new row: every value set is a change from nothing; read them straight from
        # the instance instead of asking each attribute for its history.
        values = state.dict
        return {attr.key: _change(attr.key, None, values[attr.key]) for attr in columns
                if attr.key in values and attr.key not in _UNRECORDED}
    changed: dict[str, Any] = {}
    for attr in columns:
        if attr.key in _UNRECORDED:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        changed[attr.key] = _change(attr.key, old, new)
    return changed


def row_changes(row: dict[str, Any]) -> dict[str, Any]:
    """What the flush hook records for a new row, for a row written by a bulk insert."""
    return {"changes": {k: _change(k, None, v) for k, v in row.items()
                        if k not in _UNRECORDED and k != "id"}}


# Rows of the flush hook wait here and go in with one INSERT when the transaction commits
# (a request flushes several times; one statement per flush cost more than the rows).
_PENDING = "sigap.audit_pending"
# Where each open savepoint began in the pending list: its rows go if it rolls back.
_MARKS = "sigap.audit_marks"


@event.listens_for(Session, "after_flush")
def _audit_writes(session: Session, _ctx: object) -> None:
    actor = actor_of(session)
    now = utcnow()
    rows: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    for obj, verb in (
        *((o, "create") for o in session.new),
        *((o, "update") for o in session.dirty),
        *((o, "delete") for o in session.deleted),
    ):
        table = getattr(obj, "__tablename__", None)
        if table is None or table in _NOT_AUDITED:
            continue
        if verb == "update" and not session.is_modified(obj, include_collections=False):
            continue
        # The key from the row's columns: a new row has no identity yet at this point.
        state = inspect(obj)
        ident = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
        entity_id = ident[0] if len(ident) == 1 else ident
        detail = {"changes": _changes(obj, verb == "create")} if verb != "delete" else {}
        rows.append(_row(actor, f"{table}.{verb}", table, entity_id, detail, now))


def pending_change(session: Session, table: str, entity_id: object,
                   changes: dict[str, tuple[object, object]]) -> None:
    """The `<table>.update` row the flush hook writes, for a row changed by a prebuilt
    Core UPDATE (which bypasses the hook): `changes` maps each column to (old, new). It
    goes in with the transaction's other rows at commit."""
    detail = {"changes": {k: _change(k, old, new) for k, (old, new) in changes.items()}}
    session.info.setdefault(_PENDING, []).append(
        _row(actor_of(session), f"{table}.update", table, entity_id, detail, utcnow()))


def pending_created(session: Session, table: str, entity_id: object,
                    values: dict[str, Any]) -> None:
    """The `<table>.create` row the flush hook writes (every value set, the new id
    included), for a row written by a prebuilt Core INSERT; it goes in at commit."""
    changes = {k: _change(k, None, v) for k, v in values.items() if k not in _UNRECORDED}
    changes["id"] = _change("id", None, entity_id)
    session.info.setdefault(_PENDING, []).append(
        _row(actor_of(session), f"{table}.create", table, entity_id,
             {"changes": changes}, utcnow()))


@event.listens_for(Session, "after_transaction_create")
def _mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    marks: dict[SessionTransaction, int] = session.info.get(_MARKS, {})
    if previous.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)
    elif previous in marks:
        del session.info.get(_PENDING, [])[marks.pop(previous):]


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint is released: its rows stay pending with the transaction's
    session.flush()  # the last flush's rows too
    rows = session.info.pop(_PENDING, None)
    session.info.pop(_MARKS, None)
    if rows:
        session.connection().execute(_INSERT, rows)


def record(session: Session, action: str, entity: str, entity_id: object = None,
           detail: dict[str, Any] | None = None, actor: Actor | None = None) -> None:
    """An explicit audit row: logins, reads of personal data, exports, searches."""
    who = actor or actor_of(session)
    row = _row(who, action, entity, entity_id, {k: _jsonable(v) for k, v in (detail or {}).items()},
               utcnow())
    session.connection().execute(_INSERT, [row])


def record_read(session: Session, entity: str, entity_ids: list[object] | object,
                why: str, detail: dict[str, Any] | None = None) -> None:
    """A read of customer personal data: one row per record shown."""
    ids = entity_ids if isinstance(entity_ids, list) else [entity_ids]
    actor = actor_of(session)
    now = utcnow()
    rows = [_row(actor, f"{entity}.read", entity, i, {"why": why, **(detail or {})}, now)
            for i in ids]
    if rows:
        session.connection().execute(_INSERT, rows)


def record_created(session: Session, entity: str, entity_ids: Sequence[object],
                   detail: dict[str, Any] | None = None,
                   rows: Sequence[dict[str, Any]] | None = None) -> None:
    """One `<table>.create` row per record written by a bulk insert (which bypasses the
    flush hook above), so bulk paths leave the same trail as the ORM: with `rows` (the
    values written, in the order of the ids) the detail is each row's values, as the hook
    records them; else the one `detail` given."""
    actor = actor_of(session)
    now = utcnow()
    details = ([row_changes(r) for r in rows] if rows is not None
               else [_jsonable(detail or {})] * len(entity_ids))
    audit_rows = [_row(actor, f"{entity}.create", entity, i, d, now)  # type: ignore[arg-type]
                  for i, d in zip(entity_ids, details, strict=True)]
    if audit_rows:
        session.connection().execute(_INSERT, audit_rows)
