"""The interaction page (a call with its exact times and its recording) and the recording
itself: stored under the recording folder, or linked on the PBX's recording server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.errors import NotFound
from sigap.core.timezones import abbreviation, to_local
from sigap.tickets.interaction import get_interaction
from sigap.tickets.models import Ticket
from sigap.web.deps import DbSession, require, settings_of
from sigap.web.render import render
from sigap.web.route import TransactionRoute

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
READ = Depends(require("tickets.read"))


def _exact(value: dt.datetime | None, zone: str) -> str:
    """To the second, in the reader's zone: call times are read against the PBX's."""
    if value is None:
        return "—"
    return f"{to_local(value, zone):%d/%m/%Y %H:%M:%S} {abbreviation(zone)}"


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    return None if start is None or end is None else int((end - start).total_seconds())


@router.get("/interactions/{interaction_id}")
def interaction_page(interaction_id: int, request: Request, session: DbSession,
                     actor: Actor = READ) -> HTMLResponse:
    item = get_interaction(session, actor, interaction_id)
    if item.customer_id is not None:
        audit.record_read(session, "customers", item.customer_id, why="interaction",
                          detail={"interaction_id": item.id})
    ticket = session.get(Ticket, item.ticket_id) if item.ticket_id is not None else None
    zone = actor.timezone
    times = [(label, _exact(value, zone)) for label, value in (
        ("Datang", item.arrived_at), ("Masuk antrean", item.queued_at),
        ("Dijawab", item.answered_at), ("Selesai", item.ended_at))]
    return render(request, "channels/interaction.html", {
        "nav": "tickets", "item": item, "ticket": ticket, "times": times,
        "wait": _seconds(item.queued_at or item.arrived_at, item.answered_at),
        "talk": _seconds(item.answered_at, item.ended_at)})


def _stored(folder: str, ref: str) -> Path | None:
    """The recording's file under the recording folder; never outside it."""
    if not folder:
        return None
    root = Path(folder).resolve()
    path = (root / ref.lstrip("/")).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


@router.get("/interactions/{interaction_id}/recording")
def recording(interaction_id: int, request: Request, session: DbSession,
              actor: Actor = READ) -> Response:
    """Listening to a call reads the customer's data: scope checked, audited."""
    item = get_interaction(session, actor, interaction_id)
    ref = item.recording_ref.strip()
    if not ref:
        raise NotFound("Interaksi ini tidak punya rekaman.", field="recording")
    audit.record_read(session, "interactions", item.id, why="recording",
                      detail={"customer_id": item.customer_id})
    if ref.startswith(("http://", "https://")):
        return RedirectResponse(ref, status_code=303)
    settings = settings_of(request)
    stored = _stored(settings.recording_dir, ref)
    if stored is not None:
        return FileResponse(stored, headers={"Cache-Control": "private, max-age=3600"})
    if settings.recording_base_url:
        return RedirectResponse(settings.recording_base_url.rstrip("/") + "/" + ref.lstrip("/"),
                                status_code=303)
    raise NotFound(f"Rekaman {ref} tidak ditemukan di penyimpanan rekaman.", field="recording")

