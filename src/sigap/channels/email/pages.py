"""Email desk pages: the mail panel of a ticket (thread, SOP checklist, reply), mailboxes,
quarantine and templates for the admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from sigap.auth.actor import Actor
from sigap.channels.email import outbox, reply, service, sop
from sigap.channels.email.models import SendState, TemplateKind, WorkLevel
from sigap.channels.email.schemas import MailboxIn, TemplateIn
from sigap.core.errors import InvalidInput, SigapError
from sigap.org import service as org_service
from sigap.tickets import service as ticket_service
from sigap.web.deps import DbSession, PostedForm, require, text_fields
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)

MANAGE = Depends(require("email.manage"))
TEMPLATES = Depends(require("email.templates"))
READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))
MAX_UPLOAD = 20 * 1024 * 1024


def _invalid(exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    return InvalidInput(f"{field}: {first.get('msg', '')}", field=field)


# --- the mail panel of a ticket ------------------------------------------------------------

def _panel_context(session: Session, actor: Actor, ticket_id: int) -> dict[str, Any]:
    ticket = ticket_service.get_ticket(session, actor, ticket_id)
    mails = service.mail_of_ticket(session, ticket.id)
    values = reply.variables(session, ticket, actor)
    return {
        "ticket": ticket, "mails": mails, "steps": sop.checklist(session, ticket),
        "templates": service.list_templates(session, active_only=True),
        "level": sop.current_level(session, ticket), "levels": sop.LEVEL_LABELS,
        "segments": ("DES", "DGS", "DBS", "consumer"),
        "draft": values["salam"] + ",\n\n", "failed": SendState.failed,
    }


@router.get("/tickets/{ticket_id}/email")
def email_panel(ticket_id: int, request: Request, session: DbSession,
                actor: Actor = READ) -> HTMLResponse:
    """The ticket's mail thread, SOP checklist and reply form (a fragment for HTMX)."""
    context = _panel_context(session, actor, ticket_id)
    context.update(nav="tickets", error=request.query_params.get("error"))
    return render(request, "email/panel.html", context, fragment="email/_panel.html")


@router.get("/tickets/{ticket_id}/email/draft")
def draft(ticket_id: int, request: Request, session: DbSession, actor: Actor = READ,
          template_id: int | None = Query(default=None)) -> HTMLResponse:
    """The reply text a template gives for this ticket, to edit before sending."""
    ticket = ticket_service.get_ticket(session, actor, ticket_id)
    values = reply.variables(session, ticket, actor)
    text, subject = values["salam"] + ",\n\n", ""
    if template_id:
        template = service.get_template(session, template_id)
        text = reply.render(template.body, values)
        subject = reply.render(template.subject, values) if template.subject else ""
    return render(request, "email/_draft.html", {"text": text, "subject": subject})


def _files(form: Any) -> list[reply.NewAttachment]:
    files: list[reply.NewAttachment] = []
    for i, item in enumerate(form.getlist("files")):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        data = item.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise InvalidInput(f"Lampiran {item.filename} lebih dari 20 MB.", field=f"files.{i}")
        files.append(reply.NewAttachment(item.filename, item.content_type
                                         or "application/octet-stream", data))
    return files


def _back(ticket_id: int, error: str | None = None) -> RedirectResponse:
    target = f"/tickets/{ticket_id}"
    if error:
        from urllib.parse import quote

        target += f"?email_error={quote(error)}"
    return RedirectResponse(target + "#email", status_code=303)


@router.post("/tickets/{ticket_id}/email/reply")
def send_reply_form(ticket_id: int, request: Request, session: DbSession, form: PostedForm,
                    actor: Actor = WRITE) -> Response:
    data = text_fields(form)
    try:
        template_id = int(data["template_id"]) if data.get("template_id") else None
        template = service.get_template(session, template_id) if template_id else None
        cc = [c.strip() for c in data.get("cc", "").replace(";", ",").split(",") if c.strip()]
        forwards = [int(v) for v in form.getlist("forward") if isinstance(v, str) and v.isdigit()]
        reply.queue_reply(session, actor, ticket_id, data.get("body", ""),
                          subject=data.get("subject") or None, cc=cc, template=template,
                          kind=data.get("kind") or TemplateKind.reply,
                          attachments=_files(form), forward_attachment_ids=forwards)
    except SigapError as exc:
        session.rollback()
        return _back(ticket_id, exc.message)
    return _back(ticket_id)


@router.post("/tickets/{ticket_id}/email/level")
def level_form(ticket_id: int, session: DbSession, form: PostedForm,
               actor: Actor = WRITE) -> Response:
    data = text_fields(form)
    try:
        sop.set_work_level(session, actor, ticket_id, data.get("level", ""),
                           data.get("segment", ""), data.get("note", ""))
    except SigapError as exc:
        session.rollback()
        return _back(ticket_id, exc.message)
    return _back(ticket_id)


