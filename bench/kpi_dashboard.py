"""KPI board speed on a full month: builds a database with N tickets over D days (their
event logs and calls, written with bulk Core inserts), runs the rollup job and times it,
then times the TENESA board for the month (whole operation, one site, one agent) and the
TAM board.

A fresh SQLite file, or with --postgres a freshly created PostgreSQL database that is
dropped afterwards.

    .venv/bin/python bench/kpi_dashboard.py                       # 1,000,000 tickets, SQLite
    .venv/bin/python bench/kpi_dashboard.py \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/kpi_dashboard.py --tickets 100000      # smaller
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api_tickets import create_pg_database, drop_pg_database
from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.customers.models import Customer
from sigap.db import migrate
from sigap.db.session import make_engine, make_sessionmaker
from sigap.org.models import Site, Staff, Team
from sigap.reports import kpis, rollup
from sigap.reports.models import KpiTicketFact
from sigap.reports.tally import Ask, Filters
from sigap.sla.models import SlaPolicy
from sigap.tickets.models import Interaction, Ticket, TicketEvent

START = dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)  # 1 November 00:00 WIB
CHANNELS = ("voice", "voice", "voice", "whatsapp", "email", "web")
PRODUCTS = ("datin", "internet", "astinet", "vpn")
BATCH = 20_000


def _org(session: Session) -> dict[int, int]:
    """Two sites, ten teams, 300 agents: each agent's team."""
    sites = [session.execute(insert(Site).values(code=c, name=n, city=n)
                             .returning(Site.id)).scalar_one()
             for c, n in (("SMG", "Semarang"), ("BDG", "Bandung"))]
    teams = [session.execute(insert(Team).values(name=f"Tier 1 {i}", site_id=sites[i % 2])
                             .returning(Team.id)).scalar_one() for i in range(10)]
    agents: dict[int, int] = {}
    for i in range(300):
        team = teams[i % 10]
        sid = session.execute(insert(Staff).values(
            login_code=100_000 + i, online_name=f"agen{i}", full_name=f"Agen {i}",
            role="agent", team_id=team, site_id=sites[(i % 10) % 2]).returning(Staff.id))
        agents[sid.scalar_one()] = team
    return agents


def _customers(session: Session, n: int) -> None:
    for lo in range(0, n, BATCH):
        session.execute(insert(Customer), [
            {"id": i + 1, "external_id": f"C{i + 1}", "name": f"PT Pelanggan {i + 1}",
             "segment": ("DBS", "DES", "DGS", "consumer")[i % 4]}
            for i in range(lo, min(n, lo + BATCH))])


def _history(rng: random.Random, tid: int, opened: dt.datetime, agent: int | None
             ) -> tuple[list[dict[str, object]], dt.datetime | None, str]:
    """One ticket's events: created, maybe assigned, updates, pauses, resolved, reopened."""
    rows: list[dict[str, object]] = [{"ticket_id": tid, "at": opened, "kind": "created",
                                      "to_state": "new", "data": {}}]
    at = opened
    state = "new"

    def add(minutes: float, kind: str, to: str | None = None,
            data: dict[str, object] | None = None) -> None:
        nonlocal at, state
        at += dt.timedelta(minutes=minutes)
        rows.append({"ticket_id": tid, "at": at, "kind": kind,
                     "from_state": state if to else None, "to_state": to,
                     "data": data or {}})
        state = to or state

    if agent is not None:
        add(rng.uniform(0, 10), "assigned", None, {"from_owner_id": None,
                                                    "to_owner_id": agent})
    add(rng.expovariate(1 / 15), "customer_update")
    roll = rng.random()
    if roll < 0.1:
        add(rng.uniform(5, 30), "state_changed", "pending", {"pending_reason": "customer"})
        add(rng.uniform(30, 240), "state_changed", "open")
    elif roll < 0.4:
        add(rng.uniform(5, 30), "state_changed", "pending", {"pending_reason": "backend"})
        add(rng.uniform(30, 400), "customer_update")
        add(rng.uniform(10, 60), "state_changed", "open")
    if rng.random() < 0.85:
        add(rng.uniform(5, 90), "state_changed", "resolved")
        if rng.random() < 0.03:
            add(rng.uniform(60, 600), "state_changed", "open", {"reopen": 1})
            add(rng.uniform(10, 120), "state_changed", "resolved")
        return rows, at, "resolved"
    return rows, None, state


