"""Logging in and out, passwords, API tokens, and the audit log (D2, D3, D7)."""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook

from sigap.auth import audit, tokens
from sigap.auth import service as auth_service
from sigap.auth.actor import Actor
from sigap.auth.permissions import ROLE_GRANTS
from sigap.auth.schemas import AuditOut, MeOut, PasswordChange, TokenOut
from sigap.core.errors import InvalidInput, SigapError, Unauthorized
from sigap.core.pagination import MAX_LIMIT, PageParams
from sigap.core.timezones import format_local
from sigap.routing import assignment
from sigap.web.deps import CurrentActor, DbSession, check_csrf, client_ip, require, settings_of
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute)

EXPORT_LIMIT = 50_000


def _safe_next(target: str | None) -> str:
    """Only local paths: never send a fresh login to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/desk"


def _start_session(request: Request, user_id: int, token_version: int) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["uid"] = user_id
    request.session["tv"] = token_version
    # A new CSRF token at login: a token seen before login is worthless after it.
    request.session["csrf"] = secrets.token_urlsafe(32)


# --- pages ------------------------------------------------------------------------------

@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/desk") -> HTMLResponse:
    return render(request, "auth/login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", include_in_schema=False, dependencies=[Depends(check_csrf)])
def login_submit(request: Request, session: DbSession, login_code: str = Form(""),
                 password: str = Form(""), next: str = Form("/desk")) -> Response:
    try:
        user = auth_service.authenticate(session, login_code, password, ip=client_ip(request))
    except Unauthorized as exc:
        # The failed attempt stays on record even though the answer is a refusal.
        session.commit()
        return render(request, "auth/login.html",
                      {"next": _safe_next(next), "error": exc.message,
                       "login_code": login_code[:20]}, status_code=401)
    session.flush()
    _start_session(request, user.id, user.token_version)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, actor: CurrentActor, session: DbSession) -> RedirectResponse:
    audit.record(session, "auth.logout", "users", actor.user_id)
    if actor.staff_id is not None:
        assignment.set_presence(session, actor.staff_id, "offline", source="logout")
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)


@router.get("/account/password", include_in_schema=False)
def password_page(request: Request, actor: CurrentActor) -> HTMLResponse:
    return render(request, "auth/password.html", {"error": None, "done": False})


@router.post("/account/password", include_in_schema=False)
def password_submit(request: Request, actor: CurrentActor, session: DbSession,
                    current_password: str = Form(""), new_password: str = Form(""),
                    confirm: str = Form("")) -> Response:
    user = auth_service.get_user(session, actor.user_id or 0)
    try:
        if new_password != confirm:
            raise InvalidInput("Konfirmasi kata sandi tidak sama.", field="confirm")
        auth_service.change_password(session, user, current_password, new_password)
        session.flush()
    except SigapError as exc:
        session.rollback()
        return render(request, "auth/password.html",
                      {"error": exc.message, "field": exc.field, "done": False},
                      status_code=exc.status_code)
    # This browser keeps working; every other session and token is revoked.
    request.session["tv"] = user.token_version
    return render(request, "auth/password.html", {"error": None, "done": True})


# --- API --------------------------------------------------------------------------------

@router.post("/api/auth/token", tags=["auth"], response_model=TokenOut)
def issue_token(request: Request, session: DbSession, username: str = Form(..., max_length=40),
                password: str = Form(..., max_length=200)) -> TokenOut:
    """Exchange a login code (username) and password for a bearer token."""
    try:
        user = auth_service.authenticate(session, username, password, ip=client_ip(request))
    except Unauthorized:
        session.commit()
        raise
    settings = settings_of(request)
    return TokenOut(access_token=tokens.issue(settings.secret_key, user.id, user.token_version))


@router.get("/api/auth/me", tags=["auth"], response_model=MeOut)
def me(actor: CurrentActor, session: DbSession) -> MeOut:
    """The logged-in person, their place and what they may do, with the scope."""
    user = auth_service.get_user(session, actor.user_id or 0)
    staff = user.staff
    grants = ROLE_GRANTS.get(actor.role, {})
    return MeOut(
        user_id=user.id, login_code=staff.login_code, name=actor.name, role=actor.role,
        site_id=staff.site_id, site=staff.site.name if staff.site else None,
        team_id=staff.team_id, team=staff.team.name if staff.team else None,
        led_team_ids=list(actor.led_team_ids), timezone=actor.timezone,
        permissions={perm: scope.name for perm, scope in sorted(grants.items())},
    )


@router.post("/api/auth/password", tags=["auth"], response_model=TokenOut)
def change_password(request: Request, body: PasswordChange, actor: CurrentActor,
                    session: DbSession) -> TokenOut:
    """Change one's own password; older tokens stop working, a new token is returned."""
    user = auth_service.get_user(session, actor.user_id or 0)
    auth_service.change_password(session, user, body.current_password, body.new_password)
    session.flush()
    settings = settings_of(request)
    return TokenOut(access_token=tokens.issue(settings.secret_key, user.id, user.token_version))