@router.post("/email/outbox/{email_id}/requeue")
def requeue_form(email_id: int, session: DbSession, actor: Actor = WRITE) -> Response:
    row = outbox.requeue(session, email_id)
    if row.ticket_id is None:
        return RedirectResponse("/desk", status_code=303)
    ticket_service.get_ticket(session, actor, row.ticket_id, "tickets.write")
    return _back(row.ticket_id)


# --- admin: mailboxes, quarantine, templates ----------------------------------------------

def _mailboxes(request: Request, session: Session, actor: Actor, status: int = 200,
               **extra: Any) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "nav": "email", "sub": "mailboxes", "error": None, "form": {}, "editing": None,
        "rows": [service.mailbox_out(m) for m in service.list_mailboxes(session)],
        "teams": org_service.list_teams(session, actor), "levels": sop.LEVEL_LABELS,
    }
    ctx.update(extra)
    return render(request, "email/mailboxes.html", ctx, status_code=status)


@router.get("/email/mailboxes")
def mailboxes_page(request: Request, session: DbSession, actor: Actor = MANAGE,
                   edit: int | None = None) -> HTMLResponse:
    editing = service.mailbox_out(service.get_mailbox(session, edit)) if edit else None
    return _mailboxes(request, session, actor, editing=editing,
                      form=editing.model_dump() if editing else {})


def _mailbox_data(form: Any) -> MailboxIn:
    data: dict[str, Any] = text_fields(form)
    for flag in ("imap_tls", "auto_acknowledge", "active"):
        data[flag] = flag in data
    for secret in ("imap_secret", "smtp_secret"):
        if not data.get(secret):
            data[secret] = None  # an empty field keeps the stored secret
    if not data.get("team_id"):
        data["team_id"] = None
    if str(data.get("tier", "")).isdigit():
        data["tier"] = int(data["tier"])  # a Literal[1, 2] does not coerce form text
    data.pop("mailbox_id", None)
    try:
        return MailboxIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.post("/email/mailboxes")
def mailboxes_save(request: Request, session: DbSession, form: PostedForm,
                   actor: Actor = MANAGE) -> Response:
    mailbox_id = text_fields(form).get("mailbox_id")
    try:
        data = _mailbox_data(form)
        if mailbox_id:
            service.update_mailbox(session, actor, int(mailbox_id), data)
        else:
            service.create_mailbox(session, actor, data)
    except SigapError as exc:
        session.rollback()
        shown = {k: v for k, v in text_fields(form).items() if "secret" not in k}
        return _mailboxes(request, session, actor, exc.status_code, error=exc.message,
                          form=shown)
    return RedirectResponse("/email/mailboxes", status_code=303)


@router.get("/email/quarantine")
def quarantine_page(request: Request, session: DbSession, actor: Actor = MANAGE,
                    all: bool = False) -> HTMLResponse:
    rows = service.list_quarantine(session, include_dismissed=all)
    names = {m.id: m.name for m in service.list_mailboxes(session)}
    return render(request, "email/quarantine.html", {
        "nav": "email", "sub": "quarantine", "rows": rows, "names": names, "all": all})


@router.post("/email/quarantine/{item_id}/dismiss")
def quarantine_dismiss(item_id: int, session: DbSession, actor: Actor = MANAGE) -> Response:
    service.dismiss_quarantined(session, actor, item_id)
    return RedirectResponse("/email/quarantine", status_code=303)


def _templates(request: Request, session: Session, status: int = 200,
               **extra: Any) -> HTMLResponse:
    ctx: dict[str, Any] = {"nav": "email", "sub": "templates", "error": None, "form": {},
                           "rows": service.list_templates(session), "kinds": list(TemplateKind),
                           "variables": reply.VARIABLES}
    ctx.update(extra)
    return render(request, "email/templates.html", ctx, status_code=status)


@router.get("/email/templates")
def templates_page(request: Request, session: DbSession, actor: Actor = TEMPLATES,
                   edit: int | None = None) -> HTMLResponse:
    form: dict[str, Any] = {}
    if edit:
        t = service.get_template(session, edit)
        form = {"template_id": t.id, "name": t.name, "kind": t.kind, "subject": t.subject,
                "body": t.body, "active": t.active}
    return _templates(request, session, form=form)


@router.post("/email/templates")
def templates_save(request: Request, session: DbSession, form: PostedForm,
                   actor: Actor = TEMPLATES) -> Response:
    data: dict[str, Any] = text_fields(form)
    template_id = data.pop("template_id", None)
    data["active"] = "active" in data
    try:
        try:
            parsed = TemplateIn.model_validate(data)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        service.save_template(session, actor, parsed, int(template_id) if template_id else None)
    except SigapError as exc:
        session.rollback()
        return _templates(request, session, exc.status_code, error=exc.message,
                          form={**data, "template_id": template_id})
    return RedirectResponse("/email/templates", status_code=303)


__all__ = ["WorkLevel", "router"]
