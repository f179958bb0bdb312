"""Admin pages for sites, teams, staff and users (D1–D4)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth import service as auth_service
from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput, SigapError
from sigap.core.pagination import PageParams
from sigap.org import service
from sigap.org.models import Channel, Role, Staff, Tier
from sigap.org.params import Paging, Reader, StaffFilters, UserAdmin, Writer
from sigap.org.schemas import (
    SiteIn,
    SitePatch,
    StaffIn,
    StaffOut,
    StaffPatch,
    TeamIn,
    TeamPatch,
    UserCreate,
    UserPasswordReset,
)
from sigap.web.deps import DbSession, PostedForm, text_fields
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
M = TypeVar("M", bound=BaseModel)
EXPORT_LIMIT = 50_000

# --- admin pages ------------------------------------------------------------------------

def _validate(model: type[M], data: dict[str, Any]) -> M:
    """A form turned into a schema; the first problem becomes a clear InvalidInput."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        raise InvalidInput(f"{field}: {first.get('msg', '')}", field=field) from exc


def _blank_none(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        if key in data and (data[key] is None or str(data[key]).strip() == ""):
            data[key] = None
    return data


def _admin_ctx(actor: Actor, session: Session, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"nav": "admin", "error": None, "form": {}}
    ctx.update(extra)
    return ctx


def _sites_page(request: Request, actor: Actor, session: Session, status: int = 200,
                **extra: Any) -> HTMLResponse:
    rows = service.list_sites(session, actor)
    ctx = _admin_ctx(actor, session, sub="sites", rows=rows, **extra)
    return render(request, "org/sites.html", ctx, status_code=status)


@router.get("/admin/sites")
def sites_page(request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    return _sites_page(request, actor, session)


@router.post("/admin/sites")
def sites_create(request: Request, actor: Writer, session: DbSession, form: PostedForm) -> Response:
    data = text_fields(form)
    try:
        body = _validate(SiteIn, data)
        service.create_site(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _sites_page(request, actor, session, exc.status_code, error=exc.message,
                           form=data)
    return RedirectResponse("/admin/sites", status_code=303)


@router.get("/admin/sites/{site_id}")
def site_page(site_id: int, request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    site = service.get_site(session, actor, site_id)
    form = {k: getattr(site, k) for k in ("code", "name", "city", "timezone", "seats")}
    return render(request, "org/site_edit.html",
                  _admin_ctx(actor, session, sub="sites", site=site, form=form))


@router.post("/admin/sites/{site_id}")
def site_update(site_id: int, request: Request, actor: Writer,
                session: DbSession, form: PostedForm) -> Response:
    site = service.get_site(session, actor, site_id, "org.write")
    data = text_fields(form)
    try:
        body = _validate(SitePatch, data)
        service.update_site(session, actor, site_id, body.model_dump(exclude_unset=True))
    except SigapError as exc:
        session.rollback()
        return render(request, "org/site_edit.html",
                      _admin_ctx(actor, session, sub="sites", site=site, form=data,
                                 error=exc.message), status_code=exc.status_code)
    return RedirectResponse("/admin/sites", status_code=303)


def _team_data(data: dict[str, Any]) -> dict[str, Any]:
    return _blank_none(data, "leader_id", "site_id")


def _leaders(session: Session, actor: Actor) -> list[Staff]:
    query = service.StaffQuery(active=True)
    stmt = service.staff_select(actor, query).where(Staff.role.in_(service.LEADER_ROLES))
    return list(session.scalars(stmt))


def _teams_page(request: Request, actor: Actor, session: Session, status: int = 200,
                **extra: Any) -> HTMLResponse:
    ctx = _admin_ctx(actor, session, sub="teams", teams=service.list_teams(session, actor),
                     sites=[r.site for r in service.list_sites(session, actor)],
                     leaders=_leaders(session, actor), tiers=list(Tier), **extra)
    return render(request, "org/teams.html", ctx, status_code=status)


@router.get("/admin/teams")
def teams_page(request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    return _teams_page(request, actor, session)


@router.post("/admin/teams")
def teams_create(request: Request, actor: Writer, session: DbSession, form: PostedForm) -> Response:
    data = text_fields(form)
    try:
        body = _validate(TeamIn, _team_data(dict(data)))
        service.create_team(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _teams_page(request, actor, session, exc.status_code, error=exc.message,
                           form=data)
    return RedirectResponse("/admin/teams", status_code=303)


@router.get("/admin/teams/{team_id}")
def team_page(team_id: int, request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    team = service.get_team(session, actor, team_id)
    form = {k: getattr(team, k) for k in ("name", "site_id", "tier", "desk", "leader_id")}
    return _team_edit(request, actor, session, team, form)


def _team_edit(request: Request, actor: Actor, session: Session, team: Any,
               form: dict[str, Any], error: str | None = None, status: int = 200) -> HTMLResponse:
    ctx = _admin_ctx(actor, session, sub="teams", team=team, form=form, error=error,
                     sites=[r.site for r in service.list_sites(session, actor)],
                     leaders=_leaders(session, actor), tiers=list(Tier))
    return render(request, "org/team_edit.html", ctx, status_code=status)


@router.post("/admin/teams/{team_id}")
def team_update(team_id: int, request: Request, actor: Writer,
                session: DbSession, form: PostedForm) -> Response:
    team = service.get_team(session, actor, team_id, "org.write")
    data = text_fields(form)
    try:
        body = _validate(TeamPatch, _team_data(dict(data)))
        service.update_team(session, actor, team_id, body.model_dump(exclude_unset=True))
    except SigapError as exc:
        session.rollback()
        return _team_edit(request, actor, session, team, data, exc.message, exc.status_code)
    return RedirectResponse("/admin/teams", status_code=303)


# --- staff pages ------------------------------------------------------------------------

def _staff_page_ctx(actor: Actor, session: Session, filters: service.StaffQuery,
                    paging: PageParams) -> dict[str, Any]:
    page = service.list_staff(session, actor, filters, paging)
    logins = service.users_of(session, [p.id for p in page.items])
    today = dt.date.today()
    return _admin_ctx(
        actor, session, sub="staff", page=page, logins=logins, f=filters,
        tenure={p.id: p.tenure_months(today) for p in page.items},
        sites=service.list_sites(session, actor), teams=service.list_teams(session, actor),
        roles=list(Role), tiers=list(Tier),
    )


@router.get("/admin/staff")
def staff_page(request: Request, actor: Reader, session: DbSession, filters: StaffFilters,
               paging: Paging) -> HTMLResponse:
    return render(request, "org/staff.html", _staff_page_ctx(actor, session, filters, paging),
                  fragment="org/_staff_table.html")


@router.get("/admin/staff/export.xlsx")
def staff_export(actor: Reader, session: DbSession, filters: StaffFilters) -> Response:
    rows = list(session.scalars(service.staff_select(actor, filters).limit(EXPORT_LIMIT)))
    audit.record(session, "staff.export", "staff", None, {"rows": len(rows)})
    today = dt.date.today()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("staff")
    sheet.append(["login_code", "online_name", "full_name", "role", "tier", "channels",
                  "skills", "site", "team", "team_leader", "hire_date", "tenure_months",
                  "email", "active"])
    for p in rows:
        sheet.append([
            p.login_code, p.online_name, p.full_name, p.role, p.tier, ", ".join(p.channels),
            ", ".join(p.skills), p.site.code if p.site else None,
            p.team.name if p.team else None,
            p.team_leader.online_name if p.team_leader else None, p.hire_date,
            p.tenure_months(today), p.email, p.active,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="sigap-staff-{today}.xlsx"'},
    )


def _staff_data(request_form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: v for k, v in request_form.items() if k != "csrf_token" and isinstance(v, str)
    }
    data["channels"] = [c for c in request_form.getlist("channels") if isinstance(c, str)]
    data["skills"] = [s for s in str(data.get("skills", "")).split(",") if s.strip()]
    data["active"] = data.get("active") in ("on", "true", "1")
    return _blank_none(data, "site_id", "team_id", "team_leader_id", "hire_date", "email")


def _staff_form(request: Request, actor: Actor, session: Session, person: Staff | None,
                form: dict[str, Any], error: str | None = None,
                status: int = 200) -> HTMLResponse:
    ctx = _admin_ctx(actor, session, sub="staff", person=person, form=form, error=error,
                     sites=[r.site for r in service.list_sites(session, actor)],
                     teams=service.list_teams(session, actor), leaders=_leaders(session, actor),
                     roles=list(Role), tiers=list(Tier), channels=list(Channel),
                     tenure=service.tenure(person) if person else None)
    return render(request, "org/staff_form.html", ctx, status_code=status)


@router.get("/admin/staff/new")
def staff_new(request: Request, actor: Writer, session: DbSession) -> HTMLResponse:
    return _staff_form(request, actor, session, None,
                       {"active": True, "tier": "tier1", "role": "agent", "channels": []})


@router.post("/admin/staff")
def staff_create(request: Request, actor: Writer, session: DbSession, form: PostedForm) -> Response:
    data = _staff_data(form)
    try:
        body = _validate(StaffIn, dict(data))
        person = service.create_staff(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _staff_form(request, actor, session, None, data, exc.message, exc.status_code)
    return RedirectResponse(f"/admin/staff?q={person.login_code}", status_code=303)


@router.get("/admin/staff/{staff_id}")
def staff_edit(staff_id: int, request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    person = service.get_staff(session, actor, staff_id)
    form = StaffOut.model_validate(person).model_dump()
    return _staff_form(request, actor, session, person, form)


@router.post("/admin/staff/{staff_id}")
def staff_update(staff_id: int, request: Request, actor: Writer,
                 session: DbSession, form: PostedForm) -> Response:
    person = service.get_staff(session, actor, staff_id, "org.write")
    data = _staff_data(form)
    try:
        body = _validate(StaffPatch, dict(data))
        service.update_staff(session, actor, staff_id, body.model_dump(exclude_unset=True))
    except SigapError as exc:
        session.rollback()
        return _staff_form(request, actor, session, person, data, exc.message,
                           exc.status_code)
    return RedirectResponse(f"/admin/staff/{staff_id}", status_code=303)


# --- login pages ------------------------------------------------------------------------

def _users_page(request: Request, actor: Actor, session: Session, paging: PageParams,
                q: str | None, status: int = 200, **extra: Any) -> HTMLResponse:
    page = auth_service.list_users(session, paging, q)
    ctx = _admin_ctx(actor, session, sub="users", page=page, q=q or "", **extra)
    return render(request, "org/users.html", ctx, status_code=status)


@router.get("/admin/users")
def users_page(request: Request, actor: UserAdmin, session: DbSession, paging: Paging,
               q: str | None = Query(None, max_length=100)) -> HTMLResponse:
    return _users_page(request, actor, session, paging, q)


@router.post("/admin/users")
def users_create(request: Request, actor: UserAdmin, session: DbSession,
                 form: PostedForm) -> Response:
    data = text_fields(form)
    try:
        body = _validate(UserCreate, data)
        auth_service.create_login(session, body.login_code, body.password)
    except SigapError as exc:
        session.rollback()
        return _users_page(request, actor, session, PageParams(), None, exc.status_code,
                           error=exc.message, form={"login_code": data.get("login_code")})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/password")
def users_password(user_id: int, request: Request, actor: UserAdmin,
                   session: DbSession, form: PostedForm) -> Response:
    data = text_fields(form)
    try:
        body = _validate(UserPasswordReset, data)
        auth_service.reset_password(session, user_id, body.password)
    except SigapError as exc:
        session.rollback()
        return _users_page(request, actor, session, PageParams(), None, exc.status_code,
                           error=exc.message)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/{state}")
def users_state(user_id: int, state: str, actor: UserAdmin, session: DbSession) -> Response:
    if state not in ("activate", "deactivate"):
        raise InvalidInput("Aksi tidak dikenal.", field="state")
    auth_service.set_active(session, actor, user_id, state == "activate")
    return RedirectResponse("/admin/users", status_code=303)

