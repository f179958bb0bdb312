"""The WhatsApp Cloud API webhook: Meta's subscription check and signed deliveries."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from sigap.channels import webhook
from sigap.channels.base import signature_ok
from sigap.channels.whatsapp import payload
from sigap.core.errors import Forbidden
from sigap.web.deps import DbSession
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["whatsapp"])
PATH = "/api/channels/whatsapp/webhook"
SIGNATURE = "X-Hub-Signature-256"

RawBody = Annotated[bytes, Depends(webhook.raw_body)]


def meta_verify(expected: str, mode: str, token: str, challenge: str) -> str:
    """Meta's subscription check: echo the challenge when the verify token matches."""
    if mode != "subscribe" or not expected or not hmac.compare_digest(token.encode(),
                                                                      expected.encode()):
        raise Forbidden("Verify token tidak cocok.", field="hub.verify_token")
    return challenge


@router.get(PATH, response_class=PlainTextResponse)
@router.get(PATH + "/{account}", response_class=PlainTextResponse)
def verify(request: Request, session: DbSession, account: str | None = None,
           mode: str = Query("", alias="hub.mode"),
           token: str = Query("", alias="hub.verify_token"),
           challenge: str = Query("", alias="hub.challenge")) -> str:
    keys = webhook.secrets(session, request, payload.CHANNEL, account)
    return meta_verify(keys.verify_token, mode, token, challenge)


@router.post(PATH)
@router.post(PATH + "/{account}")
def deliver(request: Request, body: RawBody, session: DbSession,
            account: str | None = None) -> Response:
    """A delivery: signature checked in constant time (with the secret of the account the
    path names, else the setting), body stored, then each entry, change, message and
    status taken in; 200 once stored (Meta retries otherwise)."""
    keys = webhook.secrets(session, request, payload.CHANNEL, account)
    signed = signature_ok(keys.app_secret, body, request.headers.get(SIGNATURE))
    webhook.take(session, request, payload.CHANNEL, body, signed, SIGNATURE, payload.parse)
    return Response(status_code=200)
