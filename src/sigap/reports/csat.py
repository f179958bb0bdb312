"""D15.11 Customer Satisfaction Score from the CSAT surveys.

CSAT % = satisfied answers / answers, over the surveys answered about tickets resolved in
the period (the survey's resolution time decides the period, not the answer's). Satisfied
is a score of at least SIGAP_CSAT_SATISFIED_MIN (4 by default: 4 or 5 of 1–5). Surveys not
answered, or not sent, are not counted; merged tickets are left out like the other ticket
KPIs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.config import get_settings
from sigap.surveys.models import CsatSurvey
from sigap.tickets.models import Ticket

if TYPE_CHECKING:  # kpis.py imports this module for its D15.11 row
    from sigap.reports.kpis import Options, Period, Value


def csat(session: Session, period: Period, options: Options,
         satisfied_min: int | None = None) -> Value:
    from sigap.reports.kpis import NO_DATA, Value

    threshold = satisfied_min if satisfied_min is not None \
        else get_settings().csat_satisfied_min
    rows = session.execute(select(CsatSurvey.ticket_id, CsatSurvey.score).join(
        Ticket, Ticket.id == CsatSurvey.ticket_id).where(
        CsatSurvey.status == "answered", CsatSurvey.score.is_not(None),
        CsatSurvey.resolved_at >= period.start, CsatSurvey.resolved_at < period.end,
        Ticket.merged_into_id.is_(None)).order_by(CsatSurvey.id)).all()
    if not rows:
        return NO_DATA
    seen = tuple((int(ticket_id), (score or 0) >= threshold) for ticket_id, score in rows)
    return Value(sum(ok for _, ok in seen), len(seen), seen)
