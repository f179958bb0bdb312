"""Dispatch by the literal start of the path picks the route Starlette's full scan picks."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match

from sigap.web.dispatch import RouteIndex

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "headers": [], "query_string": b""}


def _first_full(routes: list[BaseRoute], scope: dict[str, Any]) -> BaseRoute | None:
    return next((r for r in routes if r.matches(scope)[0] == Match.FULL), None)


def _sample_paths(app: FastAPI) -> list[str]:
    """Every route's path with its parameters filled in, plus paths no route owns."""
    paths = ["/", "/nowhere", "/api", "/api/nowhere/1", "/static/app.css", "/api/tickets/abc"]
    for route in app.router.routes:
        path = getattr(route, "path", "")
        for value in ("1", "export", "x.y"):
            paths.append(re.sub(r"\{[^}]+\}", value, path) or "/")
            paths.append(re.sub(r"\{[^}]+\}", value, path) + "/")
    return paths


def test_index_picks_the_route_the_full_scan_picks(app: FastAPI) -> None:
    index = RouteIndex(app.router)
    checked = 0
    for path in _sample_paths(app):
        for method in METHODS:
            scope = _scope(method, path)
            expected = _first_full(app.router.routes, scope)
            assert _first_full(index.group(path).routes, scope) is expected, (method, path)
            checked += expected is not None
    assert checked > len(app.router.routes)


def test_the_group_of_a_ticket_path_is_small_and_ordered(app: FastAPI) -> None:
    index = RouteIndex(app.router)
    group = index.group("/api/tickets/7").routes
    positions = [app.router.routes.index(r) for r in group]
    assert positions == sorted(positions)
    assert len(group) < len(app.router.routes) / 4
    assert all(getattr(r, "path", "").startswith("/api/tickets") or "{" in getattr(r, "path", "")
               or getattr(r, "path", "") in ("/api",) for r in group)


def test_misses_and_wrong_methods_answer_as_before(client: Any) -> None:
    assert client.get("/api/nowhere").status_code == 404
    wrong = client.put("/api/health")
    assert wrong.status_code == 405
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.get("/static/charts.js").status_code == 200


def test_routes_added_later_are_found(app: FastAPI, client: Any) -> None:
    @app.get("/api/late-route")
    def late() -> dict[str, str]:
        return {"late": "yes"}

    assert client.get("/api/late-route").json() == {"late": "yes"}
