"""The X Account Activity webhook: the CRC check and deliveries signed in base64."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sigap.channels import webhook
from sigap.channels.base import InboundMessage, StatusUpdate, crc_response, signature_ok
from sigap.channels.x import payload
from sigap.core.errors import Forbidden
from sigap.web.deps import DbSession
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["x"])
PATH = "/api/channels/x/webhook"
SIGNATURE = "X-Twitter-Webhooks-Signature"

RawBody = Annotated[bytes, Depends(webhook.raw_body)]


def _parse(body: bytes) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    return payload.parse(body), []


@router.get(PATH)
@router.get(PATH + "/{account}")
def crc(request: Request, session: DbSession, account: str | None = None,
        crc_token: str = Query(min_length=1, max_length=500)) -> dict[str, str]:
    """X's challenge-response check, made when the webhook is registered and hourly."""
    secret = webhook.secrets(session, request, payload.CHANNEL, account).app_secret
    if not secret:
        raise Forbidden("Consumer secret X belum diatur.", field="crc_token")
    return {"response_token": crc_response(secret, crc_token)}


@router.post(PATH)
@router.post(PATH + "/{account}")
def deliver(request: Request, body: RawBody, session: DbSession,
            account: str | None = None) -> Response:
    keys = webhook.secrets(session, request, payload.CHANNEL, account)
    signed = signature_ok(keys.app_secret, body, request.headers.get(SIGNATURE),
                          encoding="base64")
    webhook.take(session, request, payload.CHANNEL, body, signed, SIGNATURE, _parse)
    return Response(status_code=200)
