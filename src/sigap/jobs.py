"""The worker: timed and background work, outside any request.

huey keeps the queue: a SQLite file beside the database on one machine, Redis when
SIGAP_REDIS_URL is set (any number of `sigap worker` processes on any machine). Each job
runs in one transaction with the SYSTEM actor bound, so its writes are audited.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from functools import lru_cache
from pathlib import Path

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy import delete
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings, get_settings
from sigap.core.clock import utcnow
from sigap.customers.models import CustomerAccessGrant
from sigap.db.session import make_engine, make_sessionmaker, normalise_url, transaction

log = logging.getLogger("sigap.jobs")

# Domains with a tasks.py list it here; each exposes `register(huey, settings)` returning
# its task wrappers by name.
TASK_MODULES: tuple[str, ...] = ("sigap.channels.email.tasks", "sigap.channels.tasks",
                                  "sigap.routing.tasks", "sigap.sla.tasks",
                                  "sigap.workforce.tasks", "sigap.reports.tasks",
                                  "sigap.surveys.tasks", "sigap.reports.scheduled.tasks")


def queue_path(settings: Settings) -> Path:
    """Where the embedded queue lives: SIGAP_HUEY_PATH, else next to the SQLite file."""
    if settings.huey_path:
        return Path(settings.huey_path)
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "huey.db"
    return Path("var") / "huey.db"


def new_queue(settings: Settings, name: str = "sigap") -> Huey:
    """An empty queue for these settings: Redis when configured, else the SQLite file."""
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, results=False)
    path = queue_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def make_huey(settings: Settings) -> Huey:
    """A queue for these settings with every periodic job registered on it."""
    huey = new_queue(settings)
    register(huey, settings)
    from sigap.routing.tasks import arm_offer_timer

    arm_offer_timer(settings)  # the offers this worker makes time out on time too
    return huey


@lru_cache
def get_huey() -> Huey:
    """The process's queue, built from the environment once."""
    return make_huey(get_settings())


@lru_cache
def job_sessions(database_url: str) -> sessionmaker[Session]:
    # One engine per process and database, created on the first job that needs it.
    return make_sessionmaker(make_engine(database_url))


def purge_access_grants(sessions: sessionmaker[Session], max_age_hours: int,
                        now: dt.datetime | None = None) -> int:
    """Delete customer access grants older than `max_age_hours` (D7); returns how many.

    A grant only covers the contact in progress, so an expired one is worth nothing and
    only widens access. The bulk delete bypasses the ORM, hence one explicit audit row.
    """
    cutoff = (now or utcnow()) - dt.timedelta(hours=max_age_hours)
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        result = session.execute(
            delete(CustomerAccessGrant).where(CustomerAccessGrant.granted_at < cutoff)
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            audit.record(session, "customer_access_grants.purge", "customer_access_grants",
                         None, {"deleted": count, "granted_before": cutoff})
    return count


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    """Every periodic job of Sigap, on this queue; calling one enqueues it now."""

    @huey.periodic_task(crontab(minute="0"), name="purge_access_grants")
    def purge_access_grants_hourly() -> None:
        deleted = purge_access_grants(job_sessions(settings.database_url),
                                      settings.identify_grant_hours)
        log.info("purged %d expired customer access grants", deleted)

    tasks: dict[str, TaskWrapper] = {"purge_access_grants": purge_access_grants_hourly}
    for name in TASK_MODULES:
        tasks.update(importlib.import_module(name).register(huey, settings))
    return tasks


class _EmbeddedConsumer(Consumer):
    """A consumer living inside another program (the web server), which owns signals."""

    def _set_signal_handlers(self) -> None:
        return None


class BackgroundWorker:
    """The consumer's scheduler and workers as daemon threads of the current process."""

    def __init__(self, huey: Huey, threads: int = 2, shutdown_timeout: float = 10.0) -> None:
        self.consumer = _EmbeddedConsumer(
            huey, workers=max(1, threads), worker_type="thread", periodic=True,
            max_delay=2.0, shutdown_timeout=shutdown_timeout,
        )
        self.started = False

    def start(self) -> None:
        self.consumer.start()
        self.started = True

    @property
    def alive(self) -> bool:
        threads = [self.consumer.scheduler] + [t for _, t in self.consumer.worker_threads]
        return any(t.is_alive() for t in threads)

    def stop(self) -> None:
        """Let running jobs finish (up to the shutdown timeout), then stop."""
        if self.started:
            self.consumer.stop(graceful=True)
            self.started = False


def run_worker(settings: Settings) -> None:
    """`sigap worker`: the consumer in the foreground with huey's own signal handling."""
    from sigap.core import broker

    broker.install(broker.for_url(settings.redis_url))  # the jobs' live events reach pages
    huey = make_huey(settings)
    Consumer(huey, workers=max(1, settings.worker_threads), worker_type="thread",
             max_delay=2.0).run()
