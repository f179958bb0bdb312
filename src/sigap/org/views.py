"""Sites, teams, staff and logins: the JSON API and the admin pages (D1–D4)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from openpyxl import Workbook
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth import service as auth_service
from sigap.auth.actor import Actor
from sigap.auth.models import User
from sigap.core.errors import InvalidInput, SigapError
from sigap.core.pagination import MAX_LIMIT, PageParams
from sigap.org import service
from sigap.org.models import Channel, Role, Staff, Tier
from sigap.org.schemas import (
    SiteIn,
    SiteOut,
    SitePatch,
    StaffIn,
    StaffOut,
    StaffPatch,
    TeamIn,
    TeamOut,
    TeamPatch,
    UserCreate,
    UserOut,
    UserPasswordReset,
)
from sigap.web.deps import DbSession, require
from sigap.web.render import render

router = APIRouter()

Reader = Annotated[Actor, Depends(require("org.read"))]
Writer = Annotated[Actor, Depends(require("org.write"))]
UserAdmin = Annotated[Actor, Depends(require("users.manage"))]
M = TypeVar("M", bound=BaseModel)
EXPORT_LIMIT = 50_000


def _paging(page: int = Query(1, ge=1), limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> PageParams:
    return PageParams(page=page, limit=limit)


Paging = Annotated[PageParams, Depends(_paging)]


def _envelope(items: list[Any], total: int, paging: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "page": paging.page, "limit": paging.limit}


def _staff_out(person: Staff, has_login: bool | None = None) -> dict[str, Any]:
    # tenure_months is a method on the model, so fields are read one by one.
    fields = {
        name: getattr(person, name)
        for name in StaffOut.model_fields
        if name not in ("tenure_months", "has_login")
    }
    out = StaffOut(**fields, tenure_months=service.tenure(person), has_login=has_login)
    return out.model_dump(mode="json")


def _site_out(row: service.SiteRow) -> dict[str, Any]:
    out = SiteOut.model_validate(row.site)
    out.headcount = row.headcount
    return out.model_dump(mode="json")


def _user_out(user: User) -> dict[str, Any]:
    s = user.staff
    return UserOut(
        id=user.id, staff_id=s.id, login_code=s.login_code, online_name=s.online_name,
        full_name=s.full_name, role=s.role, site_id=s.site_id, team_id=s.team_id,
        active=user.active, staff_active=s.active, last_login_at=user.last_login_at,
        password_changed_at=user.password_changed_at,
    ).model_dump(mode="json")


# --- API: sites and teams ---------------------------------------------------------------

@router.get("/api/sites", tags=["org"])
def api_sites(actor: Reader, session: DbSession, paging: Paging) -> dict[str, Any]:
    """Sites in scope with seats and active headcount."""
    rows = service.list_sites(session, actor)
    window = rows[paging.offset:paging.offset + paging.limit]
    return _envelope([_site_out(r) for r in window], len(rows), paging)


@router.post("/api/sites", tags=["org"], status_code=201)
def api_site_create(body: SiteIn, actor: Writer, session: DbSession) -> dict[str, Any]:
    """Create a site."""
    site = service.create_site(session, body.model_dump())
    return _site_out(service.SiteRow(site, 0))


@router.get("/api/sites/{site_id}", tags=["org"])
def api_site(site_id: int, actor: Reader, session: DbSession) -> dict[str, Any]:
    """One site with its headcount."""
    site = service.get_site(session, actor, site_id)
    return _site_out(service.SiteRow(site, service.headcount(session, site.id)))


@router.patch("/api/sites/{site_id}", tags=["org"])
def api_site_update(site_id: int, body: SitePatch, actor: Writer,
                    session: DbSession) -> dict[str, Any]:
    """Change a site's fields."""
    site = service.update_site(session, actor, site_id, body.model_dump(exclude_unset=True))
    return _site_out(service.SiteRow(site, service.headcount(session, site.id)))


@router.get("/api/teams", tags=["org"])
def api_teams(actor: Reader, session: DbSession, paging: Paging,
              site_id: int | None = Query(None, ge=1)) -> dict[str, Any]:
    """Teams in scope, optionally of one site."""
    teams = service.list_teams(session, actor, site_id)
    window = teams[paging.offset:paging.offset + paging.limit]
    return _envelope([TeamOut.model_validate(t).model_dump() for t in window], len(teams),
                     paging)


@router.post("/api/teams", tags=["org"], status_code=201)
def api_team_create(body: TeamIn, actor: Writer, session: DbSession) -> dict[str, Any]:
    """Create a team at a site."""
    team = service.create_team(session, body.model_dump())
    return TeamOut.model_validate(team).model_dump()


@router.get("/api/teams/{team_id}", tags=["org"])
def api_team(team_id: int, actor: Reader, session: DbSession) -> dict[str, Any]:
    """One team."""
    return TeamOut.model_validate(service.get_team(session, actor, team_id)).model_dump()


