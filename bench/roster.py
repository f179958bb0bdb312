"""Roster solve time for a realistic month: the demo's two sites at full scale (Semarang
236 staff, Bandung 209, seed 000), every desk, through the real path (queue plans and a
stored forecast in the database, Erlang per interval, CP-SAT per desk, shifts written).

The forecast is the demo's traffic curve at full scale (320,000 customers × 0.04 contacts
a day, the weekly and hourly shapes and channel shares of sigap.demo.traffic) stored as a
forecast version, so the requirement is what `sigap demo --scale 1` would produce.

    .venv/bin/python bench/roster.py [--time-limit 120] [--month 2027-01] [--postgres URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sigap.models  # noqa: F401
from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.db import migrate
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.demo import traffic
from sigap.demo.people import build_org
from sigap.demo.workforce import PLANS
from sigap.org.models import Site, Staff, Team
from sigap.workforce import history, rosters, scheduler, service, solver
from sigap.workforce.models import Forecast, ForecastInterval

CUSTOMERS = 320_000


def seed(url: str, month: dt.date) -> None:
    org = build_org(random.Random(0), 1.0, month, "x")
    sessions = make_sessionmaker(make_engine(url))
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        session.execute(insert(Site), org.sites)
        session.execute(insert(Team), [{**t, "leader_id": None} for t in org.teams])
        session.execute(insert(Staff), org.staff)
        total = sum(s["seats"] for s in org.sites)
        days = rosters.days_in(month)
        daily = CUSTOMERS * traffic.CONTACTS_PER_CUSTOMER_DAY
        hours = sum(traffic.HOURLY)
        for site in org.sites:
            for desk, (channel, settings) in PLANS.items():
                plan = service.save_plan(session, {
                    "name": f"{desk} · {site['code']}", "channel": channel,
                    "site_id": site["id"], "desk": desk, "interval_minutes": 30,
                    "site_share": site["seats"] / total, **settings})
                made = Forecast(plan_id=plan.id, first_day=month, days=days, method="bench")
                session.add(made)
                session.flush()
                share = traffic.CHANNEL_SHARES[channel] / sum(traffic.CHANNEL_SHARES.values())
                low, high = traffic.TIMING[channel][1]
                start = history.local_midnight(month, site["timezone"])
                rows = []
                for d in range(days):
                    weekday = traffic.WEEKDAY[(month + dt.timedelta(days=d)).weekday()]
                    for slot in range(48):
                        volume = daily * weekday * share * plan.site_share \
                            * traffic.HOURLY[slot // 2] / hours / 2
                        rows.append({"forecast_id": made.id,
                                     "start": start + dt.timedelta(minutes=30 * (d * 48 + slot)),
                                     "volume": volume, "aht_seconds": (low + high) / 2 * 60})
                session.execute(insert(ForecastInterval), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="solver seconds per site, shared by its desks")
    parser.add_argument("--month", default="2027-01")
    parser.add_argument("--postgres", help="a fresh PostgreSQL database URL instead of SQLite")
    args = parser.parse_args()
    month = rosters.month_start(args.month)
    folder = tempfile.mkdtemp(prefix="sigap-roster-")
    url = args.postgres or f"sqlite:///{folder}/bench.db"
    migrate.upgrade(url)
    seed(url, month)
    sessions = make_sessionmaker(make_engine(url))
    print(f"month {month:%Y-%m}, time limit {args.time_limit:.0f} s per site, "
          f"database {url.split(':')[0]}")
    grand = time.perf_counter()
    for site_id in (1, 2):
        with transaction(sessions) as session:
            audit.bind_actor(session, SYSTEM)
            agents = len(rosters.site_agents(session, site_id))
            started = time.perf_counter()
            report = solver.solve_month(session, site_id, month,
                                         scheduler.Rules(time_limit=args.time_limit))
            total = time.perf_counter() - started
            code = session.get(Site, site_id).code  # type: ignore[union-attr]
        shifts = sum(len(s.assignments) for s in report.desks.values())
        print(f"\n{code}: {agents} agents, {total:.1f} s end to end "
              f"(solver {report.roster.solve_seconds:.1f} s), status "
              f"{report.roster.solver_status}, {shifts} shifts, short "
              f"{report.roster.under_minutes / 60:,.0f} agent-hours, over "
              f"{report.roster.over_minutes / 60:,.0f}")
        for desk, solution in report.desks.items():
            bound = f"{solution.bound:,.0f}" if solution.bound is not None else "-"
            print(f"  {desk:22s} {solution.status:9s} {solution.seconds:6.1f} s  "
                  f"objective {solution.objective or 0:>10,.0f}  bound {bound:>10}")
    print(f"\nboth sites: {time.perf_counter() - grand:.1f} s")


if __name__ == "__main__":
    main()
