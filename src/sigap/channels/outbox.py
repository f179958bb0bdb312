"""Answers on chat and social channels: composed by the channel's adapter (its rules),
queued, then sent once by the worker.

A message is queued with a local id and claimed (queued → sending, committed) before the
vendor call, so no two workers send it; it takes the vendor's message id from the answer.
A failed or timed-out call marks it failed for the agent rather than retrying, because a
timeout may have delivered it. Delivery statuses then arrive on the webhook.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.actor import Actor
from sigap.channels import accounts, service
from sigap.channels.base import Endpoint, Media, Outgoing, SendError
from sigap.channels.facebook import adapter as facebook
from sigap.channels.models import ChannelAccount, ChatMessage
from sigap.channels.whatsapp import adapter as whatsapp
from sigap.channels.x import adapter as x
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput
from sigap.db.session import transaction

ADAPTERS: dict[str, ModuleType] = {"whatsapp": whatsapp, "facebook": facebook, "x": x}
Sender = Callable[[httpx.Client, Endpoint, str, str, dict[str, object], Media | None], str]


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0


def endpoints(settings: Settings, session: Session | None = None) -> dict[str, Endpoint]:
    """The channels whose credentials are set, in the settings or (given a session) on a
    channel account; an account's own token is taken per message when it is sent."""
    found = {
        "whatsapp": Endpoint(settings.graph_base_url, settings.whatsapp_access_token),
        "facebook": Endpoint(settings.graph_base_url, settings.facebook_page_token),
        "x": Endpoint(settings.x_api_base_url, settings.x_access_token),
    }
    usable = accounts.channels_with_tokens(session, settings) if session is not None else {
        name for name, e in found.items() if e.token}
    return {name: e for name, e in found.items() if name in usable}


def queue(session: Session, actor: Actor, conversation_id: int, *, text: str = "",
          template_id: int | None = None, parameters: list[str] | None = None,
          media: Media | None = None) -> ChatMessage:
    conversation = service.get_conversation(session, conversation_id)
    # Sigap's own messages (the CSAT question) may follow a conversation the agent closed.
    if conversation.state != "open" and not actor.is_system:
        raise Conflict("Percakapan ini sudah ditutup; balasan pelanggan berikutnya membuka "
                       "percakapan baru.", field="conversation")
    adapter = ADAPTERS.get(conversation.channel)
    if adapter is None:
        raise InvalidInput(f"Kanal {conversation.channel} belum bisa dibalas dari Sigap.",
                           field="conversation")
    if template_id is None and media is None and not text.strip():
        raise InvalidInput("Isi pesan wajib diisi.", field="text")
    outgoing: Outgoing = adapter.compose(session, conversation, text, template_id,
                                         parameters or [], media)
    row = ChatMessage(channel=conversation.channel, provider_id=f"local:{uuid.uuid4()}",
                      conversation_id=conversation.id, direction="outbound", at=utcnow(),
                      kind=outgoing.kind, text=outgoing.text, payload=outgoing.payload,
                      status="queued", media=media.data if media else None,
                      media_type=media.content_type[:120] if media else "",
                      media_id=f"upload:{media.filename}"[:200] if media else "")
    session.add(row)
    conversation.updated_at = utcnow()
    session.flush()
    return row


Claim = tuple[int, str, str, str, dict[str, object], Media | None, str]


def _claim(sessions: sessionmaker[Session], channels: list[str]) -> Claim | None:
    with transaction(sessions) as session:
        row = session.execute(
            select(ChatMessage.id, ChatMessage.conversation_id)
            .where(ChatMessage.channel.in_(channels), ChatMessage.status == "queued")
            .order_by(ChatMessage.id).limit(1)).first()
        if row is None:
            return None
        claimed = session.execute(update(ChatMessage).where(
            ChatMessage.id == row[0], ChatMessage.status == "queued").values(status="sending"))
        if getattr(claimed, "rowcount", 0) != 1:
            return (-1, "", "", "", {}, None, "")
        message = session.get(ChatMessage, row[0])
        conversation = service.get_conversation(session, row[1])
        assert message is not None
        media = None
        if message.media is not None:
            media = Media(message.media_id.removeprefix("upload:") or "lampiran",
                          message.media_type or "application/octet-stream", message.media)
        token = session.scalar(select(ChannelAccount.access_token).where(
            ChannelAccount.channel == conversation.channel,
            ChannelAccount.external_id == conversation.account,
            ChannelAccount.active.is_(True))) or ""
        return (message.id, conversation.channel, conversation.account, conversation.contact,
                dict(message.payload), media, token)


def send_due(sessions: sessionmaker[Session], targets: dict[str, Endpoint],
             limit: int = 100, timeout: float = 30.0) -> SendReport:
    sent = failed = 0
    if not targets:
        return SendReport()
    with httpx.Client(timeout=timeout) as client:
        for _ in range(limit):
            claim = _claim(sessions, list(targets))
            if claim is None:
                break
            message_id, channel, account, contact, payload, media, token = claim
            if message_id < 0:
                continue
            sender: Sender = ADAPTERS[channel].send
            # The account's own token first (several numbers or pages), else the setting.
            target = Endpoint(targets[channel].base_url, token or targets[channel].token)
            try:
                if not target.token:
                    raise SendError(f"Token akses {channel} untuk akun {account} belum diatur.")
                provider_id, error = sender(client, target, account, contact, payload,
                                            media), ""
                if not provider_id:
                    error = "Jawaban tanpa id pesan."
            except (SendError, httpx.HTTPError, ValueError) as exc:
                provider_id, error = "", f"{type(exc).__name__}: {exc}"
            with transaction(sessions) as session:
                row = session.get(ChatMessage, message_id)
                if row is None:
                    continue
                row.status_at = utcnow()
                if provider_id and not error:
                    row.provider_id, row.status, row.media_error = provider_id[:200], "sent", ""
                    sent += 1
                else:
                    row.status, row.media_error = "failed", error[:2000]
                    failed += 1
    return SendReport(sent, failed)
