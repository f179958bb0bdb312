"""create_app(): middleware, static files and each domain's router."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

import sigap.models  # noqa: F401  (every table registered, audit hook installed)
from sigap import __version__, jobs
from sigap.auth import identity
from sigap.auth import views as auth_views
from sigap.channels import views as channel_views
from sigap.channels.email import views as email_views
from sigap.config import Settings, get_settings
from sigap.core import broker, cache, heap
from sigap.customers import views as customer_views
from sigap.db.session import make_engine, make_sessionmaker
from sigap.org import views as org_views
from sigap.reports import views as report_views
from sigap.routing import api as routing_api
from sigap.routing import offers
from sigap.routing import pages as routing_pages
from sigap.routing import views as routing_views
from sigap.routing.tasks import restore_offer_timer
from sigap.sla import views as sla_views
from sigap.surveys import views as survey_views
from sigap.tickets import views as ticket_views
from sigap.web import dispatch, errors
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
        # Another process changed someone's login, role or team: forget who we knew.
        hub.listen(identity.TOPIC, identity.forget_all)
        # Another process edited a table kept in memory (the queues): read it again.
        hub.listen(cache.TOPIC, cache.forget)
        relay = asyncio.create_task(hub.run())
        # Work handed to the worker from here (a roster to solve) goes on its queue; offers
        # made here time out the moment they expire, on this process's timer.
        timer = offers.offer_timer
        jobs.make_huey(settings)
        try:
            with heap.settled():
                yield
        finally:
            relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay
            hub.close()
            broker.install(previous)
            restore_offer_timer(timer)

    return lifespan


def _flat_routes(router: APIRouter) -> list[BaseRoute]:
    """The router's routes, with those of the routers it includes, as one flat list.

    `include_router` wraps each router in a branch that is matched route by route and then
    matched again inside, on every request; our routers carry no prefix or dependencies of
    their own, so adding their routes directly gives the same application with one pass of
    matching (a third of the cost of a small request, docs/benchmarks.md)."""
    routes: list[BaseRoute] = []
    for route in router.routes:
        nested = getattr(route, "original_router", None)
        if not isinstance(nested, APIRouter):
            routes.append(route)
            continue
        context = route.include_context  # type: ignore[attr-defined]
        if context.prefix or context.dependencies:
            raise ValueError("an included router with a prefix or dependencies cannot be "
                             "flattened; give them to its routes")
        routes.extend(_flat_routes(nested))
    return routes


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
    app.state.identities = identity.IdentityCache(settings.auth_cache_seconds)

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

    for router in (web_views.router, auth_views.router, org_views.router,
                   customer_views.router, ticket_views.router, email_views.router,
                   channel_views.router, routing_views.router, routing_api.router,
                   routing_pages.router, sla_views.router, report_views.router,
                   workforce_views.router, survey_views.router):
        app.router.routes.extend(_flat_routes(router))
    dispatch.install(app.router)
    return app
