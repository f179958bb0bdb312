"""A WhatsApp Cloud API webhook body → inbound messages and delivery statuses (pure)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sigap.channels.base import InboundMessage, StatusUpdate

CHANNEL = "whatsapp"
MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")


class BadPayload(ValueError):
    pass


def _at(value: object) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(str(value)), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _text(kind: str, body: dict[str, Any]) -> tuple[str, bool]:
    """The readable text of a message, and whether Sigap handles its kind."""
    found = body.get(kind)
    part: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "text":
        return str(part.get("body", "")), True
    if kind in MEDIA_KINDS:
        caption = part.get("caption") or part.get("filename") or ""
        return str(caption), True
    if kind == "location":
        place = " ".join(str(part.get(k, "")) for k in ("name", "address")).strip()
        coords = f"{part.get('latitude')},{part.get('longitude')}"
        return f"Lokasi: {place} ({coords})".replace(":  (", ": ("), True
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title", "")), True
    if kind == "button":
        return str(part.get("text", "")), True
    return f"[pesan {kind} belum didukung]", False


def parse(body: bytes) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"Isi webhook bukan JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entry"), list):
        raise BadPayload("Isi webhook tanpa daftar 'entry'.")
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    for entry in data["entry"]:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            account = str((value.get("metadata") or {}).get("phone_number_id", ""))
            names = {str(c.get("wa_id")): str((c.get("profile") or {}).get("name", ""))
                     for c in value.get("contacts") or [] if isinstance(c, dict)}
            for m in value.get("messages") or []:
                if not isinstance(m, dict) or not m.get("id"):
                    continue
                kind = str(m.get("type", "unknown"))
                text, handled = _text(kind, m)
                found = m.get(kind)
                media: dict[str, Any] = (found if kind in MEDIA_KINDS
                                         and isinstance(found, dict) else {})
                sender = str(m.get("from", ""))
                messages.append(InboundMessage(
                    channel=CHANNEL, account=account, contact=sender,
                    contact_name=names.get(sender, ""), provider_id=str(m["id"]),
                    at=_at(m.get("timestamp")), kind=kind, text=text, handled=handled,
                    media_id=str(media.get("id", "")), media_type=str(media.get("mime_type", "")),
                    payload=m))
            for s in value.get("statuses") or []:
                if not isinstance(s, dict) or not s.get("id"):
                    continue
                errors = s.get("errors") or []
                error = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip()
                                  for e in errors if isinstance(e, dict))
                statuses.append(StatusUpdate(CHANNEL, str(s["id"]), str(s.get("status", "")),
                                             _at(s.get("timestamp")), error))
    return messages, statuses
