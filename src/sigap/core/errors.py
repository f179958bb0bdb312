"""Domain errors. Views turn them into HTTP answers; services raise them."""

from __future__ import annotations


class SigapError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(SigapError):
    status_code = 404
    code = "not_found"


class Forbidden(SigapError):
    status_code = 403
    code = "forbidden"


class Unauthorized(SigapError):
    status_code = 401
    code = "unauthorized"


class Conflict(SigapError):
    status_code = 409
    code = "conflict"


class InvalidInput(SigapError):
    status_code = 422
    code = "invalid"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class TooLarge(SigapError):
    status_code = 413
    code = "too_large"


class UnsupportedMediaType(SigapError):
    status_code = 415
    code = "unsupported_media_type"
