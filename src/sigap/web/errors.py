"""Errors become clear answers: JSON naming the bad field for the API, a page for people."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sigap.core.errors import SigapError, Unauthorized
from sigap.web.i18n import _


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get(
        "accept", ""
    ).split(",")[0]


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def _page(request: Request, status: int, message: str) -> Response:
    from sigap.web.render import render

    return render(request, "error.html", {"status": status, "message": message},
                  status_code=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(SigapError)
    async def sigap_error(request: Request, exc: SigapError) -> Response:
        if wants_json(request):
            headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
            return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)
        if isinstance(exc, Unauthorized):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            if request.headers.get("hx-request") == "true":
                return Response(status_code=401, headers={"HX-Redirect": "/login"})
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return _page(request, exc.status_code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": _field_of(e.get("loc", ())), "message": str(e.get("msg", "")),
             "type": e.get("type")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if wants_json(request):
            return JSONResponse(
                {"error": "invalid", "message": summary,
                 "field": errors[0]["field"] if errors else None, "errors": errors},
                status_code=422,
            )
        return _page(request, 422, summary)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # Services check uniqueness first; this only catches a concurrent duplicate.
        message = "Data bentrok dengan data yang sudah ada (duplikat)."
        if wants_json(request):
            return JSONResponse({"error": "conflict", "message": message}, status_code=409)
        return _page(request, 409, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if wants_json(request):
            return JSONResponse({"error": "http", "message": str(exc.detail)},
                                status_code=exc.status_code, headers=exc.headers)
        message = _("Halaman tidak ditemukan.") if exc.status_code == 404 else str(exc.detail)
        return _page(request, exc.status_code, message)
