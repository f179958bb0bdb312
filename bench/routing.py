"""Routing under load: 500 agents logged in across queues, WhatsApp contacts arriving at
50/s for a minute, every agent's desk connected by Server-Sent Events.

Builds a fresh database (SQLite file, or with --postgres a new PostgreSQL database dropped
afterwards): one site, 500 ready agents spread over five WhatsApp queues (one per customer
segment and a general one), customers with WhatsApp ids. Starts `sigap serve` (with
--workers > 1 the processes share live events through Redis). Each agent opens
/live?topics=agent:ID,queue:QID; the load sends signed webhook deliveries at a fixed rate
(open loop, one new customer conversation each); an agent accepts every offer it hears of
and finishes it after a random handle time.

Prints: assignment latency (webhook sent → the offer heard on the agent's event stream),
the webhook answer time, SSE fan-out delay (event published → received, over every
listener of the topic), offers accepted, double assignments (must be 0) and capacity
breaches (must be 0), both read back from the database.

    .venv/bin/python bench/routing.py --rate 50 --seconds 60 --agents 500
    .venv/bin/python bench/routing.py --workers 2 --redis redis://127.0.0.1:6379/14
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_tickets import (
    create_pg_database,
    drop_pg_database,
    free_port,
    percentile,
    server_cpu,
    start_server,
    stop_server,
    wait_ready,
)
from sigap.auth import audit, tokens
from sigap.auth.actor import SYSTEM
from sigap.auth.models import User
from sigap.auth.passwords import hash_password
from sigap.channels.models import WebhookDelivery
from sigap.customers.models import Customer, CustomerContact
from sigap.db import migrate
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.org.models import Site, Staff, Team
from sigap.routing import assignment, queues
from sigap.routing.models import AgentSlot, Offer, WorkItem

SECRET = "bench-app-secret"
SEGMENTS = ("DES", "DGS", "DBS", "consumer", "")


@dataclass
class Agent:
    staff_id: int
    user_id: int
    queue_id: int
    site_id: int
    topics: str = ""


@dataclass
class Figures:
    sent: dict[str, float] = field(default_factory=dict)  # contact name → send time
    heard: dict[str, float] = field(default_factory=dict)  # contact name → offer heard
    webhook_ms: list[float] = field(default_factory=list)
    fanout_ms: list[float] = field(default_factory=list)  # delivery started → received
    floor_ms: list[float] = field(default_factory=list)  # published → on a wallboard
    webhook_errors: int = 0
    accepted: int = 0
    accept_conflicts: int = 0
    finished: int = 0
    connected: int = 0
    refusals: list[str] = field(default_factory=list)


def build(url: str, agents: int, contacts: int) -> tuple[list[Agent], list[Agent]]:
    """Site, team, queues, ready agents and customers, straight into the database."""
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    password = hash_password(secrets.token_urlsafe(12))
    made: list[Agent] = []
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        site = Site(code="SMG", name="Graha Telkom", city="Semarang", timezone="Asia/Jakarta",
                    seats=600)
        session.add(site)
        session.flush()
        team = Team(name="Tier 1 Chat", site_id=site.id, tier="tier1", desk="Tier 1 Chat")
        session.add(team)
        session.flush()
        queue_ids = [queues.save_queue(session, queues.QueueSpec(
            name=f"WA {segment or 'umum'}", channel="whatsapp", segment=segment,
            site_id=site.id, offer_seconds=60)).id for segment in SEGMENTS]
        staff = [Staff(login_code=20000 + n, online_name=f"agen{n}", full_name=f"Agen {n}",
                       role="agent", tier="tier1", channels=["whatsapp"], skills=[],
                       site_id=site.id, team_id=team.id, active=True) for n in range(agents)]
        session.add_all(staff)
        session.flush()
        users = [User(staff_id=s.id, password_hash=password, active=True, token_version=1)
                 for s in staff]
        session.add_all(users)
        session.flush()
        for n, person in enumerate(staff):
            made.append(Agent(person.id, users[n].id, queue_ids[n % len(queue_ids)], site.id,
                              f"agent:{person.id},queue:{queue_ids[n % len(queue_ids)]}"))
        lead = Staff(login_code=19999, online_name="spv", full_name="Supervisor",
                     role="supervisor", tier="none", channels=[], skills=[], site_id=site.id,
                     active=True)
        session.add(lead)
        session.flush()
        lead_user = User(staff_id=lead.id, password_hash=password, active=True, token_version=1)
        session.add(lead_user)
        session.flush()
        boards = [Agent(lead.id, lead_user.id, 0, site.id, ",".join(
            [f"site:{site.id}"] + [f"queue:{q}" for q in queue_ids]))]
        for queue_id in queue_ids:
            queues.set_members(session, queue_id,
                               [a.staff_id for a in made if a.queue_id == queue_id])
        for person in staff:
            assignment.set_presence(session, person.id, "ready")
        customers = [Customer(external_id=f"C{i:07d}", name=f"Pelanggan {i}",
                              segment=SEGMENTS[i % 4])
                     for i in range(contacts)]
        session.add_all(customers)
        session.flush()
        session.add_all([CustomerContact(customer_id=c.id, kind="whatsapp",
                                         value=f"6281{i:08d}")
                         for i, c in enumerate(customers)])
    engine.dispose()
    return made, boards


def webhook(host: str, i: int) -> tuple[str, bytes]:
    name = f"kontak-{i}"
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "628111147147", "phone_number_id": "PN1"},
             "contacts": [{"profile": {"name": name}, "wa_id": f"6281{i:08d}"}],
             "messages": [{"from": f"6281{i:08d}", "id": f"wamid.R{i}",
                           "timestamp": str(int(time.time())), "type": "text",
                           "text": {"body": "Internet mati sejak pagi"}}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return name, (f"POST /api/channels/whatsapp/webhook HTTP/1.1\r\nHost: {host}\r\n"
                  f"Content-Type: application/json\r\nX-Hub-Signature-256: sha256={signature}"
                  f"\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   request: bytes) -> tuple[bytes, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head[9:12], await reader.readexactly(length)


class Pool:
    """A few keep-alive connections for the agents' accept and finish calls."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port = host, port
        self.free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = \
            asyncio.Queue()
        self.size = size

    async def open(self) -> None:
        for _ in range(self.size):
            self.free.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def post(self, path: str, token: str) -> tuple[bytes, bytes]:
        reader, writer = await self.free.get()
        try:
            return await exchange(reader, writer, (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}"
                "\r\nContent-Length: 0\r\n\r\n").encode())
        finally:
            self.free.put_nowait((reader, writer))


