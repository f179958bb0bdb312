"""create_app(): middleware, static files and each domain's router."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

import sigap.models  # noqa: F401  (every table registered, audit hook installed)
from sigap import __version__, jobs
from sigap.auth import views as auth_views
from sigap.channels import views as channel_views
from sigap.channels.email import views as email_views
from sigap.config import Settings, get_settings
from sigap.core import broker
from sigap.customers import views as customer_views
from sigap.db.session import make_engine, make_sessionmaker
from sigap.org import views as org_views
from sigap.reports import views as report_views
from sigap.routing import api as routing_api
from sigap.routing import pages as routing_pages
from sigap.routing import views as routing_views
from sigap.sla import views as sla_views
from sigap.tickets import views as ticket_views
from sigap.web import errors
from sigap.web import views as web_views
from sigap.web.middleware import LocaleMiddleware, MetricsMiddleware
from sigap.workforce import views as workforce_views

STATIC = Path(__file__).parent / "web" / "static"


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(
            1, settings.request_threads)
        # Live events: in this process, or through Redis across processes.
        hub, previous = broker.for_url(settings.redis_url), broker.current()
        broker.install(hub)
        relay = asyncio.create_task(hub.run())
        # Offers made here are timed out by the worker the moment they expire.
        jobs.make_huey(settings)
        try:
            yield
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            hub.close()
            broker.install(previous)

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan(settings),
        title="Sigap",
        version=__version__,
        description="Contact center platform: tickets, customers, interactions, people.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)

    # Added inner-first: the session cookie is read before the locale is chosen.
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="sigap_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(MetricsMiddleware)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    errors.install(app)

    app.include_router(web_views.router)
    app.include_router(auth_views.router)
    app.include_router(org_views.router)
    app.include_router(customer_views.router)
    app.include_router(ticket_views.router)
    app.include_router(email_views.router)
    app.include_router(channel_views.router)
    app.include_router(routing_views.router)
    app.include_router(routing_api.router)
    app.include_router(routing_pages.router)
    app.include_router(sla_views.router)
    app.include_router(report_views.router)
    app.include_router(workforce_views.router)
    return app
