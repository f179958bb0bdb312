"""Sending queued mail over SMTP: retries with backoff, and never the same mail twice.

A row is claimed (queued → sending) and committed before the SMTP conversation starts, so
no second worker can take it. A temporary failure puts it back with a later attempt time;
a permanent one, or too many attempts, marks it failed. A row left in `sending` by a worker
that died mid-send may or may not have gone out: it is not sent again automatically but
marked failed with that explanation, for an agent to check and re-queue.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.channels.email.models import EmailMessage, Mailbox, SendState
from sigap.core.clock import utcnow
from sigap.db.session import transaction

log = logging.getLogger("sigap.email.outbox")

MAX_ATTEMPTS = 8
STALE_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes, capped at one hour."""
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def _smtp(mailbox: Mailbox, timeout: float) -> smtplib.SMTP:
    if mailbox.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(mailbox.smtp_host, mailbox.smtp_port,
                                                timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout)
        if mailbox.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
    if mailbox.smtp_user:
        client.login(mailbox.smtp_user, mailbox.smtp_secret)
    return client


def _claim(sessions: sessionmaker[Session], now: dt.datetime) -> int | None:
    with transaction(sessions) as session:
        candidate = session.scalar(
            select(EmailMessage.id).where(EmailMessage.send_state == SendState.queued,
                                          EmailMessage.next_attempt_at <= now)
            .order_by(EmailMessage.next_attempt_at, EmailMessage.id).limit(1))
        if candidate is None:
            return None
        claimed = session.execute(
            update(EmailMessage)
            .where(EmailMessage.id == candidate, EmailMessage.send_state == SendState.queued)
            .values(send_state=SendState.sending, claimed_at=now,
                    attempts=EmailMessage.attempts + 1)
        )
        return candidate if getattr(claimed, "rowcount", 0) == 1 else -1


def _finish(sessions: sessionmaker[Session], email_id: int, state: str, error: str = "",
            retry_at: dt.datetime | None = None) -> None:
    with transaction(sessions) as session:
        row = session.get(EmailMessage, email_id)
        if row is None:
            return
        row.send_state = state
        row.last_error = error[:2000]
        row.next_attempt_at = retry_at
        if state == SendState.sent:
            row.delivered_at = utcnow()


def release_stale(sessions: sessionmaker[Session], now: dt.datetime | None = None) -> int:
    now = now or utcnow()
    with transaction(sessions) as session:
        result = session.execute(
            update(EmailMessage)
            .where(EmailMessage.send_state == SendState.sending,
                   EmailMessage.claimed_at < now - STALE_AFTER)
            .values(send_state=SendState.failed,
                    last_error="Pengiriman terputus; status tidak pasti. Periksa kotak keluar "
                               "penerima sebelum mengirim ulang.")
        )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            audit.record(session, "email_messages.send_uncertain", "email_messages", None,
                         {"count": count})
        return count


def send_one(sessions: sessionmaker[Session], email_id: int, timeout: float = 30.0) -> str:
    with sessions() as session:
        row = session.get(EmailMessage, email_id)
        if row is None:
            return SendState.failed
        mailbox = session.get(Mailbox, row.mailbox_id)
        raw, sender, recipients = row.raw, row.from_address, [*row.to, *row.cc]
        attempts = row.attempts
    if mailbox is None or not mailbox.smtp_host:
        _finish(sessions, email_id, SendState.failed, "Kotak surat tanpa server SMTP.")
        return SendState.failed
    try:
        with _smtp(mailbox, timeout) as client:
            refused = client.sendmail(sender, recipients, raw)
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.smtp_code < 600
        return _failed(sessions, email_id, attempts, f"{exc.smtp_code} {exc.smtp_error!r}",
                       permanent)
    except smtplib.SMTPRecipientsRefused as exc:
        return _failed(sessions, email_id, attempts, f"penerima ditolak: {exc.recipients}", True)
    except (OSError, smtplib.SMTPException) as exc:
        return _failed(sessions, email_id, attempts, f"{type(exc).__name__}: {exc}", False)
    note = f"sebagian penerima ditolak: {refused}" if refused else ""
    _finish(sessions, email_id, SendState.sent, note)
    return SendState.sent


def _failed(sessions: sessionmaker[Session], email_id: int, attempts: int, error: str,
            permanent: bool) -> str:
    if permanent or attempts >= MAX_ATTEMPTS:
        log.warning("mail %s failed for good: %s", email_id, error)
        _finish(sessions, email_id, SendState.failed, error)
        return SendState.failed
    _finish(sessions, email_id, SendState.queued, error, utcnow() + backoff(attempts))
    return SendState.queued


def send_due(sessions: sessionmaker[Session], limit: int = 100) -> SendReport:
    """Send what is due now, one claimed row at a time."""
    release_stale(sessions)
    sent = retried = failed = 0
    for _ in range(limit):
        email_id = _claim(sessions, utcnow())
        if email_id is None:
            break
        if email_id < 0:
            continue  # another worker took it between our read and our claim
        outcome = send_one(sessions, email_id)
        sent += outcome == SendState.sent
        retried += outcome == SendState.queued
        failed += outcome == SendState.failed
    return SendReport(sent, retried, failed)


def requeue(session: Session, email_id: int) -> EmailMessage:
    """An agent sends a failed mail again (after checking it did not go out)."""
    from sigap.core.errors import IllegalTransition, NotFound

    row = session.get(EmailMessage, email_id)
    if row is None or row.direction != "outbound":
        raise NotFound(f"Email keluar {email_id} tidak ditemukan.")
    if row.send_state != SendState.failed:
        raise IllegalTransition("Hanya email yang gagal yang bisa dikirim ulang.",
                                field="send_state")
    row.send_state = SendState.queued
    row.next_attempt_at = utcnow()
    return row
