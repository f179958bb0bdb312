"""Fetching the media of stored WhatsApp messages, outside any request, with retries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.models import ChannelAccount, ChatMessage, Conversation
from sigap.channels.whatsapp.graph import GraphError, download_media
from sigap.channels.whatsapp.payload import CHANNEL
from sigap.db.session import transaction

log = logging.getLogger("sigap.whatsapp.media")
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class MediaReport:
    fetched: int = 0
    failed: int = 0


def fetch_pending(sessions: sessionmaker[Session], base_url: str, token: str,
                  limit: int = 50) -> MediaReport:
    with sessions() as session:
        ids = list(session.scalars(
            select(ChatMessage.id).where(ChatMessage.channel == CHANNEL,
                                         ChatMessage.media_id != "",
                                         ChatMessage.media.is_(None),
                                         ChatMessage.media_attempts < MAX_ATTEMPTS)
            .order_by(ChatMessage.id).limit(limit)))
    fetched = failed = 0
    for message_id in ids:
        with transaction(sessions) as session:
            row = session.get(ChatMessage, message_id)
            if row is None or row.media is not None:
                continue
            row.media_attempts += 1
            # The number's own token when its account record has one, else the setting.
            own = session.scalar(select(ChannelAccount.access_token).join(
                Conversation, Conversation.account == ChannelAccount.external_id).where(
                Conversation.id == row.conversation_id, ChannelAccount.channel == CHANNEL,
                ChannelAccount.active.is_(True), ChannelAccount.access_token != ""))
            try:
                data, kind = download_media(base_url, own or token, row.media_id)
            except (GraphError, httpx.HTTPError, OSError, ValueError) as exc:
                row.media_error = str(exc)[:2000]
                failed += 1
                log.warning("media of message %s: %s", message_id, exc)
                continue
            row.media, row.media_error = data, ""
            row.media_type = row.media_type or kind[:120]
            fetched += 1
    return MediaReport(fetched, failed)
