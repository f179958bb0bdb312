"""The priority list page (W-19 5.2): the accounts whose messages are priority work, by
profession or category, and the board (BOD) accounts whose mention makes a message
priority; kept by supervisors and managers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.channels import service
from sigap.channels.models import PriorityAccount
from sigap.core.errors import SigapError
from sigap.web.deps import DbSession, PostedForm, require, text_fields
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))
KEEP = Depends(require("channels.priority"))


def _page(request: Request, session: DbSession, error: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    rows = list(session.scalars(select(PriorityAccount).order_by(
        PriorityAccount.active.desc(), PriorityAccount.category, PriorityAccount.account)))
    return render(request, "channels/priority.html", {
        "nav": "conversations", "rows": rows, "categories": service.PRIORITY_CATEGORIES,
        "error": error}, status_code=status_code)


@router.get("/priority-accounts")
def priority_page(request: Request, session: DbSession, actor: Actor = READ) -> HTMLResponse:
    return _page(request, session)


@router.post("/priority-accounts")
def add_form(request: Request, session: DbSession, form: PostedForm,
             actor: Actor = KEEP) -> Response:
    data = text_fields(form)
    try:
        service.add_priority_account(session, data.get("channel", ""), data.get("account", ""),
                                     data.get("category", ""), data.get("name", ""),
                                     data.get("note", ""))
    except SigapError as exc:
        session.rollback()
        return _page(request, session, exc.message, exc.status_code)
    return RedirectResponse("/priority-accounts", status_code=303)


@router.post("/priority-accounts/{account_id}/active")
def toggle_form(account_id: int, session: DbSession, form: PostedForm,
                actor: Actor = KEEP) -> Response:
    service.set_priority_active(session, account_id, text_fields(form).get("active") == "1")
    return RedirectResponse("/priority-accounts", status_code=303)
