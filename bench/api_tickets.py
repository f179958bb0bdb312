"""Ticket API throughput: POST /api/tickets against a real `sigap serve`.

Starts Sigap on 127.0.0.1 (a free port) against a fresh SQLite file, or with --postgres a
freshly created PostgreSQL database that is dropped afterwards; migrates it and loads a
small demo; logs in as the demo manager (tickets.write over every customer, so the run
measures throughput rather than scope rules); then opens N tickets over HTTP with C
concurrent keep-alive connections and prints throughput and latency.

    .venv/bin/python bench/api_tickets.py --n 5000 --concurrency 8 --workers 1
    .venv/bin/python bench/api_tickets.py --workers 2 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from sigap.customers.models import Customer
from sigap.db.session import normalise_url
from sigap.org.models import Role, Staff

PASSWORD = "sigap-bench-pw"
TYPES = ("gangguan", "informasi", "permintaan")
BIN = Path(sys.executable).parent


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bodies: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"sigap_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(normalise_url(admin_url)).set(database=name)
    return name, url.render_as_string(hide_password=False)


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def prepare(env: dict[str, str]) -> None:
    sigap = str(BIN / "sigap")
    subprocess.run([sigap, "db", "upgrade"], env=env, check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sigap, "demo", "--scale", "0.002", "--days", "1", "--password", PASSWORD],
                   env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)


def pick(url: str) -> tuple[int, list[int]]:
    """The manager's login code and the customer ids, read straight from the database."""
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        code = conn.scalar(select(Staff.login_code).where(Staff.role == Role.manager).limit(1))
        ids = list(conn.scalars(select(Customer.id).order_by(Customer.id)))
    engine.dispose()
    if code is None or not ids:
        raise SystemExit("the demo made no manager or no customers")
    return int(code), ids


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [str(BIN / "sigap"), "serve", "--no-worker", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]
    # SIGAP_BENCH_SERVER_LOG=path keeps the server's output (errors during a run).
    log = env.get("SIGAP_BENCH_SERVER_LOG")
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=out, stderr=out)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"sigap serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("sigap serve did not come up in time")


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its children (Linux /proc): the
    cost per request, which other load on a shared machine changes far less than it
    changes throughput."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pending += [int(child) for child in children]
    return total


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def body(i: int, customers: list[int]) -> dict[str, object]:
    return {"customer_id": customers[i % len(customers)], "type": TYPES[i % 3],
            "subject": f"Bench tiket {i}", "description": "Dibuat oleh benchmark API tiket.",
            "severity": "minor", "channel": "voice", "tier": 1}


def request_bytes(host: str, token: str, i: int, customers: list[int]) -> bytes:
    payload = json.dumps(body(i, customers)).encode()
    return (f"POST /api/tickets HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


async def run(base: str, token: str, customers: list[int], n: int, concurrency: int,
              warmup: int, server_pid: int) -> tuple[Outcome, float, float]:
    """(outcome, wall seconds, server CPU seconds) of the measured part."""
    host, port = base.removeprefix("http://").split(":")
    prepared = [request_bytes(f"{host}:{port}", token, i, customers)
                for i in range(warmup + n)]
    await drive(host, int(port), prepared[:warmup], concurrency, None)
    outcome = Outcome()
    cpu = server_cpu(server_pid)
    started = time.perf_counter()
    await drive(host, int(port), prepared[warmup:], concurrency, outcome, expect=b"201")
    return outcome, time.perf_counter() - started, server_cpu(server_pid) - cpu


_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")


async def drive(host: str, port: int, requests: list[bytes], concurrency: int,
                outcome: Outcome | None, expect: bytes = b"200") -> None:
    """Send the requests over C keep-alive connections, each sending its next request
    when the last is answered; record latencies and answers other than `expect`.

    A bare asyncio HTTP/1.1 client with the requests encoded beforehand: the load generator
    shares the server's two cores, and a full client library costs it a quarter of one.
    """
    queue = iter(requests)

    async def one() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for request in queue:
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                found = _LENGTH.search(head)
                answer = await reader.readexactly(int(found.group(1)) if found else 0)
                elapsed = time.perf_counter() - start
                if outcome is None:
                    continue
                outcome.latencies.append(elapsed)
                if head[9:12] != expect:
                    outcome.errors += 1
                    if len(outcome.bodies) < 3:
                        outcome.bodies.append(
                            f"{head[9:12].decode()} {answer[:300].decode(errors='replace')}")
        finally:
            writer.close()

    await asyncio.gather(*(one() for _ in range(concurrency)))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="tickets to create (measured)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="sigap serve processes")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=None)
    parser.add_argument("--port", type=int, default=0, help="0 = a free port")
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args()

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="sigap-bench-") as tmp:
        pg_name: str | None = None
        if args.postgres:
            pg_name, url = create_pg_database(args.postgres)
        else:
            url = f"sqlite:///{tmp}/sigap.db"
        env = {**os.environ, "SIGAP_DATABASE_URL": url,
               "SIGAP_SECRET_KEY": secrets.token_urlsafe(32),
               "SIGAP_HUEY_PATH": f"{tmp}/huey.db"}
        env.pop("SIGAP_REDIS_URL", None)
        server: subprocess.Popen[bytes] | None = None
        try:
            prepare(env)
            code, customers = pick(url)
            server = start_server(env, port, args.workers)
            wait_ready(base, server)
            answer = httpx.post(f"{base}/api/auth/token", timeout=30,
                                data={"username": str(code), "password": PASSWORD})
            answer.raise_for_status()
            token = answer.json()["access_token"]
            outcome, wall, cpu = asyncio.run(run(base, token, customers, args.n,
                                                 args.concurrency, args.warmup, server.pid))
        finally:
            if server is not None:
                stop_server(server)
            if pg_name and args.postgres:
                drop_pg_database(args.postgres, pg_name)
    ms = [v * 1000 for v in outcome.latencies]
    print(f"backend      {'postgresql' if args.postgres else 'sqlite'}")
    print(f"workers      {args.workers}")
    print(f"N            {args.n}  (warm-up {args.warmup} not counted)")
    print(f"concurrency  {args.concurrency}")
    print(f"wall time    {wall:.2f} s")
    print(f"tickets/s    {args.n / wall:.0f}")
    print(f"latency ms   p50 {percentile(ms, 0.5):.1f}  p90 {percentile(ms, 0.9):.1f}  "
          f"p99 {percentile(ms, 0.99):.1f}  max {max(ms):.1f}")
    print(f"server CPU   {cpu * 1000 / args.n:.2f} ms per ticket")
    print(f"errors       {outcome.errors}")
    for text_ in outcome.bodies:
        print(f"  {text_}")


if __name__ == "__main__":
    main()
