"""The Meta page webhook (Messenger and page comments): Meta's rules, the page's secrets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from sigap.channels import webhook
from sigap.channels.base import InboundMessage, StatusUpdate, signature_ok
from sigap.channels.facebook import payload
from sigap.channels.whatsapp.views import SIGNATURE, meta_verify
from sigap.web.deps import DbSession
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["facebook"])
PATH = "/api/channels/facebook/webhook"

RawBody = Annotated[bytes, Depends(webhook.raw_body)]


def _parse(body: bytes) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    return payload.parse(body), []


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
    keys = webhook.secrets(session, request, payload.CHANNEL, account)
    signed = signature_ok(keys.app_secret, body, request.headers.get(SIGNATURE))
    webhook.take(session, request, payload.CHANNEL, body, signed, SIGNATURE, _parse)
    return Response(status_code=200)
