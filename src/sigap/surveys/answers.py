"""A customer answers a CSAT survey: on the signed web page, or on WhatsApp with a lone
digit 1–5. One answer per survey. (Kept apart from sending, so the channels' inbound path
can use it without importing the outboxes.)"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.config import Settings, get_settings
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.surveys import links
from sigap.surveys.models import CsatSurvey

LONE_DIGIT = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")
MAX_COMMENT = 2000


def _valid_seconds(settings: Settings) -> int:
    return settings.csat_valid_days * 86400


def by_token(session: Session, settings: Settings, token: str) -> CsatSurvey:
    """The survey of a link; BadLink / ExpiredLink from links, NotFound if it is gone."""
    survey_id = links.read(settings.secret_key, token, _valid_seconds(settings))
    survey = session.get(CsatSurvey, survey_id)
    if survey is None:
        raise NotFound("Survei tidak ditemukan.")
    return survey


def answer(session: Session, survey: CsatSurvey, score: object, comment: str,
           via: str, now: dt.datetime | None = None) -> CsatSurvey:
    """Record the customer's 1–5 and comment; a survey is answered once."""
    if survey.status == "answered":
        raise Conflict("Survei ini sudah dijawab. Terima kasih.", field="score")
    try:
        value = int(str(score).strip())
    except ValueError:
        raise InvalidInput("Nilai harus angka 1 sampai 5.", field="score") from None
    if not 1 <= value <= 5:
        raise InvalidInput("Nilai harus angka 1 sampai 5.", field="score")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Komentar maksimal {MAX_COMMENT} karakter.", field="comment")
    survey.score, survey.comment = value, comment.strip()
    survey.status, survey.answered_at, survey.answered_via = "answered", now or utcnow(), via
    session.flush()
    return survey


def take_whatsapp_reply(session: Session, settings: Settings | None, contact: str, text: str,
                        at: dt.datetime) -> CsatSurvey | None:
    """A WhatsApp message of a lone digit 1–5 from a customer with an open survey on
    WhatsApp is its answer; anything else is left to the agents (None)."""
    match = LONE_DIGIT.match(text or "")
    if match is None:
        return None
    days = (settings or get_settings()).csat_valid_days
    survey = session.scalar(select(CsatSurvey).where(
        CsatSurvey.channel == "whatsapp", CsatSurvey.address == contact,
        CsatSurvey.status == "sent",
        # The provider stamps whole seconds: a reply may look a moment older than the send.
        CsatSurvey.sent_at <= at + dt.timedelta(minutes=1),
        CsatSurvey.sent_at > at - dt.timedelta(days=days))
        .order_by(CsatSurvey.sent_at.desc(), CsatSurvey.id.desc()).limit(1))
    if survey is None:
        return None
    return answer(session, survey, match.group(1), "", "whatsapp", at)
