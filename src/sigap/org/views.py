"""Sites, teams, staff and logins: the JSON API (D1–D4); the admin pages are in pages.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from sigap.auth import service as auth_service
from sigap.auth.models import User
from sigap.core.pagination import PageParams
from sigap.org import alerts, pages, service
from sigap.org.models import Staff
from sigap.org.params import Paging, Reader, StaffFilters, UserAdmin, Writer
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
from sigap.web.deps import CurrentActor, DbSession
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute)
router.include_router(pages.router)


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




class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    message: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("/api/alerts", tags=["org"], response_model=list[AlertOut])
def my_alerts(session: DbSession, actor: CurrentActor) -> list[AlertOut]:
    """The caller's unread alerts, newest first."""
    return [AlertOut.model_validate(a) for a in alerts.unread(session, actor)]


@router.post("/api/alerts/{alert_id}/read", tags=["org"], response_model=AlertOut)
def read_alert(alert_id: int, session: DbSession, actor: CurrentActor) -> AlertOut:
    return AlertOut.model_validate(alerts.mark_read(session, actor, alert_id))
