"""Engines and sessions: SQLite (WAL) by default, PostgreSQL through psycopg 3."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("sigap.db")


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Execution option for a transaction that only reads (who the caller is): on SQLite it
# begins deferred, without the write lock.
_READ_PHASE = "sigap_read_phase"


class WriterGate:
    """One SQLite write transaction at a time, in this process and across processes.

    Every transaction takes SQLite's write lock at BEGIN IMMEDIATE (see decisions.md). Left
    to SQLite, a writer that finds it taken polls with growing sleeps, which stretches the
    latency tail and wastes the time between polls. So writers queue here instead: the
    threads of one process on a semaphore, and the processes sharing the file (several
    server workers, the task worker, a CLI command) on an exclusive `flock` of a lock file
    beside the database, which the kernel hands to the next waiter the moment the holder's
    connection goes back to the pool.
    """

    _HELD = "sigap_writer_gate"

    def __init__(self, timeout: float, lock_path: Path | None = None) -> None:
        self._slot = threading.BoundedSemaphore(1)
        self._timeout = timeout
        self._fd: int | None = None
        if lock_path is not None:
            self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            weakref.finalize(self, os.close, self._fd)

    def begin(self, conn: Any) -> None:
        if conn.get_execution_options().get(_READ_PHASE):
            conn.exec_driver_sql("BEGIN")
            return
        if not conn.info.get(self._HELD):
            if not self._slot.acquire(timeout=self._timeout):
                raise TimeoutError(f"SQLite write lock not free after {self._timeout:.0f} s")
            if self._fd is not None:
                # Blocking, without the GIL; a process that dies holding it releases it.
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            conn.info[self._HELD] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.release(conn.info)
            raise

    def release(self, info: dict[str, Any]) -> None:
        if info.pop(self._HELD, False):
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._slot.release()

    def on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            self.release(record.info)

    def on_invalidate(self, _dbapi_connection: Any, record: Any, _exc: Any) -> None:
        self.release(record.info)


def make_engine(url: str, echo: bool = False, *, lock_at_begin: bool = True) -> Engine:
    """An engine for `url`; on SQLite, `lock_at_begin=False` leaves transactions deferred
    (a reader that never writes then never holds the write lock)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            pool_size=16,
            max_overflow=16,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if lock_at_begin:
            shared = Path(f"{database}-writer.lock") if database and database != ":memory:" \
                else None
            gate = WriterGate(timeout=30, lock_path=shared)
            event.listen(engine, "begin", gate.begin)
            event.listen(engine.pool, "checkin", gate.on_checkin)
            event.listen(engine.pool, "invalidate", gate.on_invalidate)
        else:
            event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextmanager
def read_phase(session: Session) -> Iterator[None]:
    """A stretch of reads at the start of a unit of work, in its own transaction that ends
    with the stretch. On SQLite it begins deferred, so it never holds the write lock; on
    every backend the connection goes back to the pool between the request's dependencies
    and its route, which may wait for a free thread (holding it there let a burst of
    requests larger than the pool starve each other until the pool timed out)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={_READ_PHASE: True})
    yield
    session.commit()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction for a job or a CLI command: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_ON_COMMIT = "sigap_on_commit"
_TXN = "sigap_txn"


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the session's transaction has committed (never if it rolls back):
    what others may see of a write (a live event, a queued job) leaves only after it."""
    session.info.setdefault(_ON_COMMIT, []).append(action)


def txn_info(session: Session) -> dict[str, Any]:
    """Scratch space that lives as long as the current transaction."""
    info: dict[str, Any] = session.info.setdefault(_TXN, {})
    return info


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    session.info.pop(_TXN, None)
    for action in session.info.pop(_ON_COMMIT, []):
        try:
            action()
        except Exception:  # a lost notification must not undo a committed write
            log.exception("after-commit action failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_ON_COMMIT, None)
        session.info.pop(_TXN, None)
