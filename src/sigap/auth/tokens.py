"""Signed bearer tokens for the API: the user id and its token version, time-limited."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "sigap.api-token"


def issue(secret: str, user_id: int, token_version: int) -> str:
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps({"u": user_id, "v": token_version})


def read(secret: str, token: str, max_age: int) -> tuple[int, int] | None:
    """(user_id, token_version) for a good token; None for a bad or expired one."""
    try:
        data = URLSafeTimedSerializer(secret, salt=_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return int(data["u"]), int(data.get("v", 0))
