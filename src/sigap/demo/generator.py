"""`sigap demo`: a whole synthetic operation, deterministic for a seed and a date.

The rows are built in memory first (no I/O, one `random.Random(seed)`), then written with
bulk Core inserts in chunks inside one transaction. Bulk inserts bypass the ORM audit hook,
so one `demo.generate` audit row records what was generated.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from rich.progress import Progress
from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.auth.models import User
from sigap.auth.passwords import hash_password
from sigap.core.clock import utcnow
from sigap.customers.models import Customer, CustomerContact, CustomerService
from sigap.db.session import transaction
from sigap.demo.customers import Customers, build_customers
from sigap.demo.email import seed_email_desk
from sigap.demo.people import Org, build_org
from sigap.demo.queues import seed_queues
from sigap.demo.traffic import WIB, Traffic, build_traffic
from sigap.demo.workforce import seed_workforce
from sigap.org.models import Role, Site, Staff, Team
from sigap.reports import rollup
from sigap.tickets import numbers
from sigap.tickets.models import Interaction, Ticket, TicketCounter, TicketEvent

CHUNK = 5000
# The desk is "live" until late morning of the generated today.
CUTOFF_HOUR_WIB = 11


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 7
    scale: float = 0.01
    days: int = 14
    password: str = "sigap-demo"
    # Fixed dates make the output reproducible; None means the real current date (WIB).
    today: dt.date | None = None
    now: dt.datetime | None = None


@dataclass
class Dataset:
    today: dt.date
    cutoff: dt.datetime
    org: Org
    customers: Customers
    traffic: Traffic


@dataclass
class DemoResult:
    counts: dict[str, int]
    logins: list[dict[str, str]]
    seconds: float
    cutoff: dt.datetime
    timings: dict[str, float] = field(default_factory=dict)


def today_and_cutoff(options: DemoOptions) -> tuple[dt.date, dt.datetime]:
    """The demo's 'today' (WIB) and the moment after which nothing has happened yet."""
    now = options.now or utcnow()
    today = options.today or (now + WIB).date()
    late_morning = dt.datetime(today.year, today.month, today.day, CUTOFF_HOUR_WIB,
                               tzinfo=dt.UTC) - WIB
    if options.today is not None and options.now is None:
        return today, late_morning
    return today, min(now, late_morning)


def build(options: DemoOptions, password_hash: str) -> Dataset:
    """Every row of the demo, in memory. Same options → the same rows."""
    rng = random.Random(options.seed)
    today, cutoff = today_and_cutoff(options)
    org = build_org(rng, options.scale, today, password_hash)
    first_day = today - dt.timedelta(days=options.days)
    stamp = dt.datetime(first_day.year, first_day.month, first_day.day,
                        tzinfo=dt.UTC) - dt.timedelta(days=60)
    customers = build_customers(rng, options.scale, stamp)
    traffic = build_traffic(rng, org, customers, today, options.days, cutoff)
    return Dataset(today=today, cutoff=cutoff, org=org, customers=customers, traffic=traffic)


def has_data(session: Session) -> bool:
    """Whether the operation already has sites, staff, customers or tickets."""
    return any(session.scalar(select(model.id).limit(1)) is not None
               for model in (Site, Staff, Customer, Ticket))


def _where(team: str | None, site: str | None) -> str:
    return " / ".join(part for part in (team, site) if part) or "-"


def existing_logins(session: Session) -> list[dict[str, str]]:
    """One login per role, read back from the database (the first of each role)."""
    first = (select(func.min(Staff.id)).join(User, User.staff_id == Staff.id)
             .where(Staff.active.is_(True)).group_by(Staff.role))
    rows = list(session.execute(
        select(Staff.login_code, Staff.online_name, Staff.role, Team.name, Site.code)
        .outerjoin(Team, Team.id == Staff.team_id).outerjoin(Site, Site.id == Staff.site_id)
        .where(Staff.id.in_(first))
    ).all())
    order = [r.value for r in Role]
    rows.sort(key=lambda r: order.index(r[2]) if r[2] in order else len(order))
    return [{"login_code": str(r[0]), "online_name": r[1], "role": r[2],
             "where": _where(r[3], r[4])} for r in rows]


