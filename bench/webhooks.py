"""WhatsApp webhook deliveries: N signed deliveries (single and batched) at concurrency C.

Starts `sigap serve` on a fresh SQLite file (or PostgreSQL with --postgres) with a known
app secret, posts N deliveries to /api/channels/whatsapp/webhook — most with one message,
every fifth with a batch of five, and a share of them sent twice as Meta's retries are —
then counts what was stored.

    .venv/bin/python bench/webhooks.py --n 3000 --concurrency 8
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
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_tickets import (
    Outcome,
    create_pg_database,
    drive,
    drop_pg_database,
    free_port,
    percentile,
    start_server,
    stop_server,
    wait_ready,
)
from sigap.channels.models import ChatMessage, WebhookDelivery
from sigap.db import migrate
from sigap.db.session import normalise_url

SECRET = "bench-app-secret"


def deliveries(n: int, seed: int, retry_share: float) -> tuple[list[bytes], int]:
    """The bodies to post (retries included) and how many distinct messages they carry."""
    rng = random.Random(seed)
    bodies: list[bytes] = []
    messages = 0
    for i in range(n):
        count = 5 if i % 5 == 4 else 1
        sender = f"62812{rng.randrange(10_000_000):07d}"
        items = [{"from": sender, "id": f"wamid.B{i}.{k}", "timestamp": "1795400000",
                  "type": "text", "text": {"body": f"Internet mati (pesan {i}.{k})"}}
                 for k in range(count)]
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": "628111147147", "phone_number_id": "PN1"},
                 "contacts": [{"profile": {"name": f"Pelanggan {i}"}, "wa_id": sender}],
                 "messages": items}
        body = json.dumps({"object": "whatsapp_business_account", "entry": [
            {"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}).encode()
        bodies.append(body)
        messages += count
        if rng.random() < retry_share:
            bodies.append(body)
    return bodies, messages


def request(host: str, body: bytes) -> bytes:
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return (f"POST /api/channels/whatsapp/webhook HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nX-Hub-Signature-256: sha256={signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="distinct deliveries")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--retries", type=float, default=0.1, help="share posted twice")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None)
    args = parser.parse_args()
    bodies, messages = deliveries(args.n, 11, args.retries)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="sigap-webhook-bench-") as tmp:
        pg_name = None
        if args.postgres:
            pg_name, url = create_pg_database(args.postgres)
        else:
            url = f"sqlite:///{tmp}/sigap.db"
        env = {**os.environ, "SIGAP_DATABASE_URL": url,
               "SIGAP_SECRET_KEY": secrets.token_urlsafe(32),
               "SIGAP_HUEY_PATH": f"{tmp}/huey.db", "SIGAP_WHATSAPP_APP_SECRET": SECRET}
        server = None
        try:
            migrate.upgrade(url)
            server = start_server(env, port, args.workers)
            wait_ready(base, server)
            prepared = [request(f"127.0.0.1:{port}", b) for b in bodies]
            outcome = Outcome()
            started = time.perf_counter()
            asyncio.run(drive("127.0.0.1", port, prepared, args.concurrency, outcome))
            wall = time.perf_counter() - started
        finally:
            if server is not None:
                stop_server(server)
        engine = create_engine(normalise_url(url))
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(ChatMessage))
            kept = conn.scalar(select(func.count()).select_from(WebhookDelivery))
        engine.dispose()
        if pg_name and args.postgres:
            drop_pg_database(args.postgres, pg_name)
    ms = [v * 1000 for v in outcome.latencies]
    print(f"backend        {'postgresql' if args.postgres else 'sqlite'}")
    print(f"deliveries     {len(bodies)} posted ({len(bodies) - args.n} retries), "
          f"C={args.concurrency}")
    print(f"wall time      {wall:.2f} s")
    print(f"deliveries/s   {len(bodies) / wall:.0f}")
    print(f"latency ms     p50 {percentile(ms, 0.5):.1f}  p99 {percentile(ms, 0.99):.1f}")
    print(f"stored         {kept} deliveries, {stored} of {messages} messages")
    print(f"duplicates     {len(bodies) - args.n} retried deliveries, "
          f"{messages - (stored or 0)} messages missing")
    print(f"errors         {outcome.errors}")
    for text in outcome.bodies:
        print(f"  {text}")


if __name__ == "__main__":
    main()
