"""Signed, expiring survey links: the token carries the survey id, signed with the
server's secret, so the public page needs no login and no CSRF token."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "sigap.csat-survey"


class BadLink(ValueError):
    """Not a token we signed (altered, truncated, or for another purpose)."""


class ExpiredLink(ValueError):
    """A token we signed, older than the survey's validity."""


def make(secret: str, survey_id: int) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(survey_id)


def read(secret: str, token: str, max_age_seconds: int) -> int:
    """The survey id in the token; BadLink or ExpiredLink otherwise."""
    serializer = URLSafeTimedSerializer(secret, salt=SALT)
    try:
        value = serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise ExpiredLink("Tautan survei sudah kedaluwarsa.") from None
    except BadSignature:
        raise BadLink("Tautan survei tidak sah.") from None
    if not isinstance(value, int):
        raise BadLink("Tautan survei tidak sah.")
    return value


def url(base_url: str, secret: str, survey_id: int) -> str:
    return f"{base_url.rstrip('/')}/survey/{make(secret, survey_id)}"
