"""Routes whose transaction commits, and whose JSON answer is built, in the same thread call
as the route itself.

FastAPI runs a sync route and the exit of its yield dependencies in separate thread-pool
calls. On SQLite a transaction holds the write lock from its first statement, so a commit
left to the dependency's exit would hold that lock while waiting for a free thread, which
other requests, blocked on the lock, may be occupying. Committing right after the route
body returns keeps lock-holding and thread-holding the same span.

FastAPI also validates and serialises a sync route's answer in a thread-pool call of its
own. Doing it here, with the route's own response field and options, gives the same bytes
without the extra hop between the event loop and the pool (docs/benchmarks.md).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.datastructures import DefaultPlaceholder
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.responses import Response

# Answers that carry no body (FastAPI strips it; leave those to FastAPI).
_NO_BODY = {204, 304}


class TransactionRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        committing = (not inspect.iscoroutinefunction(endpoint)
                      and "session" in inspect.signature(endpoint).parameters)
        if committing:
            endpoint = self._committing(endpoint)
        super().__init__(path, endpoint, **kwargs)
        self._answer_here = (committing and self.response_field is not None
                             and isinstance(self.response_class, DefaultPlaceholder)
                             and (self.status_code or 200) not in _NO_BODY
                             # A route that sets status or headers on an injected
                             # `Response` keeps FastAPI's path, which merges them.
                             and self.dependant.response_param_name is None)

    def _committing(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(endpoint)
        def run(*args: Any, **kwargs: Any) -> Any:
            session: Session = kwargs["session"]
            result = endpoint(*args, **kwargs)
            session.commit()
            return self._answer(result)

        return run

    def _answer(self, result: Any) -> Any:
        """The JSON answer FastAPI would build from `result`, built in this thread."""
        field = self.response_field
        if not self._answer_here or field is None or isinstance(result, Response):
            return result
        value, errors = field.validate(result, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=result)
        content = field.serialize_json(
            value,
            include=self.response_model_include,
            exclude=self.response_model_exclude,
            by_alias=self.response_model_by_alias,
            exclude_unset=self.response_model_exclude_unset,
            exclude_defaults=self.response_model_exclude_defaults,
            exclude_none=self.response_model_exclude_none,
        )
        return Response(content=content, media_type="application/json",
                        status_code=self.status_code or 200)