# --- audit log --------------------------------------------------------------------------

async def _audit_query(login_code: int | None = Query(None, ge=1),
                       action: str | None = Query(None, max_length=60),
                       entity: str | None = Query(None, max_length=40),
                       entity_id: str | None = Query(None, max_length=40),
                       date_from: dt.date | None = None,
                       date_to: dt.date | None = None) -> auth_service.AuditQuery:
    return auth_service.AuditQuery(
        login_code=login_code, action=(action or "").strip() or None,
        entity=(entity or "").strip() or None, entity_id=(entity_id or "").strip() or None,
        date_from=date_from, date_to=date_to,
    )


AuditFilters = Annotated[auth_service.AuditQuery, Depends(_audit_query)]
AuditReader = Annotated[Actor, Depends(require("audit.read"))]


async def _page_params(page: int = Query(1, ge=1),
                       limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> PageParams:
    return PageParams(page=page, limit=limit)


Paging = Annotated[PageParams, Depends(_page_params)]


@router.get("/api/audit", tags=["audit"])
def audit_api(actor: AuditReader, session: DbSession, filters: AuditFilters,
              paging: Paging) -> dict[str, Any]:
    """The audit trail in the caller's scope, newest first."""
    page = auth_service.list_audit(session, actor, filters, paging)
    return {"items": [AuditOut.model_validate(r).model_dump(mode="json") for r in page.items],
            "total": page.total, "page": page.page, "limit": page.limit}


@router.get("/audit", include_in_schema=False)
def audit_page(request: Request, actor: AuditReader, session: DbSession,
               filters: AuditFilters, paging: Paging) -> HTMLResponse:
    page = auth_service.list_audit(session, actor, filters, paging)
    return render(request, "audit/list.html",
                  {"nav": "audit", "page": page, "f": filters, "detail": _detail_text},
                  fragment="audit/_table.html")


@router.get("/audit/export.xlsx", include_in_schema=False)
def audit_export(actor: AuditReader, session: DbSession, filters: AuditFilters) -> Response:
    page = auth_service.list_audit(session, actor, filters, PageParams(1, EXPORT_LIMIT))
    audit.record(session, "audit.export", "audit_log", None,
                 {"rows": len(page.items), "filters": filters.__dict__})
    rows = [
        [format_local(r.at, actor.timezone), r.login_code, r.action, r.entity, r.entity_id,
         r.ip, _detail_text(r.detail)]
        for r in page.items
    ]
    headers = [_("Waktu"), _("Kode login"), _("Aksi"), _("Entitas"), _("ID"), _("Alamat IP"),
               _("Rincian")]
    return _xlsx("audit", headers, rows)


def _detail_text(detail: dict[str, object] | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)[:2000]


def _xlsx(name: str, headers: list[str], rows: list[list[Any]]) -> Response:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = dt.date.today().isoformat()
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="sigap-{name}-{stamp}.xlsx"'},
    )
