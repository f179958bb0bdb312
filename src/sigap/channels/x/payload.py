"""An X Account Activity delivery (mentions and direct messages) → messages (pure)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sigap.channels.base import InboundMessage

CHANNEL = "x"


class BadPayload(ValueError):
    pass


def _ms(value: object) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(str(value)) / 1000, dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def parse(body: bytes) -> list[InboundMessage]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPayload(f"Isi webhook bukan JSON: {exc}") from exc
    if not isinstance(data, dict) or "for_user_id" not in data:
        raise BadPayload("Isi webhook tanpa 'for_user_id'.")
    account = str(data["for_user_id"])
    users: dict[str, Any] = data.get("users") or {}
    out: list[InboundMessage] = []
    for tweet in data.get("tweet_create_events") or []:
        if not isinstance(tweet, dict):
            continue
        user = tweet.get("user") or {}
        author = str(user.get("id_str", ""))
        if not tweet.get("id_str") or author == account:
            continue  # our own tweets come back too
        out.append(InboundMessage(
            channel=CHANNEL, account=account, contact=author,
            contact_name=f"@{user.get('screen_name', '')} {user.get('name', '')}".strip(),
            provider_id=f"tweet:{tweet['id_str']}", at=_ms(tweet.get("timestamp_ms")),
            kind="mention", text=str(tweet.get("text", "")), payload=tweet))
    for event in data.get("direct_message_events") or []:
        if not isinstance(event, dict) or event.get("type") != "message_create":
            continue
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id", ""))
        if sender == account or not event.get("id"):
            continue
        profile = users.get(sender) or {}
        out.append(InboundMessage(
            channel=CHANNEL, account=account, contact=sender,
            contact_name=f"@{profile.get('screen_name', '')} {profile.get('name', '')}".strip(),
            provider_id=f"dm:{event['id']}", at=_ms(event.get("created_timestamp")),
            kind="direct_message", text=str((create.get("message_data") or {}).get("text", "")),
            payload=event))
    return out
