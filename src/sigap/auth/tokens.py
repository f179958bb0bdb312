"""Signed bearer tokens for the API: the user id and its token version, time-limited."""

from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "sigap.api-token"


@lru_cache(maxsize=8)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    # Building one derives its signing key; every request would do it again.
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issue(secret: str, user_id: int, token_version: int) -> str:
    return _serializer(secret).dumps({"u": user_id, "v": token_version})


def read(secret: str, token: str, max_age: int) -> tuple[int, int, float] | None:
    """(user_id, token_version, expires at as epoch seconds) for a good token; None for a
    bad or expired one."""
    try:
        data, signed_at = _serializer(secret).loads(token, max_age=max_age,
                                                     return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return int(data["u"]), int(data.get("v", 0)), signed_at.timestamp() + max_age
