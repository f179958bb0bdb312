"""The one path of every signed channel webhook: refuse a bad signature (and log it),
store the body, then take it apart in a savepoint, so nothing received is ever lost."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from fastapi import Request
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.channels import accounts, service
from sigap.channels.base import InboundMessage, StatusUpdate
from sigap.core.errors import NotFound, Unauthorized
from sigap.web.deps import client_ip, settings_of

log = logging.getLogger("sigap.channels.webhook")

Parser = Callable[[bytes], tuple[Sequence[InboundMessage], Sequence[StatusUpdate]]]


async def raw_body(request: Request) -> bytes:
    """The exact bytes the sender signed, read on the event loop."""
    return await request.body()


def secrets(session: Session, request: Request, channel: str,
            account: str | None) -> accounts.Secrets:
    """The secrets of the account the webhook path names (the settings without a name);
    a delivery to an unknown account is refused and logged like a bad signature."""
    try:
        return accounts.secrets(session, settings_of(request), channel, account)
    except NotFound:
        audit.record(session, f"{channel}.webhook_refused", "channel_accounts", None,
                     {"why": "akun tidak dikenal", "account": (account or "")[:40],
                      "ip": client_ip(request)}, SYSTEM)
        log.warning("%s delivery refused from %s: unknown account %r", channel,
                    client_ip(request), account)
        session.commit()
        raise


def take(session: Session, request: Request, channel: str, body: bytes, signed: bool,
         header: str, parse: Parser) -> service.Received | None:
    if not signed:
        why = "tanda tangan tidak ada" if not request.headers.get(header) else \
            "tanda tangan salah"
        audit.record(session, f"{channel}.webhook_refused", "webhook_deliveries", None,
                     {"why": why, "ip": client_ip(request)}, SYSTEM)
        log.warning("%s delivery refused from %s: %s", channel, client_ip(request), why)
        session.commit()  # the refusal stays on record; the request itself fails
        raise Unauthorized(f"{header}: {why}.", field=header.lower())
    delivery = service.store_delivery(session, channel, body)
    try:
        with session.begin_nested():
            messages, statuses = parse(body)
            return service.receive(session, delivery, messages, statuses)
    except Exception as exc:  # stored as received: it can be replayed once fixed
        delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        log.exception("%s delivery %s not processed", channel, delivery.id)
        return None
