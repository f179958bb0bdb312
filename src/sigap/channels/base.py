"""What every channel adapter hands to the channels service, and webhook signatures."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    account: str  # our side: phone number id, page id
    contact: str  # their side: WhatsApp id, handle
    contact_name: str
    provider_id: str
    at: dt.datetime
    kind: str
    text: str = ""
    handled: bool = True
    media_id: str = ""
    media_type: str = ""
    payload: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    channel: str
    provider_id: str  # of our outgoing message
    status: str  # sent, delivered, read, failed
    at: dt.datetime
    error: str = ""


def signature_ok(secret: str, body: bytes, header: str | None, prefix: str = "sha256=",
                 encoding: str = "hex") -> bool:
    """An HMAC-SHA256 signature header over the raw body (`sha256=<hex>` as Meta signs,
    `sha256=<base64>` as X signs), compared in constant time."""
    if not secret or not header or not header.startswith(prefix):
        return False
    given = header[len(prefix):].strip()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if encoding == "base64":
        return hmac.compare_digest(base64.b64encode(digest).decode(), given)
    return hmac.compare_digest(digest.hex(), given.lower())


def crc_response(secret: str, token: str) -> str:
    """X's challenge-response check: `sha256=` + base64 HMAC-SHA256 of the crc_token."""
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Outgoing:
    """An answer as a channel adapter composed it: its kind, the text shown in Sigap, and
    the body the vendor API takes."""

    kind: str
    text: str
    payload: dict[str, object]


@dataclass(frozen=True)
class Media:
    """A file an agent sends with an answer."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    token: str


class SendError(RuntimeError):
    """The vendor refused or could not be reached; the message is marked failed."""
