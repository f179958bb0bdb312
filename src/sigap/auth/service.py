"""Logins: authenticate, issue API tokens, load the acting user, manage passwords."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from sigap.auth import audit, passwords
from sigap.auth.actor import Actor
from sigap.auth.models import AuditLog, User
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from sigap.core.pagination import Page, PageParams, paginate
from sigap.org.models import Role, Site, Staff, Team


def actor_for(session: Session, user: User, ip: str | None = None, locale: str = "id") -> Actor:
    """The actor of a loaded user (whatever its state: callers checked it)."""
    actor = _actor_where(session, User.id == user.id)
    if actor is None:
        raise NotFound(f"Pengguna {user.id} tidak ditemukan.")
    return replace(actor, ip=ip, locale=locale)


def resolve_actor(session: Session, user_id: int, token_version: int) -> Actor | None:
    """The actor behind a session or token, if the user and its staff record are still
    active and the token version is current (a password change or deactivation bumps it).
    One query, two for those who lead teams; no ORM objects are built."""
    return _actor_where(session, User.id == user_id, User.active.is_(True),
                        Staff.active.is_(True), User.token_version == token_version)


def _actor_where(session: Session, *where: ColumnElement[bool]) -> Actor | None:
    row = session.execute(
        select(User.id, Staff.id.label("staff_id"), Staff.login_code, Staff.online_name,
               Staff.role, Staff.site_id, Staff.team_id, Site.timezone)
        .join(Staff, Staff.id == User.staff_id)
        .outerjoin(Site, Site.id == Staff.site_id)
        .where(*where)
    ).first()
    if row is None:
        return None
    led: tuple[int, ...] = ()
    if row.role in (Role.team_leader, Role.supervisor):
        led = tuple(session.scalars(select(Team.id).where(Team.leader_id == row.staff_id)
                                    .order_by(Team.id)))
    return Actor(user_id=row.id, staff_id=row.staff_id, login_code=row.login_code,
                 name=row.online_name, role=row.role, site_id=row.site_id,
                 team_id=row.team_id, led_team_ids=led,
                 timezone=row.timezone or "Asia/Jakarta")


MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)


def _recent_failures(session: Session, code: int) -> int:
    since = utcnow() - LOCKOUT
    stmt = select(func.count(AuditLog.id)).where(
        AuditLog.action == "auth.login_failed",
        AuditLog.login_code == code,
        AuditLog.at >= since,
    )
    return session.scalar(stmt) or 0


def authenticate(session: Session, login_code: str | int, password: str,
                 ip: str | None = None) -> User:
    """Check a login code + password; every attempt, good or bad, is audited.

    After MAX_FAILURES failures for one login code within LOCKOUT, that code is refused
    until the window passes (guessing a password is then too slow to matter).
    """
    try:
        code = int(str(login_code).strip())
    except ValueError:
        code = -1
    if code > 0 and _recent_failures(session, code) >= MAX_FAILURES:
        raise Unauthorized(
            "Terlalu banyak percobaan masuk yang gagal; coba lagi dalam 15 menit.",
            field="username",
        )
    user = session.scalar(select(User).join(User.staff).where(Staff.login_code == code))
    if user is None:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        audit.record(session, "auth.login_failed", "users", None,
                     {"login_code": str(login_code)[:20]},
                     actor=_anonymous(code, ip))
        raise Unauthorized("Kode login atau kata sandi salah.", field="username")
    if not user.active or not user.staff.active or not passwords.verify_password(
        user.password_hash, password
    ):
        audit.record(session, "auth.login_failed", "users", user.id,
                     actor=_anonymous(code, ip))
        raise Unauthorized("Kode login atau kata sandi salah.", field="username")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    audit.record(session, "auth.login", "users", user.id,
                 actor=Actor(user_id=user.id, staff_id=user.staff_id, login_code=code,
                             name=user.staff.online_name, role=user.staff.role, ip=ip))
    return user


def _anonymous(code: int, ip: str | None) -> Actor:
    return Actor(user_id=None, staff_id=None, login_code=code if code > 0 else None,
                 name="anonymous", role="anonymous", ip=ip)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInput("Kata sandi saat ini salah.", field="current_password")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    if len(new) < passwords.MIN_LENGTH:
        raise InvalidInput(
            f"Kata sandi baru minimal {passwords.MIN_LENGTH} karakter.", field="new_password"
        )
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    # Revoke every session and token issued before the change.
    user.token_version += 1


def create_user(session: Session, staff: Staff, password: str) -> User:
    if session.scalar(select(User.id).where(User.staff_id == staff.id)) is not None:
        raise Conflict(f"Staf {staff.login_code} sudah punya akun login.", field="login_code")
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidInput(
            f"Kata sandi minimal {passwords.MIN_LENGTH} karakter.", field="password"
        )
    user = User(staff=staff, password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Akun {user_id} tidak ditemukan.")
    return user


def find_staff_by_code(session: Session, login_code: int) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.login_code == login_code))


def is_role(value: str) -> bool:
    return value in {r.value for r in Role}



# --- login management (users.manage) ----------------------------------------------------

def list_users(session: Session, params: PageParams, q: str | None = None,
               active: bool | None = None) -> Page[User]:
    """Logins with their staff record (joined: one query per page, never one per row)."""
    stmt = select(User).join(User.staff).order_by(Staff.login_code)
    text = (q or "").strip()
    if text:
        like = f"%{text.lower()}%"
        clauses: list[ColumnElement[bool]] = [
            func.lower(Staff.online_name).like(like),
            func.lower(Staff.full_name).like(like),
        ]
        if text.isdigit():
            clauses.append(Staff.login_code == int(text))
        stmt = stmt.where(or_(*clauses))
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return paginate(session, stmt, params)


def create_login(session: Session, login_code: int, password: str) -> User:
    """The login of an existing staff member, found by login code."""
    staff = find_staff_by_code(session, login_code)
    if staff is None:
        raise InvalidInput(f"Tidak ada staf dengan kode login {login_code}.", field="login_code")
    return create_user(session, staff, password)


def reset_password(session: Session, user_id: int, password: str) -> User:
    user = get_user(session, user_id)
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidInput(
            f"Kata sandi minimal {passwords.MIN_LENGTH} karakter.", field="password"
        )
    set_password(user, password)
    session.flush()
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    user = get_user(session, user_id)
    if not active and actor.user_id == user.id:
        raise Conflict("Akun sendiri tidak bisa dinonaktifkan.", field="user_id")
    if user.active != active:
        user.active = active
        # A deactivated login loses every session and token at once.
        user.token_version += 1
    session.flush()
    return user


# --- audit log (audit.read) --------------------------------------------------------------

@dataclass(frozen=True)
class AuditQuery:
    login_code: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def audit_select(actor: Actor, query: AuditQuery) -> Select[Any]:
    """Audit rows in the actor's scope, newest first; dates are days in the actor's zone."""
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    scope = Scope.all if actor.is_system else scope_for(actor.role, "audit.read")
    if scope is None:
        return stmt.where(false())
    if scope is not Scope.all:
        if actor.site_id is None:
            return stmt.where(false())
        site_users = select(User.id).join(User.staff).where(Staff.site_id == actor.site_id)
        stmt = stmt.where(AuditLog.user_id.in_(site_users))
    if query.login_code is not None:
        stmt = stmt.where(AuditLog.login_code == query.login_code)
    if query.action:
        stmt = stmt.where(AuditLog.action.startswith(query.action, autoescape=True))
    if query.entity:
        stmt = stmt.where(AuditLog.entity == query.entity)
    if query.entity_id:
        stmt = stmt.where(AuditLog.entity_id == query.entity_id)
    if query.date_from is not None:
        stmt = stmt.where(AuditLog.at >= _day_start(query.date_from, actor.timezone))
    if query.date_to is not None:
        end = _day_start(query.date_to + dt.timedelta(days=1), actor.timezone)
        stmt = stmt.where(AuditLog.at < end)
    return stmt


def list_audit(session: Session, actor: Actor, query: AuditQuery,
               params: PageParams) -> Page[AuditLog]:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidInput("Tanggal awal setelah tanggal akhir.", field="date_from")
    return paginate(session, audit_select(actor, query), params)
