"""Sites, teams and staff: validation, scoped queries and headcount (D1–D4).

Reading follows the `org.read` scope: a Team Leader sees the staff of the teams they
belong to or lead, a site role its own site, the rest everything. Records outside the
scope answer 404 so their existence is not disclosed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session, joinedload

from sigap.auth.actor import Actor
from sigap.auth.models import User
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.core.pagination import Page, PageParams, paginate
from sigap.core.timezones import is_known_zone
from sigap.org.models import Role, Site, Staff, Team

LEADER_ROLES = (Role.team_leader.value, Role.supervisor.value)


def _scope(actor: Actor, permission: str) -> Scope | None:
    if actor.is_system:
        return Scope.all
    return scope_for(actor.role, permission)


# --- scope filters ---------------------------------------------------------------------

def staff_filter(actor: Actor, permission: str = "org.read") -> ColumnElement[bool]:
    scope = _scope(actor, permission)
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    own = Staff.id == actor.staff_id if actor.staff_id is not None else false()
    if scope is Scope.site:
        return or_(Staff.site_id == actor.site_id, own) if actor.site_id else own
    if scope is Scope.team:
        teams = actor.team_ids
        return or_(Staff.team_id.in_(teams), own) if teams else own
    return own


def site_filter(actor: Actor, permission: str = "org.read") -> ColumnElement[bool]:
    scope = _scope(actor, permission)
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    return Site.id == actor.site_id if actor.site_id else false()


def team_filter(actor: Actor, permission: str = "org.read") -> ColumnElement[bool]:
    scope = _scope(actor, permission)
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    if scope is Scope.site:
        return Team.site_id == actor.site_id if actor.site_id else false()
    teams = actor.team_ids
    return Team.id.in_(teams) if teams else false()


# --- sites -----------------------------------------------------------------------------

@dataclass
class SiteRow:
    site: Site
    headcount: int

    @property
    def free_seats(self) -> int:
        return self.site.seats - self.headcount


def list_sites(session: Session, actor: Actor) -> list[SiteRow]:
    """Sites in scope with their active headcount (one grouped query)."""
    counts = (
        select(Staff.site_id, func.count(Staff.id).label("n"))
        .where(Staff.active.is_(True))
        .group_by(Staff.site_id)
        .subquery()
    )
    stmt = (
        select(Site, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.site_id == Site.id)
        .where(site_filter(actor))
        .order_by(Site.code)
    )
    return [SiteRow(site, int(n)) for site, n in session.execute(stmt)]


def get_site(session: Session, actor: Actor, site_id: int,
             permission: str = "org.read") -> Site:
    site = session.scalar(select(Site).where(Site.id == site_id, site_filter(actor, permission)))
    if site is None:
        raise NotFound(f"Site {site_id} tidak ditemukan.", field="site_id")
    return site


def headcount(session: Session, site_id: int) -> int:
    stmt = select(func.count(Staff.id)).where(Staff.site_id == site_id, Staff.active.is_(True))
    return session.scalar(stmt) or 0


def _check_site_values(session: Session, values: dict[str, Any], site_id: int | None) -> None:
    code = values.get("code")
    if code is not None:
        clash = session.scalar(select(Site.id).where(func.lower(Site.code) == code.lower()))
        if clash is not None and clash != site_id:
            raise Conflict(f"Kode site {code} sudah dipakai.", field="code")
    zone = values.get("timezone")
    if zone is not None and not is_known_zone(zone):
        raise InvalidInput(f"Zona waktu {zone} tidak dikenal.", field="timezone")
    if values.get("seats") is not None and values["seats"] < 0:
        raise InvalidInput("Jumlah kursi tidak boleh negatif.", field="seats")
    for key in ("code", "name", "city"):
        if key in values and (values[key] is None or not str(values[key]).strip()):
            raise InvalidInput(f"{key} wajib diisi.", field=key)


def create_site(session: Session, values: dict[str, Any]) -> Site:
    _check_site_values(session, values, None)
    site = Site(**values)
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, actor: Actor, site_id: int, values: dict[str, Any]) -> Site:
    site = get_site(session, actor, site_id, "org.write")
    _check_site_values(session, values, site.id)
    for key, value in values.items():
        setattr(site, key, value)
    session.flush()
    return site


# --- teams -----------------------------------------------------------------------------

def list_teams(session: Session, actor: Actor, site_id: int | None = None) -> list[Team]:
    stmt = (
        select(Team)
        .options(joinedload(Team.site), joinedload(Team.leader))
        .where(team_filter(actor))
        .order_by(Team.site_id, Team.name)
    )
    if site_id is not None:
        stmt = stmt.where(Team.site_id == site_id)
    return list(session.scalars(stmt))


def get_team(session: Session, actor: Actor, team_id: int,
             permission: str = "org.read") -> Team:
    team = session.scalar(select(Team).where(Team.id == team_id, team_filter(actor, permission)))
    if team is None:
        raise NotFound(f"Tim {team_id} tidak ditemukan.", field="team_id")
    return team


def _leader(session: Session, leader_id: int | None, field: str) -> Staff | None:
    if leader_id is None:
        return None
    leader = session.get(Staff, leader_id)
    if leader is None:
        raise InvalidInput(f"Staf {leader_id} tidak ditemukan.", field=field)
    if leader.role not in LEADER_ROLES:
        raise InvalidInput(
            f"{leader.online_name} bukan Team Leader atau Supervisor.", field=field
        )
    return leader


def _check_team_values(session: Session, values: dict[str, Any], team: Team | None) -> None:
    if "name" in values and (values["name"] is None or not values["name"].strip()):
        raise InvalidInput("Nama tim wajib diisi.", field="name")
    if "site_id" in values and (
        values["site_id"] is None or session.get(Site, values["site_id"]) is None
    ):
        raise InvalidInput(f"Site {values['site_id']} tidak ditemukan.", field="site_id")
    if "leader_id" in values:
        _leader(session, values["leader_id"], "leader_id")
    site_id = values.get("site_id", team.site_id if team else None)
    name = values.get("name", team.name if team else None)
    if name is not None and site_id is not None:
        clash = session.scalar(select(Team.id).where(Team.site_id == site_id,
                                                     func.lower(Team.name) == name.lower()))
        if clash is not None and (team is None or clash != team.id):
            raise Conflict(f"Tim {name} sudah ada di site ini.", field="name")


def create_team(session: Session, values: dict[str, Any]) -> Team:
    _check_team_values(session, values, None)
    team = Team(**values)
    session.add(team)
    session.flush()
    return team


def update_team(session: Session, actor: Actor, team_id: int, values: dict[str, Any]) -> Team:
    team = get_team(session, actor, team_id, "org.write")
    _check_team_values(session, values, team)
    for key, value in values.items():
        setattr(team, key, value)
    session.flush()
    return team


# --- staff -----------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffQuery:
    site_id: int | None = None
    team_id: int | None = None
    role: str | None = None
    tier: str | None = None
    active: bool | None = None
    q: str | None = None


def staff_select(actor: Actor, query: StaffQuery) -> Select[Any]:
    stmt = (
        select(Staff)
        .options(joinedload(Staff.site), joinedload(Staff.team),
                 joinedload(Staff.team_leader))
        .where(staff_filter(actor))
        .order_by(Staff.login_code)
    )
    if query.site_id is not None:
        stmt = stmt.where(Staff.site_id == query.site_id)
    if query.team_id is not None:
        stmt = stmt.where(Staff.team_id == query.team_id)
    if query.role:
        stmt = stmt.where(Staff.role == query.role)
    if query.tier:
        stmt = stmt.where(Staff.tier == query.tier)
    if query.active is not None:
        stmt = stmt.where(Staff.active.is_(query.active))
    text = (query.q or "").strip()
    if text:
        like = f"%{text.lower()}%"
        clauses: list[ColumnElement[bool]] = [
            func.lower(Staff.online_name).like(like),
            func.lower(Staff.full_name).like(like),
        ]
        if text.isdigit():
            clauses.append(Staff.login_code == int(text))
        stmt = stmt.where(or_(*clauses))
    return stmt


def list_staff(session: Session, actor: Actor, query: StaffQuery,
               params: PageParams) -> Page[Staff]:
    return paginate(session, staff_select(actor, query), params)


def users_of(session: Session, staff_ids: list[int]) -> set[int]:
    """Which of these staff have a login (one query for a whole page)."""
    if not staff_ids:
        return set()
    return set(session.scalars(select(User.staff_id).where(User.staff_id.in_(staff_ids))))


def get_staff(session: Session, actor: Actor, staff_id: int,
              permission: str = "org.read") -> Staff:
    person = session.scalar(
        select(Staff).where(Staff.id == staff_id, staff_filter(actor, permission))
    )
    if person is None:
        raise NotFound(f"Staf {staff_id} tidak ditemukan.", field="staff_id")
    return person


def _check_staff_values(session: Session, values: dict[str, Any], person: Staff | None) -> None:
    code = values.get("login_code")
    if "login_code" in values:
        if code is None or code < 1:
            raise InvalidInput("Kode login harus bilangan bulat positif.", field="login_code")
        clash = session.scalar(select(Staff.id).where(Staff.login_code == code))
        if clash is not None and (person is None or clash != person.id):
            raise Conflict(f"Kode login {code} sudah dipakai.", field="login_code")
    for key in ("online_name", "full_name", "role"):
        if key in values and (values[key] is None or not str(values[key]).strip()):
            raise InvalidInput(f"{key} wajib diisi.", field=key)
    if values.get("site_id") is not None and session.get(Site, values["site_id"]) is None:
        raise InvalidInput(f"Site {values['site_id']} tidak ditemukan.", field="site_id")
    team_id = values.get("team_id", person.team_id if person else None)
    site_id = values.get("site_id", person.site_id if person else None)
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None:
            raise InvalidInput(f"Tim {team_id} tidak ditemukan.", field="team_id")
        if site_id is None:
            values["site_id"] = team.site_id
        elif team.site_id != site_id:
            raise InvalidInput(f"Tim {team.name} bukan tim di site yang dipilih.",
                               field="team_id")
    if values.get("team_leader_id") is not None:
        if person is not None and values["team_leader_id"] == person.id:
            raise InvalidInput("Staf tidak bisa menjadi Team Leader dirinya sendiri.",
                               field="team_leader_id")
        _leader(session, values["team_leader_id"], "team_leader_id")
    for key in ("role", "tier"):
        if key in values and hasattr(values[key], "value"):
            values[key] = values[key].value
    if values.get("channels") is not None:
        values["channels"] = [getattr(c, "value", c) for c in values["channels"]]


def create_staff(session: Session, values: dict[str, Any]) -> Staff:
    _check_staff_values(session, values, None)
    person = Staff(**values)
    session.add(person)
    session.flush()
    return person


def update_staff(session: Session, actor: Actor, staff_id: int,
                 values: dict[str, Any]) -> Staff:
    person = get_staff(session, actor, staff_id, "org.write")
    _check_staff_values(session, values, person)
    for key, value in values.items():
        setattr(person, key, value)
    session.flush()
    return person


def tenure(person: Staff, today: dt.date | None = None) -> int | None:
    return person.tenure_months(today or dt.date.today())