@router.patch("/api/teams/{team_id}", tags=["org"])
def api_team_update(team_id: int, body: TeamPatch, actor: Writer,
                    session: DbSession) -> dict[str, Any]:
    """Change a team's fields."""
    team = service.update_team(session, actor, team_id, body.model_dump(exclude_unset=True))
    return TeamOut.model_validate(team).model_dump()


# --- API: staff -------------------------------------------------------------------------

def _staff_query(site_id: int | None = Query(None, ge=1), team_id: int | None = Query(None, ge=1),
                 role: Role | None = None, tier: Tier | None = None,
                 active: bool | None = None,
                 q: str | None = Query(None, max_length=100)) -> service.StaffQuery:
    return service.StaffQuery(site_id=site_id, team_id=team_id,
                              role=role.value if role else None,
                              tier=tier.value if tier else None, active=active, q=q)


StaffFilters = Annotated[service.StaffQuery, Depends(_staff_query)]


@router.get("/api/staff", tags=["org"])
def api_staff_list(actor: Reader, session: DbSession, filters: StaffFilters,
                   paging: Paging) -> dict[str, Any]:
    """Staff in scope, filtered, with tenure in months."""
    page = service.list_staff(session, actor, filters, paging)
    logins = service.users_of(session, [p.id for p in page.items])
    return _envelope([_staff_out(p, p.id in logins) for p in page.items], page.total, paging)


@router.post("/api/staff", tags=["org"], status_code=201)
def api_staff_create(body: StaffIn, actor: Writer, session: DbSession) -> dict[str, Any]:
    """Register a staff member (the login is created separately under /api/users)."""
    return _staff_out(service.create_staff(session, body.model_dump()), False)


@router.get("/api/staff/{staff_id}", tags=["org"])
def api_staff(staff_id: int, actor: Reader, session: DbSession) -> dict[str, Any]:
    """One staff member in scope."""
    person = service.get_staff(session, actor, staff_id)
    return _staff_out(person, bool(service.users_of(session, [person.id])))


@router.patch("/api/staff/{staff_id}", tags=["org"])
def api_staff_update(staff_id: int, body: StaffPatch, actor: Writer,
                     session: DbSession) -> dict[str, Any]:
    """Change a staff member's fields."""
    person = service.update_staff(session, actor, staff_id, body.model_dump(exclude_unset=True))
    return _staff_out(person, bool(service.users_of(session, [person.id])))


# --- API: logins ------------------------------------------------------------------------

@router.get("/api/users", tags=["users"])
def api_users(actor: UserAdmin, session: DbSession, paging: Paging,
              q: str | None = Query(None, max_length=100),
              active: bool | None = None) -> dict[str, Any]:
    """Logins with their staff record (password hashes never leave the server)."""
    page = auth_service.list_users(session, paging, q, active)
    return _envelope([_user_out(u) for u in page.items], page.total, paging)


@router.post("/api/users", tags=["users"], status_code=201)
def api_user_create(body: UserCreate, actor: UserAdmin, session: DbSession) -> dict[str, Any]:
    """Create the login of an existing staff member."""
    return _user_out(auth_service.create_login(session, body.login_code, body.password))


@router.post("/api/users/{user_id}/password", tags=["users"])
def api_user_password(user_id: int, body: UserPasswordReset, actor: UserAdmin,
                      session: DbSession) -> dict[str, Any]:
    """Reset a login's password; its sessions and tokens stop working."""
    return _user_out(auth_service.reset_password(session, user_id, body.password))


@router.post("/api/users/{user_id}/deactivate", tags=["users"])
def api_user_deactivate(user_id: int, actor: UserAdmin, session: DbSession) -> dict[str, Any]:
    """Block a login at once."""
    return _user_out(auth_service.set_active(session, actor, user_id, False))


@router.post("/api/users/{user_id}/activate", tags=["users"])
def api_user_activate(user_id: int, actor: UserAdmin, session: DbSession) -> dict[str, Any]:
    """Allow a blocked login again."""
    return _user_out(auth_service.set_active(session, actor, user_id, True))


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


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


def _admin_ctx(actor: Actor, session: Session, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"nav": "admin", "error": None, "form": {}}
    ctx.update(extra)
    return ctx


def _sites_page(request: Request, actor: Actor, session: Session, status: int = 200,
                **extra: Any) -> HTMLResponse:
    rows = service.list_sites(session, actor)
    ctx = _admin_ctx(actor, session, sub="sites", rows=rows, **extra)
    return render(request, "org/sites.html", ctx, status_code=status)


