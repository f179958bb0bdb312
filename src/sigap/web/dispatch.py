"""Request dispatch by the literal start of the path.

Starlette matches a request against every route in order until one matches: with some
260 routes the ticket API was the 95th, and matching cost more than the JSON body's
validation (docs/benchmarks.md). A route whose path starts with literal segments can only
match requests that start with them, so the routes worth trying for `/api/tickets/7` are
those under `/api/tickets`, under `/api`, and the few that start with a parameter, kept in
their original order. Those are tried first; when none matches fully (a 404, a 405, a
redirect to the slash form) the application's own router answers as it always did.
"""

from __future__ import annotations

from itertools import takewhile

from fastapi import APIRouter
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

Key = tuple[tuple[str, str] | None, str | None]


def _literal_start(route: BaseRoute) -> list[str]:
    """The segments of the route's path before its first parameter."""
    path = getattr(route, "path", None)
    if not isinstance(path, str) or (isinstance(route, Mount) and not path):
        return []
    return list(takewhile(lambda part: "{" not in part, path.split("/")[1:]))


class RouteIndex:
    """The ASGI app of a router, trying only the routes a path can match."""

    def __init__(self, router: APIRouter) -> None:
        self.router = router
        self._indexed = -1
        self._by_two: dict[tuple[str, str], list[int]] = {}
        self._by_one: dict[str, list[int]] = {}
        self._anywhere: list[int] = []
        self._groups: dict[Key, APIRouter] = {}

    def _index(self) -> None:
        # Routes are added after the application is made (tests, mounts): index anew
        # whenever their number changes.
        self._by_two, self._by_one, self._anywhere, self._groups = {}, {}, [], {}
        for position, route in enumerate(self.router.routes):
            literal = _literal_start(route)
            if len(literal) >= 2:
                self._by_two.setdefault((literal[0], literal[1]), []).append(position)
            elif literal:
                self._by_one.setdefault(literal[0], []).append(position)
            else:
                self._anywhere.append(position)
        self._indexed = len(self.router.routes)

    def group(self, path: str) -> APIRouter:
        """A router holding, in their original order, the routes that may match `path`."""
        if self._indexed != len(self.router.routes):
            self._index()
        parts = path.split("/", 3)[1:3]
        two = (parts[0], parts[1]) if len(parts) == 2 else None
        key: Key = (two if two in self._by_two else None,
                    parts[0] if parts and parts[0] in self._by_one else None)
        found = self._groups.get(key)
        if found is None:
            positions = sorted((self._by_two[key[0]] if key[0] is not None else [])
                               + (self._by_one[key[1]] if key[1] is not None else [])
                               + self._anywhere)
            found = APIRouter(routes=[self.router.routes[i] for i in positions])
            found.form_limits = self.router.form_limits
            self._groups[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            group = self.group(scope["path"])
            for route in group.routes:
                if route.matches(scope)[0] == Match.FULL:
                    scope.setdefault("router", self.router)
                    await group.app(scope, receive, send)
                    return
        await self.router.app(scope, receive, send)


def install(router: APIRouter) -> None:
    """Dispatch the router's requests through a `RouteIndex`."""
    if router.middleware_stack != router.app:
        raise ValueError("the router carries middleware of its own; index it inside them")
    router.middleware_stack = RouteIndex(router)
