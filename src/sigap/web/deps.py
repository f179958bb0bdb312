"""Request dependencies: the transaction, the acting user, permissions and CSRF.

Every route declares what it needs next to itself: `Depends(require("tickets.write"))`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from sigap.auth import audit, tokens
from sigap.auth import service as auth_service
from sigap.auth.actor import Actor
from sigap.auth.identity import IdentityCache
from sigap.auth.permissions import Scope, scope_for
from sigap.config import Settings
from sigap.core.errors import Forbidden, Unauthorized
from sigap.db.session import read_phase
from sigap.web.i18n import current_locale

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def db_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request. Routes commit it themselves in their own thread (see
    web/route.py); what is left here (a read begun while the answer was built, or a failed
    route's work) is finished in the thread pool, never on the event loop."""
    session: Session = request.app.state.sessions()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_discard, session)
        raise
    if session.in_transaction():
        await run_in_threadpool(_finish, session)
    else:
        session.close()  # nothing open: no database work


def _finish(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _discard(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# scope="function": commit before the response leaves, so a failed commit is an error the
# client sees and a redirect never lands on a page read before the write is visible.
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also for the anonymous login form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or given is None or not hmac.compare_digest(expected, given):
        raise Forbidden("Token CSRF tidak valid; muat ulang halaman lalu coba lagi.",
                        field=CSRF_FIELD)


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop so that the handler itself can be sync."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def text_fields(form: FormData) -> dict[str, Any]:
    """A form's text fields without the CSRF token."""
    return {k: v for k, v in form.items() if k != CSRF_FIELD and isinstance(v, str)}


async def csrf_guard(request: Request) -> None:
    """CSRF check for a state-changing request authenticated by the session cookie.

    Reading the form is async, so this runs on the event loop apart from the database work.
    """
    if request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return
    if request.method in UNSAFE_METHODS and isinstance(request.session.get("uid"), int):
        await check_csrf(request)


async def current_actor(request: Request, session: DbSession) -> Actor:
    """The caller, from a bearer token or the session cookie, once per request (CSRF is
    checked for cookie-authenticated writes).

    A credential seen moments ago is answered from the process's identity cache
    (auth/identity.py) without a database read or a thread; otherwise the user is read in
    the thread pool, never on the event loop."""
    already = getattr(request.state, "actor", None)
    if isinstance(already, Actor):
        return already
    await csrf_guard(request)
    settings = settings_of(request)
    header = request.headers.get("authorization", "")
    bearer = header[:7].lower() == "bearer "
    cache: IdentityCache = request.app.state.identities
    known: Actor | None = None
    if bearer:
        token = header[7:].strip()
        known = cache.get(token)
        read = tokens.read(settings.secret_key, token, settings.token_max_age_seconds) \
            if known is None else None
        if read is not None:
            known = await _known(session, cache, (read[0], read[1]))
            if known is not None:
                cache.put(token, known, until=read[2])
    else:
        uid, version = request.session.get("uid"), request.session.get("tv")
        if isinstance(uid, int) and isinstance(version, int):
            known = await _known(session, cache, (uid, version))
    if known is None:
        if bearer:
            raise Unauthorized("Token tidak valid atau kedaluwarsa.", field="authorization")
        request.session.pop("uid", None)
        raise Unauthorized("Silakan masuk terlebih dahulu.")
    actor = replace(known, ip=client_ip(request), locale=current_locale.get())
    audit.bind_actor(session, actor)
    request.state.actor = actor
    return actor


async def _known(session: Session, cache: IdentityCache, key: tuple[int, int]) -> Actor | None:
    known = cache.get(key)
    if known is None:
        known = await run_in_threadpool(_resolve, session, key)
        if known is not None:
            cache.put(key, known)
    return known


def _resolve(session: Session, key: tuple[int, int]) -> Actor | None:
    # Reading who the caller is never writes, so it takes no SQLite write lock.
    with read_phase(session):
        return auth_service.resolve_actor(session, *key)


CurrentActor = Annotated[Actor, Depends(current_actor)]


class Requirement:
    """A dependency that admits only roles holding `permission`; it gives the actor."""

    def __init__(self, permission: str) -> None:
        self.permission = permission
        scope_for("agent", permission)  # fail at import time on a misspelt permission

    async def __call__(self, request: Request, session: DbSession) -> Actor:
        # current_actor is called, not depended on: one dependency level less per request.
        actor = await current_actor(request, session)
        if scope_for(actor.role, self.permission) is None:
            raise Forbidden(f"Peran {actor.role} tidak berwenang untuk {self.permission}.")
        return actor


def require(permission: str) -> Requirement:
    return Requirement(permission)


def scope_of(actor: Actor, permission: str) -> Scope:
    scope = scope_for(actor.role, permission)
    if scope is None:
        raise Forbidden(f"Peran {actor.role} tidak berwenang untuk {permission}.")
    return scope
