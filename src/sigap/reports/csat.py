"""D15.11 Customer Satisfaction Score from the CSAT surveys.

CSAT % = satisfied answers / answers, over the surveys answered about tickets resolved in
the period (the survey's resolution time decides the period, not the answer's). Satisfied
is a score of at least SIGAP_CSAT_SATISFIED_MIN (4 by default: 4 or 5 of 1–5). Surveys not
answered, or not sent, are not counted; merged tickets are left out like the other ticket
KPIs (they have no KPI facts), and the board's filters and the viewer's scope apply
through the ticket's facts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from sigap.config import get_settings
from sigap.reports import tally
from sigap.reports.models import KpiTicketFact
from sigap.reports.tally import Ask
from sigap.surveys.models import CsatSurvey


def _satisfied(satisfied_min: int | None) -> ColumnElement[bool]:
    threshold = satisfied_min if satisfied_min is not None \
        else get_settings().csat_satisfied_min
    return (CsatSurvey.score >= threshold).label("met")


def _answered(ask: Ask) -> list[ColumnElement[bool]]:
    return [CsatSurvey.status == "answered", CsatSurvey.score.is_not(None),
            CsatSurvey.resolved_at >= ask.start, CsatSurvey.resolved_at < ask.end,
            *tally.ticket_where(ask)]


def answers(session: Session, ask: Ask, satisfied_min: int | None = None
            ) -> list[tuple[dt.datetime, bool]]:
    """(resolved at, satisfied) of every answer the KPI counts."""
    stmt = select(CsatSurvey.resolved_at, _satisfied(satisfied_min)).join(
        KpiTicketFact, KpiTicketFact.ticket_id == CsatSurvey.ticket_id).where(*_answered(ask))
    return [(at, bool(ok)) for at, ok in session.execute(stmt)]


def behind(ask: Ask, satisfied_min: int | None = None) -> Select[int, bool]:
    """The tickets behind the figure, the dissatisfied first (drill-down)."""
    met = _satisfied(satisfied_min)
    return select(CsatSurvey.ticket_id, met).join(
        KpiTicketFact, KpiTicketFact.ticket_id == CsatSurvey.ticket_id).where(
        *_answered(ask)).order_by(met, CsatSurvey.ticket_id)
