"""What every channel adapter hands to the channels service, and webhook signatures."""

from __future__ import annotations

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


def signature_ok(secret: str, body: bytes, header: str | None, prefix: str = "sha256=") -> bool:
    """An HMAC-SHA256 signature header (`sha256=<hex>`) over the raw body, compared in
    constant time."""
    if not secret or not header or not header.startswith(prefix):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len(prefix):].strip().lower())
