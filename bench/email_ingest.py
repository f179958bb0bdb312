"""Email ingestion: N mixed messages through a real Dovecot (IMAP) or the raw inbound API.

Generates conversations (a first mail, then replies with In-Reply-To and References, and
replies with References only), auto-replies and malformed messages; shuffles them (any
arrival order, replies often before their parents); loads them into a Dovecot started for
the run (or POSTs them to `sigap serve` with --api); runs the ingestion and checks every
conversation landed on exactly one ticket.

    .venv/bin/python bench/email_ingest.py --n 5000
    .venv/bin/python bench/email_ingest.py --n 5000 --order ordered
    .venv/bin/python bench/email_ingest.py --n 5000 --api --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage as Mime
from email.policy import SMTP
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.channels.email.mailservers import Dovecot, ImapAccount

from bench.api_tickets import free_port, stop_server, wait_ready
from sigap.auth.models import User
from sigap.auth.passwords import hash_password
from sigap.channels.email import fetcher
from sigap.channels.email.models import EmailMessage, Mailbox, QuarantinedEmail
from sigap.db import migrate
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.org.models import Role, Site, Staff

BIN = Path(sys.executable).parent
PASSWORD = "sigap-bench-pw"


@dataclass
class Corpus:
    messages: list[bytes] = field(default_factory=list)
    conversation: dict[str, int] = field(default_factory=dict)  # Message-ID → conversation
    replies: int = 0
    noise: int = 0
    malformed: int = 0


def _mail(i: int, sender: str, subject: str, msgid: str, *, in_reply_to: str | None = None,
          references: list[str] | None = None, auto: bool = False) -> bytes:
    msg = Mime(policy=SMTP)
    msg["From"] = f"Pelanggan {i} <{sender}>"
    msg["To"] = "care@sigap.bench"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 08:15:00 +0700"
    msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    if auto:
        msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(f"Selamat pagi, layanan saya bermasalah (pesan {i}).\n"
                    f"Lokasi berkas: C:\\Users\\pelanggan{i}\\tagihan.xlsx\n")
    return msg.as_bytes()


def generate(n: int, seed: int) -> Corpus:
    rng = random.Random(seed)
    corpus = Corpus()
    conversation = 0
    while len(corpus.messages) < n:
        kind = rng.random()
        i = len(corpus.messages)
        if kind < 0.05:
            corpus.messages.append(_mail(i, f"ooo{i}@contoh.id", "Out of office",
                                         f"<auto{i}@bench>", auto=True))
            corpus.noise += 1
            continue
        if kind < 0.08:
            corpus.messages.append(bytes(rng.getrandbits(8) for _ in range(300)))
            corpus.malformed += 1
            continue
        conversation += 1
        sender = f"pelanggan{conversation}@contoh.id"
        root = f"<c{conversation}.0@bench>"
        chain = [root]
        corpus.messages.append(_mail(i, sender, f"Gangguan {conversation}", root))
        corpus.conversation[root] = conversation
        for r in range(rng.choice((0, 0, 1, 1, 2, 3))):
            msgid = f"<c{conversation}.{r + 1}@bench>"
            refs_only = rng.random() < 0.3
            corpus.messages.append(_mail(
                i + r + 1, sender, f"Re: Gangguan {conversation}", msgid,
                in_reply_to=None if refs_only else chain[-1], references=list(chain)))
            corpus.conversation[msgid] = conversation
            corpus.replies += 1
            chain.append(msgid)
    return corpus


def prepare_database(url: str, imap: ImapAccount | None) -> None:
    migrate.upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    with transaction(sessions) as session:
        site = Site(code="BEN", name="Bench", city="Semarang", timezone="Asia/Jakarta",
                    seats=10)
        session.add(site)
        session.flush()
        admin = Staff(login_code=99001, online_name="bench", full_name="Bench Admin",
                      role=Role.admin, tier="tier1", channels=[], skills=[], site_id=site.id)
        session.add(admin)
        session.flush()
        session.add(User(staff=admin, password_hash=hash_password(PASSWORD)))
        session.add(Mailbox(name="bench", address="care@sigap.bench", segment="DBS",
                            imap_host=imap.host if imap else "", imap_port=imap.port if imap else 0,
                            imap_tls=False, imap_user=imap.user if imap else "",
                            imap_secret=imap.password if imap else ""))


def verify(url: str, corpus: Corpus) -> dict[str, int]:
    sessions = make_sessionmaker(make_engine(url))
    with sessions() as session:
        rows = session.execute(select(EmailMessage.message_id, EmailMessage.ticket_id,
                                      EmailMessage.state)).all()
        quarantined = len(session.scalars(select(QuarantinedEmail.id)).all())
    tickets_of: dict[int, set[int | None]] = defaultdict(set)
    stored = set()
    for message_id, ticket_id, _state in rows:
        stored.add(message_id)
        if message_id in corpus.conversation:
            tickets_of[corpus.conversation[message_id]].add(ticket_id)
    misthreaded = sum(1 for t in tickets_of.values() if len(t) != 1 or None in t)
    members: dict[int, int] = defaultdict(int)
    for conversation in corpus.conversation.values():
        members[conversation] += 1
    threaded = sum(members[c] - 1 for c, t in tickets_of.items() if len(t) == 1 and None not in t)
    lost = sum(1 for m in corpus.conversation if m not in stored)
    tickets = len({t for ts in tickets_of.values() for t in ts})
    return {"conversations": len(tickets_of), "tickets": tickets, "misthreaded": misthreaded,
            "threaded": threaded,
            "lost": lost, "quarantined": quarantined, "stored": len(rows)}


def run_imap(url: str, corpus: Corpus, batch: int) -> float:
    server = Dovecot()
    server.start()
    try:
        account = ImapAccount(server)
        server.add_user(account.user, account.password)
        prepare_database(url, account)
        started = time.perf_counter()
        with server.client(account.user, account.password) as client:
            for offset in range(0, len(corpus.messages), 500):
                client.multiappend("INBOX", corpus.messages[offset:offset + 500])
        print(f"loaded into Dovecot in {time.perf_counter() - started:.1f} s")
        sessions = make_sessionmaker(make_engine(url))
        with sessions() as session:
            mailbox_id = session.scalar(select(Mailbox.id))
        assert mailbox_id is not None
        started = time.perf_counter()
        fetcher.fetch_mailbox(sessions, mailbox_id, batch=batch)
        return time.perf_counter() - started
    finally:
        server.stop()


def run_api(url: str, corpus: Corpus, concurrency: int, tmp: str) -> float:
    prepare_database(url, None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "SIGAP_DATABASE_URL": url, "SIGAP_SECRET_KEY": secrets.token_urlsafe(32),
           "SIGAP_HUEY_PATH": f"{tmp}/huey.db"}
    server = subprocess.Popen([str(BIN / "sigap"), "serve", "--no-worker", "--port", str(port)],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_ready(base, server)
        token = httpx.post(f"{base}/api/auth/token", data={"username": "99001",
                                                           "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}",
                   "Content-Type": "message/rfc822"}
        errors = 0

        async def post_all() -> None:
            nonlocal errors
            queue = iter(corpus.messages)
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                         timeout=60) as client:
                async def worker() -> None:
                    nonlocal errors
                    for raw in queue:
                        answer = await client.post("/api/channels/email/inbound?mailbox=bench",
                                                   content=raw)
                        errors += answer.status_code != 202

                await asyncio.gather(*(worker() for _ in range(concurrency)))

        started = time.perf_counter()
        asyncio.run(post_all())
        wall = time.perf_counter() - started
        if errors:
            print(f"errors       {errors}")
        return wall
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--order", choices=("shuffled", "ordered"), default="shuffled")
    parser.add_argument("--batch", type=int, default=500, help="IMAP messages per transaction")
    parser.add_argument("--api", action="store_true", help="POST to the inbound API instead")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    corpus = generate(args.n, args.seed)
    if args.order == "shuffled":
        random.Random(args.seed).shuffle(corpus.messages)
    with tempfile.TemporaryDirectory(prefix="sigap-email-bench-") as tmp:
        url = f"sqlite:///{tmp}/sigap.db"
        if args.api:
            wall = run_api(url, corpus, args.concurrency, tmp)
        else:
            wall = run_imap(url, corpus, args.batch)
        result = verify(url, corpus)
    n = len(corpus.messages)
    print(f"path         {'inbound API, C=' + str(args.concurrency) if args.api else 'IMAP'}")
    print(f"order        {args.order}")
    print(f"messages     {n} ({corpus.replies} replies, {corpus.noise} auto-replies, "
          f"{corpus.malformed} malformed)")
    print(f"wall time    {wall:.2f} s")
    print(f"messages/s   {n / wall:.0f}")
    print(f"tickets      {result['tickets']} for {result['conversations']} conversations")
    print(f"threaded     {result['threaded']} of {corpus.replies} follow-ups "
          f"(misthreaded conversations: {result['misthreaded']})")
    print(f"lost         {result['lost']}")
    print(f"quarantined  {result['quarantined']}")


if __name__ == "__main__":
    main()
