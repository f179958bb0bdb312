"""The public survey page (signed link, no login) and the results page for supervisors."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sigap.auth.actor import Actor
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.reports.month import month_bounds
from sigap.surveys import answers, links, service
from sigap.surveys.models import CsatSurvey
from sigap.web.deps import DbSession, PostedForm, require, settings_of
from sigap.web.i18n import _
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)


def _survey(request: Request, session: DbSession, token: str) -> CsatSurvey | HTMLResponse:
    try:
        return answers.by_token(session, settings_of(request), token)
    except links.ExpiredLink:
        return _page(request, token, None, _("Tautan survei sudah kedaluwarsa."), 410)
    except links.BadLink:
        return _page(request, token, None, _("Tautan survei tidak sah."), 400)
    except NotFound:
        return _page(request, token, None, _("Survei tidak ditemukan."), 404)


def _page(request: Request, token: str, survey: CsatSurvey | None, error: str = "",
          status: int = 200, field: str = "", done: bool = False) -> HTMLResponse:
    return render(request, "surveys/answer.html", {
        "token": token, "survey": survey, "error": error, "field": field, "done": done},
        status_code=status)


@router.get("/survey/{token}")
def survey_page(token: str, request: Request, session: DbSession) -> HTMLResponse:
    found = _survey(request, session, token)
    if isinstance(found, HTMLResponse):
        return found
    if found.status == "answered":
        return _page(request, token, found, _("Survei ini sudah dijawab. Terima kasih."), 409)
    return _page(request, token, found)


@router.post("/survey/{token}")
def survey_answer(token: str, request: Request, session: DbSession,
                  form: PostedForm) -> HTMLResponse:
    """The customer's answer; the signed token stands in for a CSRF token (one survey,
    one answer, no session)."""
    found = _survey(request, session, token)
    if isinstance(found, HTMLResponse):
        return found
    comment = form.get("comment")
    try:
        answers.answer(session, found, form.get("score") or "",
                       comment if isinstance(comment, str) else "", "web")
    except Conflict as exc:
        return _page(request, token, found, _(exc.message), 409, exc.field or "")
    except InvalidInput as exc:
        return _page(request, token, found, _(exc.message), 422, exc.field or "")
    return _page(request, token, found, done=True)


@router.get("/reports/csat")
def results_page(request: Request, session: DbSession, month: str | None = None,
                 actor: Actor = Depends(require("reports.csat"))) -> HTMLResponse:
    chosen, start, end = month_bounds(month, actor.timezone)
    rows = service.results(session, actor, start, end)
    answered = [r for r in rows if r.survey.status == "answered"]
    satisfied_min = settings_of(request).csat_satisfied_min
    satisfied = sum((r.survey.score or 0) >= satisfied_min for r in answered)
    return render(request, "surveys/results.html", {
        "nav": "reports", "month": chosen, "rows": rows, "answered": len(answered),
        "satisfied": satisfied, "satisfied_min": satisfied_min,
        "percent": 100.0 * satisfied / len(answered) if answered else None,
        "sent": sum(r.survey.status != "skipped" for r in rows)})
