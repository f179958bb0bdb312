"""Facebook out: a Messenger reply within 24 hours (Meta's standard messaging window), or
a public reply under the customer's page comment."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels import service
from sigap.channels.base import Endpoint, Media, Outgoing, SendError
from sigap.channels.models import ChatMessage, Conversation
from sigap.core.errors import InvalidInput

OUTSIDE_WINDOW = ("Di luar jendela 24 jam sejak pesan terakhir pelanggan: Messenger tidak "
                  "mengizinkan pesan biasa. Hubungi pelanggan lewat kanal lain.")


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
    if last is not None and last.kind == "comment":
        return Outgoing("comment_reply", text, {"comment_id": last.provider_id,
                                                "message": text})
    if not service.window_open(conversation):
        raise InvalidInput(OUTSIDE_WINDOW, field="text")
    return Outgoing("text", text, {"messaging_type": "RESPONSE", "message": {"text": text}})


def send(client: httpx.Client, endpoint: Endpoint, account: str, contact: str,
         payload: dict[str, object], media: Media | None = None) -> str:
    base = endpoint.base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {endpoint.token}"}
    if "comment_id" in payload:
        answer = client.post(f"{base}/{payload['comment_id']}/comments",
                             json={"message": payload["message"]}, headers=headers)
    else:
        answer = client.post(f"{base}/{account}/messages", headers=headers,
                             json={"recipient": {"id": contact}, **payload})
    if answer.status_code != 200:
        raise SendError(f"Graph menjawab {answer.status_code}: {answer.text[:300]}")
    data = answer.json()
    return str(data.get("message_id") or data.get("id") or "")
