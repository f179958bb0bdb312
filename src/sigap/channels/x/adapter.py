"""X out: a reply to the customer's mention, or a direct message (API v2)."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.base import Endpoint, Media, Outgoing, SendError
from sigap.channels.models import ChatMessage, Conversation
from sigap.core.errors import InvalidInput

MAX_TWEET = 280


def compose(session: Session, conversation: Conversation, text: str,
            template_id: int | None, parameters: list[str],
            media: Media | None = None) -> Outgoing:
    if media is not None:
        raise InvalidInput("Lampiran dari Sigap baru bisa dikirim lewat WhatsApp.",
                           field="media")
    if template_id is not None:
        raise InvalidInput("Templat hanya untuk WhatsApp.", field="template_id")
    last = session.scalar(select(ChatMessage).where(
        ChatMessage.conversation_id == conversation.id, ChatMessage.direction == "inbound")
        .order_by(ChatMessage.at.desc(), ChatMessage.id.desc()).limit(1))
    if last is not None and last.kind == "mention":
        if len(text) > MAX_TWEET:
            raise InvalidInput(f"Balasan publik di X maksimal {MAX_TWEET} karakter; "
                               "lanjutkan lewat pesan langsung.", field="text")
        return Outgoing("tweet_reply", text, {
            "text": text, "reply": {"in_reply_to_tweet_id": last.provider_id.split(":", 1)[1]}})
    return Outgoing("direct_message", text, {"dm": True, "text": text})


def send(client: httpx.Client, endpoint: Endpoint, account: str, contact: str,
         payload: dict[str, object], media: Media | None = None) -> str:
    base = endpoint.base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {endpoint.token}"}
    if payload.get("dm"):
        answer = client.post(f"{base}/2/dm_conversations/with/{contact}/messages",
                             json={"text": payload["text"]}, headers=headers)
        key = "dm_event_id"
        prefix = "dm:"
    else:
        answer = client.post(f"{base}/2/tweets", json=payload, headers=headers)
        key = "id"
        prefix = "tweet:"
    if answer.status_code not in (200, 201):
        raise SendError(f"X menjawab {answer.status_code}: {answer.text[:300]}")
    data = answer.json().get("data") or {}
    value = str(data.get(key, ""))
    return prefix + value if value else ""
