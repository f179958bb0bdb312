"""Conversations of the chat and social channels: list, read, turn into work."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.channels import account_views, outbox, pages, priority_pages, service
from sigap.channels.alarms import views as alarm_views
from sigap.channels.base import Media
from sigap.channels.facebook import views as facebook_views
from sigap.channels.models import PriorityAccount
from sigap.channels.voice import views as voice_views
from sigap.channels.whatsapp import views as whatsapp_views
from sigap.channels.whatsapp.models import WaTemplate
from sigap.channels.x import views as x_views
from sigap.core.errors import Conflict, InvalidInput
from sigap.tickets.schemas import TicketOut, TicketTypeIn
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["conversations"])
router.include_router(pages.router)
router.include_router(account_views.router)
router.include_router(priority_pages.router)
router.include_router(whatsapp_views.router)
router.include_router(facebook_views.router)
router.include_router(x_views.router)
router.include_router(voice_views.router)
router.include_router(alarm_views.router)

READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    account: str
    contact: str
    contact_name: str
    customer_id: int | None
    ticket_id: int | None
    state: str
    last_inbound_at: dt.datetime | None
    priority: bool
    priority_reason: str
    window_open: bool = False


class ChatMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    provider_id: str
    direction: str
    at: dt.datetime
    kind: str
    text: str
    handled: bool
    media_type: str
    media_stored: bool = False
    media_error: str
    status: str


class ConversationDetail(ConversationOut):
    messages: list[ChatMessageOut]


class ToTicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int | None = Field(default=None, gt=0)
    customer_id: int | None = Field(default=None, gt=0)
    type: TicketTypeIn = "gangguan"
    subject: str = Field(default="", max_length=200)
    hard_complaint: bool = False


def _out(conversation: object) -> ConversationOut:
    out = ConversationOut.model_validate(conversation)
    out.window_open = service.window_open(conversation)  # type: ignore[arg-type]
    return out


@router.get("/api/conversations", response_model=list[ConversationOut])
def conversations(session: DbSession, actor: Actor = READ, channel: str | None = None,
                  state: str = Query("open", pattern="^(open|closed)$")) -> list[ConversationOut]:
    return [_out(c) for c in service.list_conversations(session, channel, state)]


@router.get("/api/conversations/{conversation_id}", response_model=ConversationDetail)
def conversation(conversation_id: int, session: DbSession,
                 actor: Actor = READ) -> ConversationDetail:
    found = service.get_conversation(session, conversation_id)
    rows = service.messages_of(session, found.id)
    if found.customer_id is not None:
        audit.record_read(session, "customers", found.customer_id, why="conversation",
                          detail={"conversation_id": found.id})
    messages = []
    for row in rows:
        item = ChatMessageOut.model_validate(row)
        item.media_stored = row.media is not None
        messages.append(item)
    return ConversationDetail(**_out(found).model_dump(), messages=messages)


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=3, max_length=120, pattern=r"^[\w.+-]+/[\w.+-]+$")
    content_base64: str = Field(min_length=1, max_length=22_000_000)


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(default="", max_length=4096)
    template_id: int | None = Field(default=None, gt=0)
    parameters: list[str] = Field(default_factory=list, max_length=10)
    media: MediaIn | None = None


@router.post("/api/conversations/{conversation_id}/messages", response_model=ChatMessageOut,
             status_code=201)
def send(conversation_id: int, body: SendIn, session: DbSession,
         actor: Actor = WRITE) -> ChatMessageOut:
    """Answer on the conversation's channel, by its rules (WhatsApp: free text inside the
    customer's 24-hour window, an approved template outside it; Facebook: Messenger within
    24 hours or a reply to the comment; X: a reply to the mention or a direct message).
    Queued; the worker sends it."""
    media = None
    if body.media is not None:
        try:
            data = base64.b64decode(body.media.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("Isi media bukan base64 yang sah.",
                               field="media.content_base64") from None
        media = Media(body.media.filename, body.media.content_type, data)
    row = outbox.queue(session, actor, conversation_id, text=body.text,
                       template_id=body.template_id, parameters=body.parameters, media=media)
    return ChatMessageOut.model_validate(row)


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120, pattern=r"^[a-z0-9_]+$")
    language: str = Field(default="id", min_length=2, max_length=10)
    category: str = Field(default="UTILITY", pattern="^(UTILITY|MARKETING|AUTHENTICATION)$")
    body: str = Field(min_length=1, max_length=1024)
    approved: bool = False


class TemplateOut(TemplateIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@router.get("/api/channels/whatsapp/templates", response_model=list[TemplateOut])
def templates(session: DbSession, actor: Actor = READ) -> list[TemplateOut]:
    return [TemplateOut.model_validate(t) for t in
            session.scalars(select(WaTemplate).order_by(WaTemplate.name))]


@router.post("/api/channels/whatsapp/templates", response_model=TemplateOut, status_code=201)
def add_template(body: TemplateIn, session: DbSession,
                 actor: Actor = Depends(require("channels.templates"))) -> TemplateOut:
    if session.scalar(select(WaTemplate.id).where(WaTemplate.name == body.name,
                                                  WaTemplate.language == body.language)):
        raise Conflict(f"Templat {body.name} ({body.language}) sudah ada.", field="name")
    row = WaTemplate(**body.model_dump())
    session.add(row)
    session.flush()
    return TemplateOut.model_validate(row)


@router.post("/api/conversations/{conversation_id}/ticket", response_model=TicketOut,
             status_code=201)
def to_ticket(conversation_id: int, body: ToTicketIn, session: DbSession,
              actor: Actor = WRITE) -> TicketOut:
    """Open a ticket from the conversation, or link it to the customer's open ticket."""
    ticket = service.to_ticket(session, actor, conversation_id, ticket_id=body.ticket_id,
                               type_=body.type, subject=body.subject,
                               customer_id=body.customer_id,
                               hard_complaint=body.hard_complaint)
    return TicketOut.model_validate(ticket)


