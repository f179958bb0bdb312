"""Routes whose transaction commits in the same thread call as the route itself.

FastAPI runs a sync route and the exit of its yield dependencies in separate thread-pool
calls. On SQLite a transaction holds the write lock from its first statement, so a commit
left to the dependency's exit would hold that lock while waiting for a free thread, which
other requests, blocked on the lock, may be occupying. Committing right after the route
body returns keeps lock-holding and thread-holding the same span.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        session: Session = kwargs["session"]
        result = endpoint(*args, **kwargs)
        session.commit()
        return result

    return run


class TransactionRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if (not inspect.iscoroutinefunction(endpoint)
                and "session" in inspect.signature(endpoint).parameters):
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)