def build(engine: Engine, n: int, days: int, seed: int = 7) -> tuple[int, int]:
    """The operation: N tickets over `days` days; returns (events, calls) written."""
    rng = random.Random(seed)
    sessions = make_sessionmaker(engine)
    customers = max(1000, n // 5)
    events = calls = 0
    with sessions() as session:
        teams = _org(session)
        agent_ids = list(teams)
        _customers(session, customers)
        session.add_all([SlaPolicy(name="Datin", product="datin", ttr_minutes=240),
                         SlaPolicy(name="Internet", product="internet", ttr_minutes=360)])
        session.commit()
    span = days * 86400.0
    for lo in range(0, n, BATCH):
        tickets, logs, contacts = [], [], []
        for i in range(lo, min(n, lo + BATCH)):
            tid = i + 1
            opened = START + dt.timedelta(seconds=span * i / n + rng.uniform(0, 30))
            agent = rng.choice(agent_ids) if rng.random() < 0.9 else None
            rows, resolved, state = _history(rng, tid, opened, agent)
            channel = rng.choice(CHANNELS)
            tickets.append({"id": tid, "number": f"T-B-{tid:08d}", "type": "gangguan",
                            "subject": "Gangguan layanan", "customer_id": rng.randrange(
                                1, customers + 1), "channel": channel,
                            "product": rng.choice(PRODUCTS), "severity": "minor",
                            "state": state, "owner_id": agent,
                            "team_id": teams.get(agent) if agent else None,
                            "created_at": opened, "updated_at": opened,
                            "resolved_at": resolved})
            logs.extend(rows)
            if channel == "voice":
                wait = rng.expovariate(1 / 12)
                answered = rng.random() < 0.95
                contacts.append({"channel": "voice", "direction": "inbound",
                                 "ticket_id": tid if answered else None,
                                 "agent_id": agent if answered else None,
                                 "arrived_at": opened, "queued_at": opened,
                                 "answered_at": opened + dt.timedelta(seconds=wait)
                                 if answered else None,
                                 "ended_at": opened + dt.timedelta(seconds=wait + 240),
                                 "provider_id": f"call-{tid}"})
        with engine.begin() as conn:
            conn.execute(insert(Ticket), tickets)
            conn.execute(insert(TicketEvent), logs)
            if contacts:
                conn.execute(insert(Interaction), contacts)
        events += len(logs)
        calls += len(contacts)
        print(f"\r  built {min(n, lo + BATCH):,} / {n:,} tickets", end="", flush=True)
    print()
    return events, calls


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    return min(runs), runs


def _month() -> tuple[dt.datetime, dt.datetime]:
    return START, START + dt.timedelta(days=30)


def _analyze(engine: Engine) -> None:
    """Fresh planner statistics, as autovacuum would have them on a running system."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def measure(engine: Engine, label: str) -> dict[str, object]:
    sessions = make_sessionmaker(engine)
    out: dict[str, object] = {"backend": label}
    with sessions() as session:
        audit.bind_actor(session, SYSTEM)
        began = time.perf_counter()
        report = rollup.refresh(session, full=True)
        session.commit()
        out["rollup_full_s"] = time.perf_counter() - began
        out["facts"] = report.tickets
        out["call_facts"] = report.calls
    _analyze(engine)
    # The worker's minute: a thousand new events on a thousand tickets.
    with sessions() as session, session.begin():
        top = session.scalar(select(func.max(Ticket.id))) or 0
        session.execute(insert(TicketEvent), [
            {"ticket_id": top - i, "at": START + dt.timedelta(days=29, hours=23),
             "kind": "customer_update", "data": {}} for i in range(1000)])
    with sessions() as session:
        audit.bind_actor(session, SYSTEM)
        began = time.perf_counter()
        rollup.refresh(session)
        session.commit()
        out["rollup_incremental_s"] = time.perf_counter() - began
    lo, hi = _month()
    with sessions() as session:
        site = session.scalar(select(Site.id).order_by(Site.id))
        agent = session.scalar(select(KpiTicketFact.agent_id).where(
            KpiTicketFact.agent_id.is_not(None)).limit(1))

        def board(filters: Filters, which: tuple[kpis.Kpi, ...] = kpis.TENESA
                  ) -> Callable[[], object]:
            return lambda: kpis.board(session, which, Ask(lo, hi, "Asia/Jakarta", filters))

        values = kpis.board(session, kpis.TENESA, Ask(lo, hi, "Asia/Jakarta", Filters()))
        out["figures"] = {k.code: (v.numerator, v.denominator, v.percent) for k, v in values}
        for name, fn in (("board_month", board(Filters())),
                         ("board_month_site", board(Filters(site_id=site))),
                         ("board_month_agent", board(Filters(agent_id=agent))),
                         ("tam_month", board(Filters(), kpis.TAM))):
            best, runs = timed(fn)
            out[name] = best
            out[name + "_runs"] = runs
    return out


def _print(result: dict[str, object]) -> None:
    for key, value in result.items():
        if isinstance(value, float):
            print(f"  {key:<24} {value:8.3f}")
        elif isinstance(value, list):
            print(f"  {key:<24} " + ", ".join(f"{v:.3f}" for v in value))
        elif isinstance(value, dict):
            for code, fig in value.items():
                num, den, pct = fig
                print(f"  {code:<8} {num!s:>14} / {den!s:<14} "
                      f"{'—' if pct is None else f'{pct:.2f} %'}")
        else:
            print(f"  {key:<24} {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None)
    args = parser.parse_args()
    pg_name = None
    folder = tempfile.mkdtemp(prefix="sigap-kpi-")
    try:
        if args.postgres:
            pg_name, url = create_pg_database(args.postgres)
        else:
            url = f"sqlite:///{folder}/kpi-bench.db"
        migrate.upgrade(url, "head")
        engine = make_engine(url)
        began = time.perf_counter()
        events, calls = build(engine, args.tickets, args.days)
        built = time.perf_counter() - began
        _analyze(engine)
        print(f"backend      {'postgresql' if args.postgres else 'sqlite'}")
        print(f"tickets      {args.tickets:,} over {args.days} days, {events:,} events, "
              f"{calls:,} calls (built in {built:.0f} s)")
        _print(measure(engine, "postgresql" if args.postgres else "sqlite"))
        engine.dispose()
    finally:
        if pg_name and args.postgres:
            drop_pg_database(args.postgres, pg_name)
        for f in Path(folder).glob("*"):
            f.unlink()
        Path(folder).rmdir()


if __name__ == "__main__":
    main()
