"""Our accounts on the vendor channels and their secrets: the account's own record when
it has one (and the secret is set there), otherwise the channel's settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.models import ChannelAccount
from sigap.config import Settings
from sigap.core.errors import NotFound


@dataclass(frozen=True)
class Secrets:
    app_secret: str  # signs deliveries: Meta app secret, X consumer secret
    verify_token: str
    access_token: str


def from_settings(settings: Settings, channel: str) -> Secrets:
    if channel == "whatsapp":
        return Secrets(settings.whatsapp_app_secret, settings.whatsapp_verify_token,
                       settings.whatsapp_access_token)
    if channel == "facebook":
        return Secrets(settings.facebook_app_secret, settings.facebook_verify_token,
                       settings.facebook_page_token)
    if channel == "x":
        return Secrets(settings.x_consumer_secret, "", settings.x_access_token)
    return Secrets("", "", "")


def _merged(record: ChannelAccount, fallback: Secrets) -> Secrets:
    return Secrets(record.app_secret or fallback.app_secret,
                   record.verify_token or fallback.verify_token,
                   record.access_token or fallback.access_token)


def secrets(session: Session, settings: Settings, channel: str,
            name: str | None = None) -> Secrets:
    """The secrets of the webhook `/api/channels/<channel>/webhook[/<name>]`; an unknown or
    inactive account name is a 404, never a fallback to another account's secrets."""
    fallback = from_settings(settings, channel)
    if name is None:
        return fallback
    record = session.scalar(select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.name == name,
        ChannelAccount.active.is_(True)))
    if record is None:
        raise NotFound(f"Akun kanal {channel}/{name} tidak dikenal.", field="account")
    return _merged(record, fallback)


def access_token(session: Session, settings: Settings, channel: str, external_id: str) -> str:
    """The token to call the vendor API as this account (phone number id, page id)."""
    record = session.scalar(select(ChannelAccount).where(
        ChannelAccount.channel == channel, ChannelAccount.external_id == external_id,
        ChannelAccount.active.is_(True)))
    fallback = from_settings(settings, channel)
    return _merged(record, fallback).access_token if record else fallback.access_token


def channels_with_tokens(session: Session, settings: Settings) -> set[str]:
    """The channels an answer can go out on: a token in the settings or on an account."""
    found = {c for c in ("whatsapp", "facebook", "x") if from_settings(settings, c).access_token}
    found |= set(session.scalars(select(ChannelAccount.channel).where(
        ChannelAccount.active.is_(True), ChannelAccount.access_token != "")))
    return found
