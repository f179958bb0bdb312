"""Channel accounts: our WhatsApp numbers, Facebook pages and X accounts with their own
webhook secrets and tokens. Secrets are written, never read back (only whether set)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.channels import replay as replaying
from sigap.channels.models import ChannelAccount
from sigap.core.errors import Conflict, NotFound
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["channel accounts"])
MANAGE = Depends(require("channels.accounts"))
_SECRETS = ("app_secret", "verify_token", "access_token")


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Literal["whatsapp", "facebook", "x"]
    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    external_id: str = Field(min_length=1, max_length=64)
    app_secret: str = Field(default="", max_length=500)
    verify_token: str = Field(default="", max_length=500)
    access_token: str = Field(default="", max_length=4000)
    active: bool = True


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, min_length=1, max_length=64)
    app_secret: str | None = Field(default=None, max_length=500)
    verify_token: str | None = Field(default=None, max_length=500)
    access_token: str | None = Field(default=None, max_length=4000)
    active: bool | None = None


class AccountOut(BaseModel):
    id: int
    channel: str
    name: str
    external_id: str
    webhook: str
    app_secret_set: bool
    verify_token_set: bool
    access_token_set: bool
    active: bool


def _out(row: ChannelAccount) -> AccountOut:
    return AccountOut(id=row.id, channel=row.channel, name=row.name,
                      external_id=row.external_id,
                      webhook=f"/api/channels/{row.channel}/webhook/{row.name}",
                      app_secret_set=bool(row.app_secret),
                      verify_token_set=bool(row.verify_token),
                      access_token_set=bool(row.access_token), active=row.active)


@router.get("/api/channels/accounts", response_model=list[AccountOut])
def list_accounts(session: DbSession, actor: Actor = MANAGE) -> list[AccountOut]:
    return [_out(r) for r in session.scalars(select(ChannelAccount).order_by(
        ChannelAccount.channel, ChannelAccount.name))]


@router.post("/api/channels/accounts", response_model=AccountOut, status_code=201)
def add_account(body: AccountIn, session: DbSession, actor: Actor = MANAGE) -> AccountOut:
    for column in ("name", "external_id"):
        if session.scalar(select(ChannelAccount.id).where(
                ChannelAccount.channel == body.channel,
                getattr(ChannelAccount, column) == getattr(body, column))):
            raise Conflict(f"Akun {body.channel} dengan {column} itu sudah ada.", field=column)
    row = ChannelAccount(**body.model_dump())
    session.add(row)
    session.flush()
    return _out(row)


@router.patch("/api/channels/accounts/{account_id}", response_model=AccountOut)
def change_account(account_id: int, body: AccountPatch, session: DbSession,
                   actor: Actor = MANAGE) -> AccountOut:
    row = session.get(ChannelAccount, account_id)
    if row is None:
        raise NotFound(f"Akun kanal {account_id} tidak ditemukan.")
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is None and key not in _SECRETS:
            continue
        setattr(row, key, (value or "") if key in _SECRETS else value)
    session.flush()
    return _out(row)


class ReplayOut(BaseModel):
    taken: int
    still_failing: int
    messages: int


@router.post("/api/channels/deliveries/replay", response_model=ReplayOut)
def replay(session: DbSession, actor: Actor = MANAGE,
           channel: Literal["whatsapp", "facebook", "x"] | None = None) -> ReplayOut:
    """Take in again the deliveries stored but not processed (after a fix)."""
    done = replaying.replay_pending(session, channel)
    return ReplayOut(taken=done.taken, still_failing=done.still_failing,
                     messages=done.messages)
