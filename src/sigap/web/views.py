"""Shared routes: home, language switch, health and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from sigap.web.deps import DbSession
from sigap.web.i18n import LOCALES
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute)


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/desk", status_code=303)


@router.get("/lang/{code}", include_in_schema=False)
def switch_language(code: str, request: Request, next: str = "/") -> RedirectResponse:
    if code in LOCALES:
        request.session["lang"] = code
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/api/health", tags=["system"])
def health(session: DbSession) -> JSONResponse:
    """Liveness with the database checked."""
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the database is not usable
        return JSONResponse({"status": "error", "database": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
