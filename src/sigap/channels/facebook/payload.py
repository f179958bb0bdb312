"""A Meta page webhook body (Messenger messages and page feed comments) → messages (pure)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sigap.channels.base import InboundMessage

CHANNEL = "facebook"


class BadPayload(ValueError):
    pass


def _ms(value: object) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(str(value)) / 1000, dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _messaging(page: str, event: dict[str, Any]) -> InboundMessage | None:
    message = event.get("message")
    sender = str((event.get("sender") or {}).get("id", ""))
    if not isinstance(message, dict) or not message.get("mid") or sender == page:
        return None  # echoes of our own messages, reads, deliveries
    attachments = [a for a in message.get("attachments") or [] if isinstance(a, dict)]
    kind = "text" if message.get("text") else (attachments[0].get("type", "attachment")
                                               if attachments else "unknown")
    text = str(message.get("text") or "")
    if not text and attachments:
        text = " ".join(str((a.get("payload") or {}).get("url", "")) for a in attachments)
    return InboundMessage(
        channel=CHANNEL, account=page, contact=sender, contact_name="",
        provider_id=str(message["mid"]), at=_ms(event.get("timestamp")), kind=str(kind),
        text=text, handled=bool(text), payload=event)


def _comment(page: str, value: dict[str, Any]) -> InboundMessage | None:
    if value.get("item") != "comment" or value.get("verb") != "add":
        return None
    author = value.get("from") or {}
    if str(author.get("id", "")) == page:
        return None
    created = value.get("created_time")
    at = dt.datetime.fromtimestamp(int(created), dt.UTC) if isinstance(created, int) \
        else dt.datetime.now(dt.UTC)
    return InboundMessage(
        channel=CHANNEL, account=page, contact=str(author.get("id", "")),
        contact_name=str(author.get("name", "")), provider_id=str(value.get("comment_id", "")),
        at=at, kind="comment", text=str(value.get("message", "")), payload=value)


def parse(body: bytes) -> list[InboundMessage]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"Isi webhook bukan JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise BadPayload("Isi webhook tanpa daftar 'entry'.")
    out: list[InboundMessage] = []
    for entry in data["entry"]:
        if not isinstance(entry, dict):
            continue
        page = str(entry.get("id", ""))
        for event in entry.get("messaging") or []:
            item = _messaging(page, event) if isinstance(event, dict) else None
            if item is not None:
                out.append(item)
        for change in entry.get("changes") or []:
            value = (change or {}).get("value") if isinstance(change, dict) else None
            item = _comment(page, value) if isinstance(value, dict) else None
            if item is not None and item.provider_id:
                out.append(item)
    return out
