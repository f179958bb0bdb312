"""Fetching a mailbox over IMAP by UID, in batches, losing and repeating nothing.

Per batch: fetch the bodies without touching flags (BODY.PEEK), store every message and
advance the mailbox's UID cursor in one transaction, commit, and only then flag the
messages \\Seen (or move them). A worker killed before the commit leaves the cursor where it
was, so the batch is fetched again; killed after it, the cursor is past the batch, and a
message seen again anyway (UIDVALIDITY changed, a copy in another folder) is recognised by
its Message-ID. A message that breaks ingestion is quarantined with the error and the batch
goes on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.channels.email.inbox import (
    Ingested,
    ingest,
    ingest_batch,
    own_addresses,
    quarantine,
)
from sigap.channels.email.models import Mailbox
from sigap.core.clock import utcnow
from sigap.db.session import transaction

log = logging.getLogger("sigap.email.fetcher")

BATCH = 200


@dataclass
class FetchReport:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    tickets: int = 0
    threaded: int = 0
    noise: int = 0

    def add(self, outcome: Ingested) -> None:
        self.fetched += 1
        if not outcome.created:
            self.duplicates += 1
            return
        self.stored += 1
        self.quarantined += outcome.state == "quarantined"
        self.tickets += outcome.state == "new_ticket"
        self.threaded += outcome.state == "threaded"
        self.noise += outcome.state == "noise"


def connect(mailbox: Mailbox, timeout: float = 30.0) -> IMAPClient:
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_tls,
                        timeout=timeout)
    if mailbox.imap_auth == "oauth2":
        client.oauth2_login(mailbox.imap_user, mailbox.imap_secret)
    else:
        client.login(mailbox.imap_user, mailbox.imap_secret)
    return client


def _locked(session: Session, mailbox_id: int) -> Mailbox:
    """The mailbox row, locked for this transaction (one fetcher per mailbox at a time)."""
    mailbox = session.scalar(select(Mailbox).where(Mailbox.id == mailbox_id)
                             .with_for_update().execution_options(populate_existing=True))
    if mailbox is None:
        raise LookupError(f"mailbox {mailbox_id} is gone")
    return mailbox


def _ingest_one(session: Session, mailbox: Mailbox, raw: bytes, uidvalidity: int, uid: int,
                own: set[str]) -> Ingested:
    try:
        with session.begin_nested():
            return ingest(session, mailbox, raw, source="imap", uidvalidity=uidvalidity,
                          uid=uid, own=own)
    except Exception as exc:  # a bug must not block the mail behind this one
        log.exception("mailbox %s uid %s could not be ingested", mailbox.name, uid)
        with session.begin_nested():
            return quarantine(session, mailbox, raw, f"Gagal diproses: {exc!r}"[:2000],
                               "imap", uidvalidity, uid)


def fetch_mailbox(sessions: sessionmaker[Session], mailbox_id: int, *, batch: int = BATCH,
                  limit: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> FetchReport:
    """Take in everything new in the mailbox's folder (up to `limit` messages)."""
    report = FetchReport()
    with sessions() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        if mailbox is None or not mailbox.active or not mailbox.imap_host:
            return report
        session.expunge(mailbox)
    client = connect(mailbox)
    try:
        selected = client.select_folder(mailbox.imap_folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        with transaction(sessions) as session:
            row = _locked(session, mailbox_id)
            if row.uidvalidity != uidvalidity:
                if row.uidvalidity is not None:
                    audit.record(session, "email_mailboxes.uidvalidity_changed",
                                 "email_mailboxes", row.id,
                                 {"old": row.uidvalidity, "new": uidvalidity}, SYSTEM)
                row.uidvalidity = uidvalidity
                row.last_uid = 0
            start = row.last_uid
        uids = sorted(u for u in client.search(["UID", f"{start + 1}:*"]) if u > start)
        if limit is not None:
            uids = uids[:limit]
        total = len(uids)
        for offset in range(0, total, batch):
            chunk = uids[offset:offset + batch]
            done = _batch(sessions, client, mailbox, uidvalidity, chunk, report)
            _acknowledge(client, mailbox, done)
            if progress is not None:
                progress(min(offset + batch, total), total)
        with transaction(sessions) as session:
            row = _locked(session, mailbox_id)
            row.polled_at = utcnow()
            row.last_error = ""
    finally:
        with contextlib.suppress(Exception):  # the connection may already be gone
            client.logout()
    return report


def _batch(sessions: sessionmaker[Session], client: IMAPClient, mailbox: Mailbox,
           uidvalidity: int, uids: list[int], report: FetchReport) -> list[int]:
    """One transaction for the batch. First without a savepoint per message (they cost a
    round of statements each): the whole batch in one `ingest_batch`. If anything fails,
    the batch is rolled back and taken again message by message with savepoints, so the
    message at fault alone is quarantined."""
    bodies = client.fetch(uids, ["BODY.PEEK[]"])
    try:
        return _take(sessions, mailbox, uidvalidity, uids, bodies, report, guarded=False)
    except Exception:
        log.warning("batch of %d in %s failed; retrying message by message", len(uids),
                    mailbox.name, exc_info=True)
        return _take(sessions, mailbox, uidvalidity, uids, bodies, report, guarded=True)


def _take(sessions: sessionmaker[Session], mailbox: Mailbox, uidvalidity: int,
          uids: list[int], bodies: dict[int, dict[bytes, Any]], report: FetchReport,
          guarded: bool) -> list[int]:
    outcomes: list[Ingested] = []
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        row = _locked(session, mailbox.id)
        if row.uidvalidity != uidvalidity:
            return []
        own = own_addresses(session)
        items: list[tuple[bytes, int | None]] = []
        for uid in uids:
            if uid <= row.last_uid:
                continue  # another fetcher took it while we waited for the lock
            raw = bodies.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue  # expunged on the server between SEARCH and FETCH
            items.append((bytes(raw), uid))
        if guarded:
            outcomes = [_ingest_one(session, row, raw, uidvalidity, uid or 0, own)
                        for raw, uid in items]
        else:
            outcomes = ingest_batch(session, row, items, source="imap",
                                    uidvalidity=uidvalidity, own=own)
        done = [uid for _, uid in items if uid is not None]
        if done:
            row.last_uid = max(done)
    for outcome in outcomes:  # counted only once the batch is committed
        report.add(outcome)
    return done


def _acknowledge(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    """After the commit: mark the stored mail on the server (cosmetic; the cursor rules)."""
    if not uids:
        return
    try:
        if mailbox.processed_folder:
            client.move(uids, mailbox.processed_folder)
        else:
            client.add_flags(uids, [b"\\Seen"])
    except Exception:
        log.warning("could not flag %d messages in %s", len(uids), mailbox.name,
                    exc_info=True)


def record_error(sessions: sessionmaker[Session], mailbox_id: int, error: str) -> None:
    with transaction(sessions) as session:
        row = session.get(Mailbox, mailbox_id)
        if row is not None:
            row.last_error = error[:2000]
            row.polled_at = utcnow()


def fetch_all(sessions: sessionmaker[Session]) -> dict[str, FetchReport]:
    """Every active IMAP mailbox once; one failing mailbox does not stop the others."""
    with sessions() as session:
        boxes = list(session.execute(select(Mailbox.id, Mailbox.name)
                                     .where(Mailbox.active.is_(True), Mailbox.imap_host != "")))
    reports: dict[str, FetchReport] = {}
    for mailbox_id, name in boxes:
        try:
            reports[name] = fetch_mailbox(sessions, mailbox_id)
        except Exception as exc:
            log.warning("fetching %s failed: %s", name, exc)
            record_error(sessions, mailbox_id, f"{type(exc).__name__}: {exc}")
    return reports