@router.get("/admin/sites", include_in_schema=False)
def sites_page(request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    return _sites_page(request, actor, session)


@router.post("/admin/sites", include_in_schema=False)
async def sites_create(request: Request, actor: Writer, session: DbSession) -> Response:
    data = await _form(request)
    try:
        body = _validate(SiteIn, data)
        service.create_site(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _sites_page(request, actor, session, exc.status_code, error=exc.message,
                           form=data)
    return RedirectResponse("/admin/sites", status_code=303)


@router.get("/admin/sites/{site_id}", include_in_schema=False)
def site_page(site_id: int, request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    site = service.get_site(session, actor, site_id)
    form = {k: getattr(site, k) for k in ("code", "name", "city", "timezone", "seats")}
    return render(request, "org/site_edit.html",
                  _admin_ctx(actor, session, sub="sites", site=site, form=form))


@router.post("/admin/sites/{site_id}", include_in_schema=False)
async def site_update(site_id: int, request: Request, actor: Writer,
                      session: DbSession) -> Response:
    site = service.get_site(session, actor, site_id, "org.write")
    data = await _form(request)
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


@router.get("/admin/teams", include_in_schema=False)
def teams_page(request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    return _teams_page(request, actor, session)


@router.post("/admin/teams", include_in_schema=False)
async def teams_create(request: Request, actor: Writer, session: DbSession) -> Response:
    data = await _form(request)
    try:
        body = _validate(TeamIn, _team_data(dict(data)))
        service.create_team(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _teams_page(request, actor, session, exc.status_code, error=exc.message,
                           form=data)
    return RedirectResponse("/admin/teams", status_code=303)


@router.get("/admin/teams/{team_id}", include_in_schema=False)
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


@router.post("/admin/teams/{team_id}", include_in_schema=False)
async def team_update(team_id: int, request: Request, actor: Writer,
                      session: DbSession) -> Response:
    team = service.get_team(session, actor, team_id, "org.write")
    data = await _form(request)
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


@router.get("/admin/staff", include_in_schema=False)
def staff_page(request: Request, actor: Reader, session: DbSession, filters: StaffFilters,
               paging: Paging) -> HTMLResponse:
    return render(request, "org/staff.html", _staff_page_ctx(actor, session, filters, paging),
                  fragment="org/_staff_table.html")


@router.get("/admin/staff/export.xlsx", include_in_schema=False)
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


@router.get("/admin/staff/new", include_in_schema=False)
def staff_new(request: Request, actor: Writer, session: DbSession) -> HTMLResponse:
    return _staff_form(request, actor, session, None,
                       {"active": True, "tier": "tier1", "role": "agent", "channels": []})


@router.post("/admin/staff", include_in_schema=False)
async def staff_create(request: Request, actor: Writer, session: DbSession) -> Response:
    data = _staff_data(await request.form())
    try:
        body = _validate(StaffIn, dict(data))
        person = service.create_staff(session, body.model_dump())
    except SigapError as exc:
        session.rollback()
        return _staff_form(request, actor, session, None, data, exc.message, exc.status_code)
    return RedirectResponse(f"/admin/staff?q={person.login_code}", status_code=303)


@router.get("/admin/staff/{staff_id}", include_in_schema=False)
def staff_edit(staff_id: int, request: Request, actor: Reader, session: DbSession) -> HTMLResponse:
    person = service.get_staff(session, actor, staff_id)
    form = StaffOut.model_validate(person).model_dump()
    return _staff_form(request, actor, session, person, form)


@router.post("/admin/staff/{staff_id}", include_in_schema=False)
async def staff_update(staff_id: int, request: Request, actor: Writer,
                       session: DbSession) -> Response:
    person = service.get_staff(session, actor, staff_id, "org.write")
    data = _staff_data(await request.form())
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


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, actor: UserAdmin, session: DbSession, paging: Paging,
               q: str | None = Query(None, max_length=100)) -> HTMLResponse:
    return _users_page(request, actor, session, paging, q)


@router.post("/admin/users", include_in_schema=False)
async def users_create(request: Request, actor: UserAdmin, session: DbSession) -> Response:
    data = await _form(request)
    try:
        body = _validate(UserCreate, data)
        auth_service.create_login(session, body.login_code, body.password)
    except SigapError as exc:
        session.rollback()
        return _users_page(request, actor, session, PageParams(), None, exc.status_code,
                           error=exc.message, form={"login_code": data.get("login_code")})
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/password", include_in_schema=False)
async def users_password(user_id: int, request: Request, actor: UserAdmin,
                         session: DbSession) -> Response:
    data = await _form(request)
    try:
        body = _validate(UserPasswordReset, data)
        auth_service.reset_password(session, user_id, body.password)
    except SigapError as exc:
        session.rollback()
        return _users_page(request, actor, session, PageParams(), None, exc.status_code,
                           error=exc.message)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/{state}", include_in_schema=False)
def users_state(user_id: int, state: str, actor: UserAdmin, session: DbSession) -> Response:
    if state not in ("activate", "deactivate"):
        raise InvalidInput("Aksi tidak dikenal.", field="state")
    auth_service.set_active(session, actor, user_id, state == "activate")
    return RedirectResponse("/admin/users", status_code=303)