async def listen(host: str, port: int, agent: Agent, token: str, figures: Figures,
                 pool: Pool, stop: asyncio.Event, rng: random.Random,
                 handle: tuple[float, float]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    topics = agent.topics
    writer.write((f"GET /live?topics={topics} HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n")
                 .encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if head[9:12] != b"200":
        raise SystemExit(f"/live answered {head[:200]!r}")
    figures.connected += 1
    buffer = b""

    async def work(item: int) -> None:
        status, answer = await pool.post(f"/api/work/{item}/accept", token)
        if status == b"404":
            await asyncio.sleep(0.2)
            status, answer = await pool.post(f"/api/work/{item}/accept", token)
            if status == b"200":
                figures.refusals.append("404 then 200 after 0.2 s")
        if status != b"200":
            figures.accept_conflicts += 1
            if len(figures.refusals) < 3:
                figures.refusals.append(f"{status.decode()} {answer[:200].decode()}")
            return
        figures.accepted += 1
        await asyncio.sleep(rng.uniform(*handle))
        if (await pool.post(f"/api/work/{item}/finish", token))[0] == b"200":
            figures.finished += 1

    try:
        while not stop.is_set():
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.strip(), 16)
            chunk = await reader.readexactly(size + 2)
            buffer += chunk[:-2]
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                data = [ln[6:] for ln in block.split(b"\n") if ln.startswith(b"data: ")]
                if not data:
                    continue
                now = time.time()
                event = json.loads(data[0])
                figures.fanout_ms.append((now - float(event.get("fanned", now))) * 1000)
                if not event["topic"].startswith("agent:"):
                    figures.floor_ms.append((now - float(event.get("at", now))) * 1000)
                if event.get("kind") == "offer" and event["topic"].startswith("agent:"):
                    name = str(event.get("title", "")).split(" · ")[-1]
                    figures.heard.setdefault(name, time.perf_counter())
                    asyncio.get_running_loop().create_task(work(int(event["item"])))
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def load(host: str, port: int, rate: float, seconds: float, figures: Figures,
               connections: int) -> None:
    """Open loop: delivery i is sent at i / rate, whatever the answers are doing."""
    total = int(rate * seconds)
    prepared = [webhook(f"{host}:{port}", i) for i in range(total)]
    slots: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        slots.put_nowait(await asyncio.open_connection(host, port))
    start = time.perf_counter()

    async def send(name: str, request: bytes) -> None:
        reader, writer = await slots.get()
        try:
            sent = time.perf_counter()
            figures.sent[name] = sent
            status, _ = await exchange(reader, writer, request)
            figures.webhook_ms.append((time.perf_counter() - sent) * 1000)
            if status != b"200":
                figures.webhook_errors += 1
        finally:
            slots.put_nowait((reader, writer))

    tasks = []
    for i, (name, request) in enumerate(prepared):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(name, request)))
    await asyncio.gather(*tasks)


