"""The worker: the grant purge job on both databases, the consumer on both queue backends."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap import jobs
from sigap.auth.models import AuditLog, User
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.customers.models import CustomerAccessGrant
from tests import factories

REDIS_URL = os.environ.get("SIGAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _grants(session: Session, ages_hours: list[float]) -> None:
    site = factories.site(session)
    team = factories.team(session, site)
    agent = factories.staff(session, team=team)
    user_id = session.scalar(select(User.id).where(User.staff_id == agent.id))
    assert user_id is not None
    customer = factories.customer(session)
    now = utcnow()
    for age in ages_hours:
        session.add(CustomerAccessGrant(user_id=user_id, customer_id=customer.id,
                                        granted_at=now - dt.timedelta(hours=age),
                                        reason="identifikasi nomor telepon"))
    session.commit()


def _count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(CustomerAccessGrant.id))) or 0


def test_purge_deletes_only_expired_grants(sessions: sessionmaker[Session],
                                           session: Session) -> None:
    _grants(session, [0.5, 11.5, 12.5, 48])
    assert jobs.purge_access_grants(sessions, 12) == 2
    assert _count(sessions) == 2
    with sessions() as s:
        rows = list(s.scalars(select(AuditLog).where(
            AuditLog.action == "customer_access_grants.purge")))
    assert len(rows) == 1
    assert rows[0].user_id is None and rows[0].detail["deleted"] == 2
    # Nothing left to purge: no work, no audit row.
    assert jobs.purge_access_grants(sessions, 12) == 0
    assert jobs.purge_access_grants(sessions, 1, now=utcnow() + dt.timedelta(days=3)) == 2


def test_queue_backend_follows_settings(tmp_path: Path) -> None:
    local = jobs.new_queue(Settings(database_url=f"sqlite:///{tmp_path}/db/sigap.db"))
    assert type(local).__name__ == "SqliteHuey"
    assert jobs.queue_path(Settings(database_url=f"sqlite:///{tmp_path}/db/sigap.db")) == \
        tmp_path / "db" / "huey.db"
    assert jobs.queue_path(Settings(huey_path=str(tmp_path / "q.db"))) == tmp_path / "q.db"
    remote = jobs.new_queue(Settings(redis_url=REDIS_URL))
    assert type(remote).__name__ == "RedisHuey"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


def _run_consumer(settings: Settings, sessions: sessionmaker[Session]) -> None:
    # A queue name of its own, so parallel test runs sharing one Redis never cross.
    huey = jobs.new_queue(settings, name=f"sigap-test-{uuid.uuid4().hex[:8]}")
    tasks = jobs.register(huey, settings)
    worker = jobs.BackgroundWorker(huey, threads=1, shutdown_timeout=10)
    worker.start()
    try:
        assert worker.alive
        tasks["purge_access_grants"]()  # enqueue the hourly job now
        deadline = time.monotonic() + 15
        while _count(sessions) != 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _count(sessions) == 1
    finally:
        started = time.monotonic()
        worker.stop()
    assert not worker.alive
    assert time.monotonic() - started < 12
    huey.flush()


@pytest.mark.parametrize("backend", ["sqlite-queue", "redis-queue"])
def test_consumer_runs_the_job_and_stops(backend: str, db_url: str, tmp_path: Path,
                                         sessions: sessionmaker[Session],
                                         session: Session) -> None:
    if backend == "redis-queue" and not _redis_available():
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable")
    _grants(session, [1, 30])
    settings = Settings(
        database_url=db_url, secret_key="test",
        huey_path=str(tmp_path / f"huey-{uuid.uuid4().hex}.db"),
        redis_url=REDIS_URL if backend == "redis-queue" else None,
    )
    _run_consumer(settings, sessions)
