"""Per-request locale (session choice, else the browser's) and Prometheus request metrics."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sigap.web.i18n import DEFAULT_LOCALE, LOCALES, current_locale

REQUESTS = Counter("sigap_http_requests_total", "HTTP requests", ["method", "status"])
LATENCY = Histogram("sigap_http_request_seconds", "HTTP request latency", ["method"])


def _browser_locale(headers: list[tuple[bytes, bytes]]) -> str | None:
    for key, value in headers:
        if key == b"accept-language":
            first = value.decode("latin-1").split(",")[0].strip().lower()
            lang = first.split("-")[0]
            return lang if lang in LOCALES else None
    return None


class LocaleMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session: dict[str, Any] = scope.get("session") or {}
        lang = session.get("lang")
        if lang not in LOCALES:
            lang = DEFAULT_LOCALE
        token = current_locale.set(lang)
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            REQUESTS.labels(scope["method"], str(status)).inc()
            LATENCY.labels(scope["method"]).observe(time.perf_counter() - start)
