"""Email desk API: the MTA pipe, mailboxes, quarantine, templates, replies on a ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.channels.email import outbox, pages, reply, service
from sigap.channels.email.inbox import extract_attachment, ingest
from sigap.channels.email.models import EmailAttachment, EmailMessage
from sigap.channels.email.schemas import (
    EmailOut,
    InboundOut,
    MailboxIn,
    MailboxOut,
    QuarantineOut,
    ReplyIn,
    TemplateIn,
    TemplateOut,
)
from sigap.core.errors import InvalidInput, NotFound, TooLarge, UnsupportedMediaType
from sigap.tickets import service as ticket_service
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["email"])
router.include_router(pages.router)

MANAGE = Depends(require("email.manage"))
TEMPLATES = Depends(require("email.templates"))
INBOUND = Depends(require("email.inbound"))
READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))

MAX_RAW_BYTES = 64 * 1024 * 1024
PREFIX = "/api/channels/email"


async def raw_message(request: Request) -> bytes:
    """The request body, read on the event loop (the handler itself is sync)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "message/rfc822":
        raise UnsupportedMediaType("Kirim pesan mentah dengan Content-Type: message/rfc822.",
                              field="content-type")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_RAW_BYTES:
        raise TooLarge(f"Pesan lebih dari {MAX_RAW_BYTES:,} byte.", field="body")
    body = await request.body()
    if len(body) > MAX_RAW_BYTES:
        raise TooLarge(f"Pesan lebih dari {MAX_RAW_BYTES:,} byte.", field="body")
    if not body:
        raise InvalidInput("Isi pesan kosong.", field="body")
    return body


RawMessage = Annotated[bytes, Depends(raw_message)]


@router.post(f"{PREFIX}/inbound", status_code=202, response_model=InboundOut)
def inbound(actor: Annotated[Actor, INBOUND], raw: RawMessage, session: DbSession,
            mailbox: str = Query(min_length=1, max_length=40)) -> InboundOut:
    """Take one raw RFC 5322 message for MAILBOX (an MTA pipe). 202 once stored; the same
    Message-ID again changes nothing."""
    box = service.mailbox_by_name(session, mailbox, lock=True)
    outcome = ingest(session, box, raw, source="api")
    return InboundOut(state=outcome.state, email_id=outcome.email_id,
                      ticket_id=outcome.ticket_id, duplicate=not outcome.created,
                      reason=outcome.reason)


@router.get(f"{PREFIX}/mailboxes", response_model=list[MailboxOut])
def list_mailboxes(session: DbSession, actor: Actor = MANAGE) -> list[MailboxOut]:
    return [service.mailbox_out(m) for m in service.list_mailboxes(session)]


@router.post(f"{PREFIX}/mailboxes", status_code=201, response_model=MailboxOut)
def create_mailbox(body: MailboxIn, session: DbSession, actor: Actor = MANAGE) -> MailboxOut:
    return service.mailbox_out(service.create_mailbox(session, actor, body))


@router.get(f"{PREFIX}/mailboxes/{{mailbox_id}}", response_model=MailboxOut)
def get_mailbox(mailbox_id: int, session: DbSession, actor: Actor = MANAGE) -> MailboxOut:
    return service.mailbox_out(service.get_mailbox(session, mailbox_id))


@router.put(f"{PREFIX}/mailboxes/{{mailbox_id}}", response_model=MailboxOut)
def update_mailbox(mailbox_id: int, body: MailboxIn, session: DbSession,
                   actor: Actor = MANAGE) -> MailboxOut:
    return service.mailbox_out(service.update_mailbox(session, actor, mailbox_id, body))


@router.get(f"{PREFIX}/quarantine", response_model=list[QuarantineOut])
def quarantine(session: DbSession, actor: Actor = MANAGE,
               include_dismissed: bool = False) -> list[QuarantineOut]:
    return [QuarantineOut(id=q.id, mailbox_id=q.mailbox_id, source=q.source, uid=q.uid,
                          reason=q.reason, size=size, received_at=q.received_at,
                          dismissed_at=q.dismissed_at)
            for q, size in service.list_quarantine(session, include_dismissed)]


