"""Answering on WhatsApp: the 24-hour rule, then the Graph API send by the worker.

Inside 24 hours of the customer's last message any text may go; outside it only an
approved template. A message is queued with a local id, claimed before the call (so it is
sent once), and takes Meta's message id from the answer; delivery statuses then arrive on
the webhook.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.actor import Actor
from sigap.channels import service
from sigap.channels.models import ChatMessage
from sigap.channels.whatsapp.models import WaTemplate
from sigap.channels.whatsapp.payload import CHANNEL
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.db.session import transaction

OUTSIDE_WINDOW = ("Di luar jendela 24 jam sejak pesan terakhir pelanggan: WhatsApp hanya "
                  "mengizinkan templat yang sudah disetujui. Pilih templat.")
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0


def queue(session: Session, actor: Actor, conversation_id: int, *, text: str = "",
          template_id: int | None = None, parameters: list[str] | None = None) -> ChatMessage:
    conversation = service.get_conversation(session, conversation_id)
    if conversation.channel != CHANNEL:
        raise InvalidInput("Percakapan ini bukan WhatsApp.", field="conversation")
    payload: dict[str, object]
    if template_id is not None:
        template = session.get(WaTemplate, template_id)
        if template is None or not template.approved:
            raise InvalidInput("Templat tidak ada atau belum disetujui Meta.",
                               field="template_id")
        values = parameters or []
        needed = len(set(_PLACEHOLDER.findall(template.body)))
        if len(values) != needed:
            raise InvalidInput(f"Templat {template.name} butuh {needed} parameter, "
                               f"diberikan {len(values)}.", field="parameters")
        text = _PLACEHOLDER.sub(lambda m: values[int(m.group(1)) - 1], template.body)
        payload = {"type": "template", "template": {
            "name": template.name, "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [
                {"type": "text", "text": v} for v in values]}] if values else []}}
        kind = "template"
    else:
        if not text.strip():
            raise InvalidInput("Isi pesan wajib diisi.", field="text")
        if not service.window_open(conversation):
            raise InvalidInput(OUTSIDE_WINDOW, field="template_id")
        payload = {"type": "text", "text": {"preview_url": False, "body": text}}
        kind = "text"
    row = ChatMessage(channel=CHANNEL, provider_id=f"local:{uuid.uuid4()}",
                      conversation_id=conversation.id, direction="outbound", at=utcnow(),
                      kind=kind, text=text, payload=payload, status="queued")
    session.add(row)
    conversation.updated_at = utcnow()
    session.flush()
    return row


def _claim(sessions: sessionmaker[Session]) -> tuple[int, str, str, dict[str, object]] | None:
    with transaction(sessions) as session:
        row = session.execute(
            select(ChatMessage.id, ChatMessage.conversation_id)
            .where(ChatMessage.channel == CHANNEL, ChatMessage.status == "queued")
            .order_by(ChatMessage.id).limit(1)).first()
        if row is None:
            return None
        claimed = session.execute(update(ChatMessage).where(
            ChatMessage.id == row[0], ChatMessage.status == "queued").values(status="sending"))
        if getattr(claimed, "rowcount", 0) != 1:
            return (-1, "", "", {})
        message = session.get(ChatMessage, row[0])
        conversation = service.get_conversation(session, row[1])
        assert message is not None
        return message.id, conversation.account, conversation.contact, dict(message.payload)


def send_due(sessions: sessionmaker[Session], base_url: str, token: str,
             limit: int = 100, timeout: float = 30.0) -> SendReport:
    sent = failed = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=timeout, headers=headers) as client:
        for _ in range(limit):
            claim = _claim(sessions)
            if claim is None:
                break
            message_id, account, contact, payload = claim
            if message_id < 0:
                continue
            body = {"messaging_product": "whatsapp", "recipient_type": "individual",
                    "to": contact, **payload}
            try:
                answer = client.post(f"{base_url.rstrip('/')}/{account}/messages", json=body)
                ok = answer.status_code == 200
                result = answer.json() if ok else {}
                wamid = str(((result.get("messages") or [{}])[0]).get("id", "")) if ok else ""
                error = "" if wamid else f"Graph menjawab {answer.status_code}: {answer.text[:300]}"
            except (httpx.HTTPError, ValueError) as exc:
                wamid, error = "", f"{type(exc).__name__}: {exc}"
            with transaction(sessions) as session:
                row = session.get(ChatMessage, message_id)
                if row is None:
                    continue
                row.status_at = utcnow()
                if wamid:
                    row.provider_id, row.status, row.media_error = wamid[:200], "sent", ""
                    sent += 1
                else:
                    # Not retried blindly: a timeout may have sent it. The agent decides.
                    row.status, row.media_error = "failed", error[:2000]
                    failed += 1
    return SendReport(sent, failed)

