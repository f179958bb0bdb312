"""Deliveries stored but not taken apart (a body the code could not read at the time) are
taken in again once the code is fixed: the same path, the same deduplication."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels import service
from sigap.channels.base import InboundMessage, StatusUpdate
from sigap.channels.facebook import payload as facebook
from sigap.channels.models import WebhookDelivery
from sigap.channels.whatsapp import payload as whatsapp
from sigap.channels.x import payload as x

log = logging.getLogger("sigap.channels.replay")
Parser = Callable[[bytes], tuple[Sequence[InboundMessage], Sequence[StatusUpdate]]]
PARSERS: dict[str, Parser] = {
    "whatsapp": whatsapp.parse,
    "facebook": lambda body: (facebook.parse(body), []),
    "x": lambda body: (x.parse(body), []),
}


@dataclass(frozen=True)
class Replayed:
    taken: int = 0
    still_failing: int = 0
    messages: int = 0


def replay_pending(session: Session, channel: str | None = None,
                   limit: int = 500) -> Replayed:
    stmt = select(WebhookDelivery).where(WebhookDelivery.processed_at.is_(None))
    if channel:
        stmt = stmt.where(WebhookDelivery.channel == channel)
    taken = failing = messages = 0
    for delivery in session.scalars(stmt.order_by(WebhookDelivery.id).limit(limit)):
        parse = PARSERS.get(delivery.channel)
        if parse is None:
            continue
        try:
            with session.begin_nested():
                got = service.receive(session, delivery, *parse(delivery.body))
        except Exception as exc:  # still not readable: kept, with the newest reason
            delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
            failing += 1
            log.warning("%s delivery %s still not processed: %s", delivery.channel,
                        delivery.id, exc)
            continue
        delivery.error = ""
        taken += 1
        messages += got.stored
    return Replayed(taken, failing, messages)
