"""Fetching from a real Dovecot over IMAP: by UID, in batches, surviving kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.email import fetcher
from sigap.channels.email.models import EmailMessage, Mailbox, QuarantinedEmail
from sigap.tickets.models import Ticket
from tests.channels.email.conftest import ImapAccount
from tests.channels.email.helpers import mail, mailbox

SIGAP = str(Path(sys.executable).parent / "sigap")


def _box(session: Session, account: ImapAccount, **extra: object) -> Mailbox:
    box = mailbox(session, imap_host=account.host, imap_port=account.port, imap_tls=False,
                  imap_user=account.user, imap_secret=account.password, **extra)
    session.commit()
    return box


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_fetch_stores_threads_flags_and_never_repeats(
        session: Session, sessions: sessionmaker[Session], imap_account: ImapAccount) -> None:
    box = _box(session, imap_account)
    parent_raw, parent = mail(subject="Gangguan VPN")
    # The reply is on the server before its parent.
    imap_account.append(mail(subject="Re: Gangguan VPN", in_reply_to=parent,
                             references=[parent])[0])
    imap_account.append(parent_raw)
    imap_account.append(mail(subject="Auto", headers={"Auto-Submitted": "auto-replied"})[0])
    imap_account.append(b"\x00\x01garbage without any header\xff")
    imap_account.append(mail(sender="lain@pelanggan.co.id", subject="Tagihan")[0])
    report = fetcher.fetch_mailbox(sessions, box.id, batch=2)
    assert (report.fetched, report.tickets, report.threaded, report.noise,
            report.quarantined) == (5, 2, 1, 1, 1)
    assert _count(session, Ticket) == 2
    assert _count(session, QuarantinedEmail) == 1
    flags = imap_account.flags()
    assert len(flags) == 5 and all(b"\\Seen" in f for f in flags.values())
    row = session.get(Mailbox, box.id)
    assert row is not None and row.last_uid == max(flags) and row.uidvalidity
    # Nothing new: nothing stored again, even with the flags removed on the server.
    imap_account.clear_flags()
    assert fetcher.fetch_mailbox(sessions, box.id).fetched == 0
    # A new UIDVALIDITY (the folder was rebuilt) rereads everything, duplicating nothing.
    session.rollback()  # end the test's read snapshot before writing
    row = session.get(Mailbox, box.id)
    assert row is not None
    row.uidvalidity = (row.uidvalidity or 0) + 1
    session.commit()
    again = fetcher.fetch_mailbox(sessions, box.id)
    assert again.fetched == 5 and again.duplicates == 5
    assert _count(session, EmailMessage) == 4 and _count(session, Ticket) == 2


def test_processed_mail_can_be_moved_to_a_folder(
        session: Session, sessions: sessionmaker[Session], imap_account: ImapAccount) -> None:
    imap_account.create_folder("Sigap")
    box = _box(session, imap_account, processed_folder="Sigap")
    for i in range(3):
        imap_account.append(mail(subject=f"Keluhan {i}")[0])
    assert fetcher.fetch_mailbox(sessions, box.id).tickets == 3
    assert imap_account.uids() == [] and len(imap_account.uids("Sigap")) == 3


def test_kill_9_in_the_middle_of_a_batch_loses_and_duplicates_nothing(
        session: Session, db_url: str, imap_account: ImapAccount) -> None:
    box = _box(session, imap_account)
    total = 240
    ids: list[str] = []
    for i in range(total):
        if i % 4 == 3:  # every fourth one answers the one before it
            raw, msgid = mail(subject=f"Re: Keluhan {i - 1}", in_reply_to=ids[-1])
        else:
            raw, msgid = mail(sender=f"pelanggan{i}@contoh.co.id", subject=f"Keluhan {i}")
        ids.append(msgid)
        imap_account.append(raw)
    env = {**os.environ, "SIGAP_DATABASE_URL": db_url}
    command = [SIGAP, "email", "fetch", "--mailbox", box.name, "--batch", "25"]
    kills = 0
    for delay in (0.8, 1.2, 1.6, 2.0, 2.4):
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(delay)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            kills += 1
        child.wait(timeout=30)
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert kills >= 1, "the fetcher finished before any kill; the test proved nothing"
    session.expire_all()
    stored = list(session.scalars(select(EmailMessage.message_id)))
    assert sorted(stored) == sorted(ids)  # every one, once
    assert _count(session, Ticket) == total - total // 4
    threaded = session.scalar(select(func.count()).select_from(EmailMessage)
                              .where(EmailMessage.state == "threaded"))
    assert threaded == total // 4
