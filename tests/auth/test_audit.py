"""The flush hook's audit rows go in with the transaction they record: one INSERT at
commit, none for work a savepoint rolled back, none at all if the transaction fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.org.models import Team
from tests import factories


@contextmanager
def audit_inserts(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO audit_log"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def test_rows_follow_their_savepoint_and_go_in_with_one_insert(engine: Engine,
                                                               session: Session) -> None:
    with audit_inserts(engine) as inserts:
        site = factories.site(session)  # flushed: its row waits for the commit
        with session.begin_nested():
            session.add(Team(name="Tier 1 Chat", site_id=site.id, tier="tier1", desk="Chat"))
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(Team(name="Dibatalkan", site_id=site.id, tier="tier1", desk="X"))
            session.flush()
            raise RuntimeError("the savepoint rolls back")
        site.seats = 99  # a change after the savepoints, flushed at commit
        assert inserts == []
        session.commit()
    assert len(inserts) == 1
    assert _actions(session) == ["sites.create", "teams.create", "sites.update"]
    team = session.scalar(select(Team.id))
    assert list(session.scalars(select(AuditLog.entity_id).order_by(AuditLog.id))) == [
        str(site.id), str(team), str(site.id)]
    assert session.scalar(select(func.count(Team.id))) == 1


def test_a_failed_transaction_leaves_no_rows(session: Session) -> None:
    factories.site(session)
    session.flush()
    session.rollback()
    factories.site(session, code="BDG", name="Bandung")
    session.commit()
    assert _actions(session) == ["sites.create"]
