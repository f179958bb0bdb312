"""The permission matrix: every role × every route, allowed or refused as declared.

Routes declare their permission with `Depends(require(...))`; this test reads those
declarations from the app itself, so a new route is covered the day it is added.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.auth.permissions import can
from sigap.org.models import Role
from sigap.web.deps import Requirement
from tests import factories

# Routes anyone may call without logging in.
PUBLIC = {
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/lang/{code}"),
    ("GET", "/api/health"),
    ("GET", "/metrics"),
    ("POST", "/api/auth/token"),
    # Meta and X call these; verify tokens, CRC and delivery signatures are checked instead.
    ("GET", "/api/channels/whatsapp/webhook"),
    ("POST", "/api/channels/whatsapp/webhook"),
    ("GET", "/api/channels/facebook/webhook"),
    ("POST", "/api/channels/facebook/webhook"),
    ("GET", "/api/channels/x/webhook"),
    ("POST", "/api/channels/x/webhook"),
    # One path per channel account: signed with that account's own secrets.
    ("GET", "/api/channels/whatsapp/webhook/{account}"),
    ("POST", "/api/channels/whatsapp/webhook/{account}"),
    ("GET", "/api/channels/facebook/webhook/{account}"),
    ("POST", "/api/channels/facebook/webhook/{account}"),
    ("GET", "/api/channels/x/webhook/{account}"),
    ("POST", "/api/channels/x/webhook/{account}"),
    # The customer's CSAT survey: the signed, expiring link is the credential.
    ("GET", "/survey/{token}"),
    ("POST", "/survey/{token}"),
}


def _requirements(route: APIRoute) -> set[str]:
    found: set[str] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Requirement):
            found.add(dep.call.permission)
        stack.extend(dep.dependencies)
    return found


def _needs_login(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "__name__", "") == "current_actor" or isinstance(
            dep.call, Requirement
        ):
            return True
        stack.extend(dep.dependencies)
    return False


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    # Included routers are wrapped (no prefixes are used), so walk into them.
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(list(inner.routes))


def _routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    seen: set[tuple[str, str]] = set()
    for route in _api_routes(list(app.routes)):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if (method, route.path) not in seen:
                seen.add((method, route.path))
                yield method, route.path, route


def _url(path: str) -> str:
    # Ids that do not exist: the permission check must answer before any lookup.
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.fixture
def tokens(client: TestClient, session: Session) -> dict[str, dict[str, str]]:
    site = factories.site(session)
    team = factories.team(session, site)
    people = {role.value: factories.staff(session, role.value, team=team) for role in Role}
    session.commit()
    return {role: factories.token(client, person.login_code) for role, person in people.items()}


def test_every_route_is_public_or_needs_login(app: FastAPI) -> None:
    unguarded = [
        (method, path)
        for method, path, route in _routes(app)
        if (method, path) not in PUBLIC
        and not path.startswith("/api/docs")
        and path != "/api/openapi.json"
        and not _needs_login(route)
    ]
    assert sum(1 for _ in _routes(app)) > 20
    assert unguarded == [], f"routes without a login check: {unguarded}"


def test_anonymous_callers_are_refused(app: FastAPI, client: TestClient) -> None:
    for method, path, route in _routes(app):
        if (method, path) in PUBLIC or not _needs_login(route):
            continue
        answer = client.request(method, _url(path), follow_redirects=False)
        if path.startswith("/api"):
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.json()["error"] == "unauthorized"
        else:
            assert answer.status_code in (303, 401, 403), (method, path, answer.status_code)


def test_permission_matrix(app: FastAPI, client: TestClient,
                           tokens: dict[str, dict[str, str]]) -> None:
    checked = 0
    problems: list[str] = []
    for method, path, route in _routes(app):
        permissions = _requirements(route)
        if not permissions:
            continue
        for role, header in tokens.items():
            allowed = all(can(role, p) for p in permissions)
            kwargs: dict[str, object] = {"headers": header, "follow_redirects": False}
            if method in {"POST", "PUT", "PATCH"}:
                kwargs["json"] = {}
            answer = client.request(method, _url(path), **kwargs)  # type: ignore[arg-type]
            checked += 1
            if answer.status_code >= 500:
                problems.append(f"{role} {method} {path}: {answer.status_code}")
            elif allowed and answer.status_code in (401, 403):
                problems.append(f"{role} {method} {path}: refused but {permissions} allowed")
            elif not allowed and answer.status_code != 403:
                problems.append(f"{role} {method} {path}: {answer.status_code}, expected 403")
    assert checked > 0
    assert problems == [], "\n".join(problems)
