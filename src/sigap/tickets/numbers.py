"""Ticket numbers: T-YYYY-NNNNNN, counted per year.

SQLite keeps a counter row per year (`ticket_counters`), incremented inside the ticket's
own transaction: writers are serialised there anyway. PostgreSQL uses a sequence per year
(`ticket_number_YYYY`), whose `nextval` takes no lock that lasts until commit, so
concurrent tickets never wait on each other for a number and no separate transaction is
needed (a rolled-back ticket leaves a gap, as a sequence does). The sequence is created on
first use in a year, owned by the counter table (emptying that table restarts it), and
never behind the counter row (see `catch_up`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Engine, Table, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
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
    """`count` distinct ticket numbers of the year, in ascending order, taken atomically."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        sequence = _year_sequence(bind.engine, year)
        taken = sorted(session.scalars(
            text(f"SELECT nextval('{sequence}') FROM generate_series(1, :n)"), {"n": count}))
        return [ticket_number(year, int(n)) for n in taken]
    last = int(session.execute(_upsert(bind.dialect.name),
                               {"year": year, "count": count}).scalar_one())
    return [ticket_number(year, n) for n in range(last - count + 1, last + 1)]


_ready: set[tuple[str, int]] = set()
_CATCH_UP = ("SELECT setval('{name}', c.last) FROM ticket_counters c, {name} s "
             "WHERE c.year = :year AND c.last >= "
             "CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END")


def _year_sequence(engine: Engine, year: int) -> str:
    """The year's sequence, made (and brought up to the counter row) once per database."""
    name = f"ticket_number_{year:04d}"
    key = (engine.url.render_as_string(hide_password=True), year)
    if key in _ready:
        return name
    with engine.connect() as conn:
        try:
            conn.execute(text(f"CREATE SEQUENCE IF NOT EXISTS {name} "
                              "OWNED BY ticket_counters.last"))
            conn.commit()
        except IntegrityError:  # another process created it at the same moment
            conn.rollback()
        conn.execute(text(_CATCH_UP.format(name=name)), {"year": year})
        conn.commit()
    _ready.add(key)
    return name


def catch_up(session: Session) -> None:
    """After rows were written with numbers of their own (the demo generator sets the
    counter rows), make sure no number handed out later was used already."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return  # the counter rows are the numbering there
    for year in session.scalars(select(TicketCounter.year)):
        name = _year_sequence(bind.engine, year)
        session.execute(text(_CATCH_UP.format(name=name)), {"year": year})
