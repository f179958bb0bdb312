"""`sigap user …`: create a staff member with a login from the command line."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth import audit, passwords
from sigap.auth import service as auth_service
from sigap.auth.actor import SYSTEM
from sigap.config import get_settings
from sigap.core.errors import SigapError
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.org.models import Role, Site, Staff, Team, Tier

app = typer.Typer(help="Akun login staf.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Staff logins."""


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _find_site(session: Session, value: str) -> Site:
    key = value.strip().lower()
    site = session.scalar(select(Site).where(func.lower(Site.code) == key))
    site = site or session.scalar(select(Site).where(func.lower(Site.name) == key))
    if site is None:
        _fail(f"site {value!r} tidak ditemukan (pakai kode atau nama site)")
    return site


def _find_team(session: Session, site: Site | None, value: str) -> Team:
    stmt = select(Team).where(func.lower(Team.name) == value.strip().lower())
    if site is not None:
        stmt = stmt.where(Team.site_id == site.id)
    teams = list(session.scalars(stmt))
    if not teams:
        where = f" di site {site.code}" if site else ""
        _fail(f"tim {value!r} tidak ditemukan{where}")
    if len(teams) > 1:
        _fail(f"tim {value!r} ada di beberapa site; sebutkan --site")
    return teams[0]


@app.command("create")
def create(
    login_code: Annotated[int, typer.Option("--login-code", help="Kode login (angka unik).")],
    name: Annotated[str, typer.Option("--name", help="Nama online (juga nama lengkap).")],
    role: Annotated[str, typer.Option("--role", help="Peran, mis. agent, team_leader, admin.")],
    site: Annotated[str | None, typer.Option("--site", help="Kode atau nama site.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Nama tim di site itu.")] = None,
    tier: Annotated[str, typer.Option("--tier", help="Tier: tier1, tier2, …")] = "none",
    full_name: Annotated[str | None, typer.Option("--full-name")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Baca kata sandi dari stdin.")
    ] = False,
) -> None:
    """Create a staff member and their login (the password is read from stdin)."""
    if not password_stdin:
        _fail("kata sandi harus diberikan lewat stdin dengan --password-stdin")
    if login_code < 1:
        _fail("--login-code harus bilangan bulat positif")
    if role not in {r.value for r in Role}:
        _fail(f"peran {role!r} tidak dikenal; pilihan: {', '.join(r.value for r in Role)}")
    if tier not in {t.value for t in Tier}:
        _fail(f"tier {tier!r} tidak dikenal; pilihan: {', '.join(t.value for t in Tier)}")
    if not name.strip():
        _fail("--name wajib diisi")
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < passwords.MIN_LENGTH:
        _fail(f"kata sandi minimal {passwords.MIN_LENGTH} karakter")

    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            audit.bind_actor(session, SYSTEM)
            if auth_service.find_staff_by_code(session, login_code) is not None:
                _fail(f"kode login {login_code} sudah dipakai")
            the_site = _find_site(session, site) if site else None
            the_team = _find_team(session, the_site, team) if team else None
            person = Staff(
                login_code=login_code, online_name=name.strip()[:60],
                full_name=(full_name or name).strip()[:120], role=role, tier=tier,
                channels=[], skills=[],
                site_id=the_site.id if the_site else (the_team.site_id if the_team else None),
                team_id=the_team.id if the_team else None,
            )
            session.add(person)
            session.flush()
            auth_service.create_user(session, person, password)
    except SigapError as exc:
        _fail(exc.message)
    finally:
        engine.dispose()
    where = f" {the_site.code}" if the_site else ""
    typer.echo(f"login {login_code} dibuat: {name.strip()} ({role}){where}")