def demo_logins(org: Org) -> list[dict[str, str]]:
    """One login per role, then one agent of every desk."""
    teams = {t["id"]: t for t in org.teams}
    sites = {s["id"]: s["code"] for s in org.sites}
    chosen: list[dict[str, Any]] = []
    for role in Role:
        person = next((s for s in org.staff if s["role"] == role), None)
        if person is not None:
            chosen.append(person)
    for agents in org.agents_by_desk.values():
        extra = next((a for a in agents if a not in chosen), None)
        if extra is not None:
            chosen.append(extra)
    return [{"login_code": str(s["login_code"]), "online_name": s["online_name"],
             "role": s["role"],
             "where": _where(teams[s["team_id"]]["name"] if s["team_id"] else None,
                             sites.get(s["site_id"]))} for s in chosen]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _write(session: Session, model: Any, rows: list[dict[str, Any]], progress: Progress | None,
           label: str) -> None:
    table = _table(model)
    task = progress.add_task(label, total=len(rows)) if progress else None
    conn = session.connection()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        conn.execute(insert(table), chunk)
        if progress is not None and task is not None:
            progress.advance(task, len(chunk))


def _reset_sequences(session: Session) -> None:
    """PostgreSQL: rows came with explicit ids, so move each id sequence past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in (Site, Team, Staff, User, Customer, CustomerService, CustomerContact, Ticket,
                  Interaction, TicketEvent):
        name = _table(model).name
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
        ))


def write(session: Session, data: Dataset, progress: Progress | None = None) -> dict[str, int]:
    """Insert a built dataset; returns the row count per table."""
    org, cust, traffic = data.org, data.customers, data.traffic
    _write(session, Site, org.sites, progress, "Site")
    _write(session, Team, [{**t, "leader_id": None} for t in org.teams], progress, "Tim")
    _write(session, Staff, org.staff, progress, "Staf")
    _write(session, User, org.users, progress, "Akun login")
    # Teams and their leaders point at each other: the leaders are set once both exist.
    session.connection().execute(
        update(_table(Team)).where(_table(Team).c.id == bindparam("team_id"))
        .values(leader_id=bindparam("leader"), updated_at=bindparam("stamp")),
        [{"team_id": t["id"], "leader": t["leader_id"], "stamp": t["updated_at"]}
         for t in org.teams],
    )
    _write(session, Customer, cust.customers, progress, "Pelanggan")
    _write(session, CustomerService, cust.services, progress, "Layanan")
    _write(session, CustomerContact, cust.contacts, progress, "Kontak")
    _write(session, Ticket, traffic.tickets, progress, "Tiket")
    _write(session, Interaction, traffic.interactions, progress, "Interaksi")
    _write(session, TicketEvent, traffic.events, progress, "Riwayat tiket")
    _write(session, TicketCounter, traffic.counters, progress, "Nomor tiket")
    _reset_sequences(session)
    numbers.catch_up(session)
    return {
        "sites": len(org.sites), "teams": len(org.teams), "staff": len(org.staff),
        "users": len(org.users), "customers": len(cust.customers),
        "services": len(cust.services), "contacts": len(cust.contacts),
        "tickets": len(traffic.tickets), "interactions": len(traffic.interactions),
        "ticket_events": len(traffic.events),
    }


def generate(sessions: sessionmaker[Session], options: DemoOptions,
             progress: Progress | None = None) -> DemoResult:
    """Build and store the demo operation in one transaction; refuses a non-empty DB."""
    from sigap.core.errors import Conflict

    started = time.perf_counter()
    # One real argon2 hash shared by every demo login: hashing hundreds would take minutes.
    password_hash = hash_password(options.password)
    data = build(options, password_hash)
    built = time.perf_counter()
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        if has_data(session):
            raise Conflict("Basis data tidak kosong; demo hanya dibuat pada basis data kosong.")
        counts = write(session, data, progress)
        audit.record(session, "demo.generate", "demo", None, {
            "seed": options.seed, "scale": options.scale, "days": options.days,
            "today": data.today, "cutoff": data.cutoff, "counts": counts,
        })
    # Its own transaction: on PostgreSQL ticket numbers are taken on a separate connection,
    # which would wait for the counter row the transaction above wrote.
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        counts.update(seed_queues(session, data.org))
        counts.update(seed_email_desk(session, data.org, random.Random(options.seed),
                                      data.cutoff))
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        counts.update(seed_workforce(session, data.org, random.Random(options.seed + 1),
                                     data.today, data.cutoff))
    # The boards read KPI facts; build them now rather than at the worker's first pass.
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        counts["kpi_ticket_facts"] = rollup.refresh(session, full=True).tickets
    done = time.perf_counter()
    return DemoResult(counts=counts, logins=demo_logins(data.org), seconds=done - started,
                      cutoff=data.cutoff,
                      timings={"build": built - started, "write": done - built})
