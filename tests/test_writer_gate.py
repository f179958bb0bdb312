"""SQLite writers queue on one gate: threads of a process on a semaphore, processes sharing
the file on an exclusive lock of `<database>-writer.lock` (db/session.WriterGate)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from sigap.db.session import make_engine

_INCREMENTS = """
import sys
from sqlalchemy import text
from sigap.db.session import make_engine
engine = make_engine(sys.argv[1])
for _ in range(int(sys.argv[2])):
    with engine.begin() as conn:
        value = conn.execute(text("SELECT n FROM counter")).scalar_one()
        conn.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
"""


def _free(lock: Path) -> bool:
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_a_write_transaction_holds_the_shared_lock_until_it_ends(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/gate.db")
    lock = tmp_path / "gate.db-writer.lock"
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        assert not _free(lock)  # another process would wait here, not poll SQLite
    assert _free(lock)
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert not _free(lock)
        conn.rollback()
    assert _free(lock)
    engine.dispose()


@pytest.mark.timeout(120)
def test_processes_writing_one_file_take_turns_and_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    # Read then write in each transaction: three processes queue on the gate (none waits
    # forever, none meets "database is locked"), and every increment counts.
    runs = [subprocess.Popen([sys.executable, "-c", _INCREMENTS, url, "300"])
            for _ in range(3)]
    assert [run.wait(timeout=110) for run in runs] == [0, 0, 0]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar_one() == 900
    engine.dispose()
