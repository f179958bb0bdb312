"""Server-rendered pages: a full page, or only its fragment for an HTMX request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from sigap.auth.permissions import can
from sigap.core.timezones import abbreviation, format_local
from sigap.web.deps import csrf_token
from sigap.web.i18n import _, current_locale

TEMPLATES = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["_"] = _
templates.env.globals["zone_abbr"] = abbreviation


def _zone(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    return getattr(actor, "timezone", "Asia/Jakarta")


def _query(request: Request, **changes: Any) -> str:
    """The current query string with some values changed (pagination, sorting links)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200, fragment: str | None = None) -> HTMLResponse:
    """Render `template`; for an HTMX request that names a `fragment`, render that instead."""
    actor = getattr(request.state, "actor", None)
    zone = _zone(request)

    def when(value: dt.datetime | None, with_date: bool = True) -> str:
        return format_local(value, zone, with_date)

    ctx: dict[str, Any] = {
        "actor": actor,
        "can": (lambda perm: actor is not None and can(actor.role, perm)),
        "csrf_token": csrf_token(request),
        "locale": current_locale.get(),
        "when": when,
        "query": lambda **kw: _query(request, **kw),
        "zone": abbreviation(zone),
    }
    ctx.update(context or {})
    name = fragment if fragment and is_htmx(request) else template
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