@router.post("/api/conversations/{conversation_id}/close", response_model=ConversationOut)
def close(conversation_id: int, session: DbSession, actor: Actor = WRITE) -> ConversationOut:
    """Done with the conversation: the routing slot is freed; the next message opens anew."""
    return _out(service.close(session, actor, conversation_id))


@router.post("/api/conversations/{conversation_id}/takeover", response_model=ConversationOut)
def take_over(conversation_id: int, session: DbSession,
              actor: Actor = Depends(require("tickets.takeover"))) -> ConversationOut:
    """The team leader on duty takes the conversation (and its ticket) over."""
    return _out(service.take_over(session, actor, conversation_id))


class PriorityAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Literal["x", "facebook", "whatsapp", "any"]
    account: str = Field(min_length=1, max_length=120)
    name: str = Field(default="", max_length=200)
    category: Literal["pejabat_pemerintah", "swasta", "artis", "penulis", "pr_media",
                      "aktivis", "ngo", "profesional", "public_figure", "bod"]
    note: str = Field(default="", max_length=2000)
    active: bool = True


class PriorityAccountOut(PriorityAccountIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


PRIORITY_LIST = Depends(require("channels.priority"))


@router.get("/api/priority-accounts", response_model=list[PriorityAccountOut])
def priority_accounts(session: DbSession, actor: Actor = READ) -> list[PriorityAccountOut]:
    """The priority list of W-19 (professions, categories, board accounts)."""
    return [PriorityAccountOut.model_validate(a) for a in
            session.scalars(select(PriorityAccount).order_by(PriorityAccount.channel,
                                                             PriorityAccount.account))]


@router.post("/api/priority-accounts", response_model=PriorityAccountOut, status_code=201)
def add_priority_account(body: PriorityAccountIn, session: DbSession,
                         actor: Actor = PRIORITY_LIST) -> PriorityAccountOut:
    row = service.add_priority_account(session, body.channel, body.account, body.category,
                                       body.name, body.note)
    row.active = body.active
    return PriorityAccountOut.model_validate(row)


class PriorityActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


@router.patch("/api/priority-accounts/{account_id}", response_model=PriorityAccountOut)
def change_priority_account(account_id: int, body: PriorityActiveIn, session: DbSession,
                            actor: Actor = PRIORITY_LIST) -> PriorityAccountOut:
    """Take an account off the list (or back on): kept for the record, not deleted."""
    return PriorityAccountOut.model_validate(
        service.set_priority_active(session, account_id, body.active))
