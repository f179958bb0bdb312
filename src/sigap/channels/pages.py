"""Chat and social pages: open conversations, one conversation with its messages, the
answer form (by the channel's rules) and turning it into work (the "old or new?" check)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.channels import outbox, service
from sigap.channels.models import ChatMessage
from sigap.channels.whatsapp.models import WaTemplate
from sigap.core.errors import NotFound, SigapError
from sigap.tickets import service as ticket_service
from sigap.web.deps import DbSession, PostedForm, require, text_fields
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))


@router.get("/conversations")
def conversations_page(request: Request, session: DbSession, actor: Actor = READ,
                       channel: str | None = None, state: str = "open") -> HTMLResponse:
    """Open conversations of the chat and social channels, priority first."""
    rows = service.list_conversations(session, channel or None,
                                      state if state in ("open", "closed") else "open")
    rows.sort(key=lambda c: (not c.priority, -(c.updated_at.timestamp())))
    return render(request, "channels/list.html", {
        "nav": "conversations", "rows": rows, "channel": channel or "", "state": state,
        "window_open": service.window_open})


def _page(request: Request, session: DbSession, actor: Actor, conversation_id: int,
          error: str | None = None) -> HTMLResponse:
    conversation = service.get_conversation(session, conversation_id)
    messages = service.messages_of(session, conversation.id)
    open_tickets: list[Any] = []
    if conversation.customer_id is not None:
        audit.record_read(session, "customers", conversation.customer_id, why="conversation",
                          detail={"conversation_id": conversation.id})
        open_tickets = ticket_service.open_tickets_on_service(
            session, actor, conversation.customer_id, None)
    templates = list(session.scalars(select(WaTemplate).where(WaTemplate.approved.is_(True))
                                     .order_by(WaTemplate.name))) \
        if conversation.channel == "whatsapp" else []
    return render(request, "channels/detail.html", {
        "nav": "conversations", "conversation": conversation, "messages": messages,
        "open_tickets": open_tickets, "templates": templates,
        "window": service.window_open(conversation),
        "error": error or request.query_params.get("error")})


@router.get("/conversations/{conversation_id}")
def conversation_page(conversation_id: int, request: Request, session: DbSession,
                      actor: Actor = READ) -> HTMLResponse:
    return _page(request, session, actor, conversation_id)


_INLINE = ("image/", "audio/", "video/")


@router.get("/conversations/{conversation_id}/messages/{message_id}/media")
def message_media(conversation_id: int, message_id: int, session: DbSession,
                  actor: Actor = READ) -> Response:
    """A message's file as it was downloaded from the Graph media endpoint (or sent):
    pictures, voice notes and videos shown in the page, anything else downloaded."""
    conversation = service.get_conversation(session, conversation_id)
    row = session.get(ChatMessage, message_id)
    if row is None or row.conversation_id != conversation.id or row.media is None:
        raise NotFound(f"Media pesan {message_id} tidak ada.", field="message_id")
    if conversation.customer_id is not None:
        audit.record_read(session, "customers", conversation.customer_id, why="chat media",
                          detail={"conversation_id": conversation.id, "message_id": row.id})
    kind = row.media_type or "application/octet-stream"
    inline = kind.startswith(_INLINE)
    part = row.payload.get(row.kind)
    name = str(part.get("filename", "")) if isinstance(part, dict) else ""
    name = name or row.media_id.removeprefix("upload:") or f"media-{row.id}"
    disposition = "inline" if inline else f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(row.media, media_type=kind if inline else "application/octet-stream",
                    headers={"Content-Disposition": disposition,
                             "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, max-age=3600"})


def _back(conversation_id: int, error: str | None = None) -> RedirectResponse:
    target = f"/conversations/{conversation_id}"
    return RedirectResponse(target + (f"?error={quote(error)}" if error else ""),
                            status_code=303)


@router.post("/conversations/{conversation_id}/messages")
def send_form(conversation_id: int, session: DbSession, form: PostedForm,
              actor: Actor = WRITE) -> Response:
    data = text_fields(form)
    try:
        template_id = int(data["template_id"]) if data.get("template_id") else None
        parameters = [p.strip() for p in data.get("parameters", "").split("|") if p.strip()]
        outbox.queue(session, actor, conversation_id, text=data.get("text", ""),
                     template_id=template_id, parameters=parameters)
    except SigapError as exc:
        session.rollback()
        return _back(conversation_id, exc.message)
    return _back(conversation_id)


@router.post("/conversations/{conversation_id}/ticket")
def ticket_form(conversation_id: int, session: DbSession, form: PostedForm,
                actor: Actor = WRITE) -> Response:
    data = text_fields(form)
    try:
        ticket = service.to_ticket(
            session, actor, conversation_id,
            ticket_id=int(data["ticket_id"]) if data.get("ticket_id") else None,
            type_=data.get("type") or "gangguan", subject=data.get("subject", ""),
            customer_id=int(data["customer_id"]) if data.get("customer_id") else None,
            hard_complaint=data.get("hard_complaint") in ("on", "1", "true"))
    except (SigapError, ValueError) as exc:
        session.rollback()
        return _back(conversation_id, getattr(exc, "message", str(exc)))
    return RedirectResponse(f"/tickets/{ticket.id}", status_code=303)


@router.post("/conversations/{conversation_id}/close")
def close_form(conversation_id: int, session: DbSession, form: PostedForm,
               actor: Actor = WRITE) -> Response:
    try:
        service.close(session, actor, conversation_id)
    except SigapError as exc:
        session.rollback()
        return _back(conversation_id, exc.message)
    return RedirectResponse("/conversations", status_code=303)


@router.post("/conversations/{conversation_id}/takeover")
def takeover_form(conversation_id: int, session: DbSession, form: PostedForm,
                  actor: Actor = Depends(require("tickets.takeover"))) -> Response:
    try:
        service.take_over(session, actor, conversation_id)
    except SigapError as exc:
        session.rollback()
        return _back(conversation_id, exc.message)
    return _back(conversation_id)


@router.get("/alarms")
def alarms_page(request: Request, session: DbSession, actor: Actor = READ,
                follow_up: str = "pending") -> HTMLResponse:
    """The pro-active desk (D11): alarms to validate, and those already followed up."""
    from sigap.channels.alarms import service as alarm_service

    chosen = follow_up if follow_up in ("pending", "valid", "clear") else "pending"
    return render(request, "channels/alarms.html", {
        "nav": "alarms", "rows": alarm_service.list_alarms(session, chosen),
        "rules": alarm_service.rules(session),
        "follow_up": chosen, "error": request.query_params.get("error")})


def _alarm_action(action: Any, alarm_id: int) -> Response:
    try:
        action()
    except SigapError as exc:
        return RedirectResponse(f"/alarms?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/alarms", status_code=303)


@router.post("/alarms/{alarm_id}/follow-up")
def alarm_follow_up(alarm_id: int, session: DbSession, form: PostedForm,
                    actor: Actor = WRITE) -> Response:
    from sigap.channels.alarms import service as alarm_service
    from sigap.core.errors import InvalidInput
    from sigap.customers.models import CustomerService

    data = text_fields(form)
    number = data.get("service", "").strip()

    def act() -> None:
        try:
            service_id = None
            if number:
                service_id = session.scalar(select(CustomerService.id)
                                            .where(CustomerService.service_id == number))
                if service_id is None:
                    raise InvalidInput(f"Nomor layanan {number} tidak ditemukan.",
                                       field="service")
            alarm_service.follow_up(session, actor, alarm_id, data.get("result", ""),
                                    data.get("note", ""), service_id)
        except SigapError:
            session.rollback()
            raise

    return _alarm_action(act, alarm_id)


@router.post("/alarms/{alarm_id}/inform")
def alarm_inform(alarm_id: int, session: DbSession, form: PostedForm,
                 actor: Actor = WRITE) -> Response:
    from sigap.channels.alarms import service as alarm_service

    message = text_fields(form).get("message", "")

    def act() -> None:
        try:
            if not message.strip():
                from sigap.core.errors import InvalidInput

                raise InvalidInput("Isi pesan ke pelanggan wajib diisi.", field="message")
            alarm_service.inform(session, actor, alarm_id, message)
        except SigapError:
            session.rollback()
            raise

    return _alarm_action(act, alarm_id)