async def run(host: str, port: int, agents: list[Agent], boards: list[Agent], secret: str,
              args: argparse.Namespace) -> Figures:
    figures = Figures()
    stop = asyncio.Event()
    pool = Pool(host, port, 16)
    await pool.open()
    rng = random.Random(7)
    listeners = [asyncio.create_task(listen(
        host, port, a, tokens.issue(secret, a.user_id, 1), figures, pool, stop, rng,
        (args.handle_min, args.handle_max))) for a in agents]
    listeners += [asyncio.create_task(listen(
        host, port, boards[0], tokens.issue(secret, boards[0].user_id, 1), figures, pool, stop,
        rng, (0, 0))) for _ in range(args.wallboards)]
    deadline = time.perf_counter() + 60
    while figures.connected < len(agents) + args.wallboards \
            and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # every relay subscribed
    await load(host, port, args.rate, args.seconds, figures, 16)
    await asyncio.sleep(args.handle_max + 5)  # the last offers heard and worked
    stop.set()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    return figures


def verify(url: str) -> tuple[int, int, int, list[str]]:
    """(double assignments, capacity breaches, items routed, deliveries that failed to
    process) read back from the database."""
    engine = make_engine(url)
    with Session(engine) as session:
        doubled = session.scalar(select(func.count()).select_from(
            select(Offer.item_id).where(Offer.outcome == "accepted")
            .group_by(Offer.item_id).having(func.count() > 1).subquery())) or 0
        breaches = session.scalar(select(func.count()).select_from(AgentSlot).where(
            AgentSlot.used > AgentSlot.capacity)) or 0
        routed = session.scalar(select(func.count()).select_from(WorkItem)) or 0
        failed = list(session.scalars(select(WebhookDelivery.error).where(
            WebhookDelivery.error.is_not(None), WebhookDelivery.error != "")))
    engine.dispose()
    return int(doubled), int(breaches), int(routed), failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0, help="contacts per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--handle-min", type=float, default=5.0)
    parser.add_argument("--handle-max", type=float, default=20.0)
    parser.add_argument("--wallboards", type=int, default=20,
                        help="wallboards following the site and every queue")
    parser.add_argument("--workers", type=int, default=1, help="sigap serve processes")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                        help="Redis for live events across processes (with --workers > 1)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None)
    args = parser.parse_args()
    port = free_port()
    total = int(args.rate * args.seconds)
    with tempfile.TemporaryDirectory(prefix="sigap-routing-bench-") as tmp:
        pg_name = None
        if args.postgres:
            pg_name, url = create_pg_database(args.postgres)
        else:
            url = f"sqlite:///{tmp}/sigap.db"
        secret = secrets.token_urlsafe(32)
        env = {**os.environ, "SIGAP_DATABASE_URL": url, "SIGAP_SECRET_KEY": secret,
               "SIGAP_HUEY_PATH": f"{tmp}/huey.db", "SIGAP_WHATSAPP_APP_SECRET": SECRET,
               "SIGAP_REQUEST_THREADS": "16"}
        if args.workers > 1:
            env["SIGAP_REDIS_URL"] = args.redis
        server = None
        try:
            print(f"building {args.agents} agents and {total} customers …", flush=True)
            agents, boards = build(url, args.agents, total)
            server = start_server(env, port, args.workers)
            wait_ready(f"http://127.0.0.1:{port}", server)
            started, cpu = time.perf_counter(), server_cpu(server.pid)
            own = time.process_time()
            figures = asyncio.run(run("127.0.0.1", port, agents, boards, secret, args))
            wall, cpu = time.perf_counter() - started, server_cpu(server.pid) - cpu
            own = time.process_time() - own
        finally:
            if server is not None:
                stop_server(server)
        doubled, breaches, routed, failed = verify(url)
        if pg_name and args.postgres:
            drop_pg_database(args.postgres, pg_name)
    latency = [(figures.heard[n] - figures.sent[n]) * 1000 for n in figures.sent
               if n in figures.heard]
    print(f"backend            {'postgresql' if args.postgres else 'sqlite'}, "
          f"{args.workers} server process(es){' + Redis' if args.workers > 1 else ''}")
    print(f"agents             {args.agents} desks on agent:ID,queue:ID and "
          f"{args.wallboards} wallboards ({figures.connected} event streams open)")
    print(f"contacts           {total} at {args.rate:.0f}/s for {args.seconds:.0f} s "
          f"(run {wall:.0f} s)")
    print(f"server CPU         {cpu * 1000 / max(1, total):.1f} ms per contact (webhook, "
          f"offer, accept, finish, live events; {cpu / wall:.2f} cores over the run)")
    print(f"load generator CPU {own / wall:.2f} cores (on the same machine)")
    print(f"webhook answer ms  p50 {percentile(figures.webhook_ms, 0.5):.1f}  "
          f"p99 {percentile(figures.webhook_ms, 0.99):.1f}  errors {figures.webhook_errors}")
    if latency:
        print(f"assignment ms      p50 {percentile(latency, 0.5):.1f}  "
              f"p99 {percentile(latency, 0.99):.1f}  ({len(latency)} offers heard)")
    if figures.fanout_ms:
        print(f"SSE fan-out ms     p50 {percentile(figures.fanout_ms, 0.5):.1f}  "
              f"p99 {percentile(figures.fanout_ms, 0.99):.1f}  max "
              f"{max(figures.fanout_ms):.1f}  ({len(figures.fanout_ms)} deliveries)")
    if figures.floor_ms:
        print(f"floor events ms    p50 {percentile(figures.floor_ms, 0.5):.1f}  "
              f"p99 {percentile(figures.floor_ms, 0.99):.1f}  (published → on screen, "
              f"coalesced every 0.5 s)")
    print(f"accepted           {figures.accepted} ({figures.accept_conflicts} refused), "
          f"finished {figures.finished}, routed {routed}")
    print(f"not processed      {len(failed)} deliveries"
          + (f" (first: {failed[0][:150]})" if failed else ""))
    for refusal in figures.refusals:
        print(f"  refused: {refusal}")
    print(f"double assignments {doubled}")
    print(f"capacity breaches  {breaches}")


if __name__ == "__main__":
    main()