@router.get(f"{PREFIX}/quarantine/{{item_id}}/raw")
def quarantine_raw(item_id: int, session: DbSession, actor: Actor = MANAGE) -> Response:
    item = service.get_quarantined(session, item_id)
    return Response(item.raw, media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="karantina-{item.id}.eml"'})


@router.post(f"{PREFIX}/quarantine/{{item_id}}/dismiss", response_model=QuarantineOut)
def dismiss(item_id: int, session: DbSession, actor: Actor = MANAGE) -> QuarantineOut:
    q = service.dismiss_quarantined(session, actor, item_id)
    return QuarantineOut(id=q.id, mailbox_id=q.mailbox_id, source=q.source, uid=q.uid,
                         reason=q.reason, size=len(q.raw), received_at=q.received_at,
                         dismissed_at=q.dismissed_at)


@router.get(f"{PREFIX}/templates", response_model=list[TemplateOut])
def templates(session: DbSession, actor: Actor = READ) -> list[TemplateOut]:
    return [TemplateOut.model_validate(t) for t in service.list_templates(session)]


@router.post(f"{PREFIX}/templates", status_code=201, response_model=TemplateOut)
def create_template(body: TemplateIn, session: DbSession,
                    actor: Actor = TEMPLATES) -> TemplateOut:
    return TemplateOut.model_validate(service.save_template(session, actor, body))


@router.put(f"{PREFIX}/templates/{{template_id}}", response_model=TemplateOut)
def update_template(template_id: int, body: TemplateIn, session: DbSession,
                    actor: Actor = TEMPLATES) -> TemplateOut:
    return TemplateOut.model_validate(service.save_template(session, actor, body, template_id))


class RelatedIn(BaseModel):
    related: str = Field(min_length=1, max_length=120)
    pitch: str = Field(default="", max_length=1000)


@router.put(f"{PREFIX}/related-products/{{product}}", response_model=list[RelatedIn])
def set_related(product: str, body: list[RelatedIn], session: DbSession,
                actor: Actor = TEMPLATES) -> list[RelatedIn]:
    from sigap.customers.service import parse_product

    rows = service.set_related_products(session, actor, parse_product(product),
                                        [(r.related, r.pitch) for r in body])
    return [RelatedIn(related=r.related, pitch=r.pitch) for r in rows]


@router.get("/api/tickets/{ticket_id}/emails", response_model=list[EmailOut])
def ticket_emails(ticket_id: int, session: DbSession, actor: Actor = READ) -> list[EmailOut]:
    ticket = ticket_service.get_ticket(session, actor, ticket_id)
    return [EmailOut.model_validate(m) for m in service.mail_of_ticket(session, ticket.id)]


class ReplyAttachmentIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(default="application/octet-stream", max_length=200)
    content_base64: str = Field(min_length=1)


class ReplyBody(ReplyIn):
    attachments: list[ReplyAttachmentIn] = Field(default_factory=list, max_length=10)


@router.post("/api/tickets/{ticket_id}/emails", status_code=201, response_model=EmailOut)
def send_reply(ticket_id: int, body: ReplyBody, session: DbSession,
               actor: Actor = WRITE) -> EmailOut:
    """Answer the customer by email: queued in the outbox, sent by the worker."""
    template = service.get_template(session, body.template_id) if body.template_id else None
    files = [reply.decode_attachment(a.filename, a.content_type, a.content_base64, i)
             for i, a in enumerate(body.attachments)]
    row = reply.queue_reply(session, actor, ticket_id, body.body, subject=body.subject,
                            cc=body.cc, template=template, kind=body.kind, attachments=files,
                            forward_attachment_ids=body.attachment_ids)
    return EmailOut.model_validate(row)


@router.post(f"{PREFIX}/outbox/{{email_id}}/requeue", response_model=EmailOut)
def requeue(email_id: int, session: DbSession, actor: Actor = WRITE) -> EmailOut:
    ticket_id = session.scalar(select(EmailMessage.ticket_id)
                               .where(EmailMessage.id == email_id))
    if ticket_id is None:
        raise NotFound(f"Email keluar {email_id} tidak ditemukan.")
    ticket_service.get_ticket(session, actor, ticket_id, "tickets.write")
    return EmailOut.model_validate(outbox.requeue(session, email_id))


@router.get(f"{PREFIX}/attachments/{{attachment_id}}")
def attachment(attachment_id: int, session: DbSession, actor: Actor = READ) -> Response:
    row = session.get(EmailAttachment, attachment_id)
    message = session.get(EmailMessage, row.message_id) if row is not None else None
    if row is None or message is None or message.ticket_id is None:
        raise NotFound(f"Lampiran {attachment_id} tidak ditemukan.")
    ticket_service.get_ticket(session, actor, message.ticket_id)
    data = (row.data if row.data is not None
            else extract_attachment(message.raw, row.filename, row.size))
    safe = row.filename.replace('"', "'")
    return Response(data, media_type=row.content_type or "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})
