"""The WhatsApp Cloud API webhook: Meta's subscription check and signed deliveries."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.channels import service
from sigap.channels.base import signature_ok
from sigap.channels.whatsapp import payload
from sigap.core.errors import Forbidden, Unauthorized
from sigap.web.deps import DbSession, client_ip, settings_of
from sigap.web.route import TransactionRoute

log = logging.getLogger("sigap.whatsapp")
router = APIRouter(route_class=TransactionRoute, tags=["whatsapp"])
PATH = "/api/channels/whatsapp/webhook"


async def raw_body(request: Request) -> bytes:
    """The exact bytes Meta signed, read on the event loop."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


@router.get(PATH, response_class=PlainTextResponse)
def verify(request: Request, mode: str = Query("", alias="hub.mode"),
           token: str = Query("", alias="hub.verify_token"),
           challenge: str = Query("", alias="hub.challenge")) -> str:
    """Meta's subscription check: echo the challenge when the verify token matches."""
    expected = settings_of(request).whatsapp_verify_token
    if mode != "subscribe" or not expected or not hmac.compare_digest(token.encode(),
                                                                      expected.encode()):
        raise Forbidden("Verify token tidak cocok.", field="hub.verify_token")
    return challenge


def _refuse(session: Session, request: Request, why: str) -> None:
    audit.record(session, "whatsapp.webhook_refused", "webhook_deliveries", None,
                 {"why": why, "ip": client_ip(request)}, SYSTEM)
    log.warning("WhatsApp delivery refused from %s: %s", client_ip(request), why)


@router.post(PATH)
def deliver(request: Request, body: RawBody, session: DbSession) -> Response:
    """A delivery: signature checked in constant time, body stored, then each entry,
    change, message and status taken in; 200 once stored (Meta retries otherwise)."""
    secret = settings_of(request).whatsapp_app_secret
    header = request.headers.get("x-hub-signature-256")
    if not signature_ok(secret, body, header):
        why = "tanda tangan tidak ada" if not header else "tanda tangan salah"
        _refuse(session, request, why)
        session.commit()  # the refusal stays on record; the request itself fails
        raise Unauthorized(f"X-Hub-Signature-256: {why}.", field="x-hub-signature-256")
    delivery = service.store_delivery(session, payload.CHANNEL, body)
    try:
        with session.begin_nested():
            messages, statuses = payload.parse(body)
            service.receive(session, delivery, messages, statuses)
    except Exception as exc:  # stored as received: a worker or an admin can replay it
        delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
        log.exception("WhatsApp delivery %s not processed", delivery.id)
    return Response(status_code=200)
