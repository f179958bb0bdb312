"""Ticket numbers: T-YYYY-NNNNNN from a counter row per year."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sigap.core.ids import ticket_number
from sigap.tickets.models import TicketCounter


@cache
def _upsert(dialect: str) -> Any:
    # Built once: a statement is rebuilt on every call otherwise, and this one runs for
    # every ticket.
    table: Table = TicketCounter.__table__  # type: ignore[assignment]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(year=bindparam("year"), last=bindparam("count"))
        .on_conflict_do_update(index_elements=["year"],
                               set_={"last": table.c.last + bindparam("count")})
        .returning(table.c.last)
    )


def reserve_numbers(session: Session, year: int, count: int) -> list[str]:
    """`count` consecutive ticket numbers of the year, in one atomic upsert.

    The upsert creates the year's row on first use and otherwise increments it under the
    row lock, so concurrent transactions get distinct numbers. On PostgreSQL the numbers are
    taken in their own short transaction: holding the counter's row lock until the ticket's
    transaction commits would serialise every ticket creation. A ticket whose transaction
    then fails leaves a gap in the numbers, as a database sequence would. SQLite already
    serialises writers, so there it stays inside the ticket's transaction.
    """
    bind = session.get_bind()
    dialect = bind.dialect.name
    params = {"year": year, "count": count}
    if dialect == "postgresql":
        with bind.engine.connect() as conn:
            last = int(conn.execute(_upsert(dialect), params).scalar_one())
            conn.commit()
    else:
        last = int(session.execute(_upsert(dialect), params).scalar_one())
    return [ticket_number(year, n) for n in range(last - count + 1, last + 1)]
