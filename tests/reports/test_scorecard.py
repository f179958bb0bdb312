"""The agent scorecard on a hand-made month: each figure counted by hand below."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.org.models import Staff
from sigap.reports import kpis, rollup, scorecard
from sigap.routing import service as presence
from sigap.sla.models import SlaPolicy
from sigap.surveys.models import CsatSurvey
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from tests import factories
from tests.tickets.helpers import Floor, floor
from tests.workforce.helpers import published_shift

WIB = dt.timezone(dt.timedelta(hours=7))
NOV = kpis.Period(dt.datetime(2026, 11, 1, tzinfo=WIB), dt.datetime(2026, 12, 1, tzinfo=WIB))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=WIB)


def _ticket(session: Session, owner: Staff, day: int, update: int, resolved: tuple[int, int],
            reopen: int = 0, score: int | None = None) -> Ticket:
    """Opened at 08:00 on `day`, one update after `update` minutes, resolved at
    `resolved` (hour, minute), all by the owner; a customer of its own (no repeats)."""
    customer = factories.customer(session, name=f"PT {day}")
    t = Ticket(number=f"T-2026-{day:06d}", type="gangguan", subject="x",
               customer_id=customer.id, channel="voice", created_at=at(day, 8),
               updated_at=at(day, 8), state="resolved", product="datin", severity="minor",
               owner_id=owner.id, team_id=owner.team_id, reopen_count=reopen,
               resolved_at=at(day, *resolved))
    session.add(t)
    session.flush()
    session.add_all([
        TicketEvent(ticket_id=t.id, at=at(day, 8), kind="created", to_state="new",
                    actor_id=owner.id),
        TicketEvent(ticket_id=t.id, at=at(day, 8) + dt.timedelta(minutes=update),
                    kind="customer_update", actor_id=owner.id),
        TicketEvent(ticket_id=t.id, at=at(day, *resolved), kind="state_changed",
                    to_state="resolved", actor_id=owner.id)])
    for i in range(reopen):  # resolved too early, reopened at once (the log says so)
        first = at(day, 8) + dt.timedelta(minutes=update + 1 + 2 * i)
        session.add_all([
            TicketEvent(ticket_id=t.id, at=first, kind="state_changed", from_state="open",
                        to_state="resolved", actor_id=owner.id),
            TicketEvent(ticket_id=t.id, at=first + dt.timedelta(minutes=1),
                        kind="state_changed", from_state="resolved", to_state="open",
                        actor_id=owner.id)])
    if score is not None:
        session.add(CsatSurvey(ticket_id=t.id, customer_id=customer.id,
                               resolved_at=at(day, *resolved), channel="email",
                               status="answered", score=score, sent_at=at(day, 10)))
    return t


def _call(session: Session, agent: Staff, channel: str, start: dt.datetime,
          seconds: int) -> None:
    session.add(Interaction(channel=channel, direction="inbound", agent_id=agent.id,
                            arrived_at=start, answered_at=start,
                            ended_at=start + dt.timedelta(seconds=seconds),
                            provider_id=f"{channel}-{agent.id}-{start.isoformat()}"))


def _month(session: Session) -> Floor:
    w = floor(session)
    session.add(SlaPolicy(name="datin", product="datin", response_minutes=30,
                          update_minutes=60, ttr_minutes=240))
    # ayu: T1 all met, CSAT 5; T2 answered after 45 min (missed), silent 08:45–12:00
    #      (missed), TTR exactly 4 h (met), CSAT 2.
    _ticket(session, w.agent_a, 10, 10, (9, 0), score=5)
    _ticket(session, w.agent_a, 11, 45, (12, 0), score=2)
    # andi: all met, but reopened once → not resolved at first contact.
    _ticket(session, w.agent_a2, 12, 5, (8, 30), reopen=1)
    # budi (team B): all met (silent 08:20–09:00 at most), CSAT 4.
    _ticket(session, w.agent_b, 13, 20, (9, 0), score=4)
    # Handle times: ayu 300 s (voice) + 500 s (WhatsApp); budi 200 s; an email is not a
    # handled contact; a call in October is outside the month.
    _call(session, w.agent_a, "voice", at(10, 9), 300)
    _call(session, w.agent_a, "whatsapp", at(11, 9), 500)
    _call(session, w.agent_b, "voice", at(13, 9), 200)
    _call(session, w.agent_b, "email", at(13, 10), 900)
    _call(session, w.agent_a, "voice", dt.datetime(2026, 10, 31, 9, tzinfo=WIB), 999)
    session.commit()
    # ayu's shift on 10 Nov 01:00–10:00 UTC, break 05:00–06:00: away (toilet) 03:00–03:30
    # → 32,400 − 1,800 = 30,600 adherent seconds of 32,400 (94.44 %).
    utc = dt.UTC
    published_shift(session, SimpleNamespace(site=w.site),  # type: ignore[arg-type]
                    w.agent_a, dt.datetime(2026, 11, 10, 1, tzinfo=utc))
    for hhmm, state, reason in (("00:55", "ready", ""), ("03:00", "aux", "toilet"),
                                ("03:30", "ready", ""), ("05:00", "aux", "break"),
                                ("06:00", "ready", ""), ("10:00", "offline", "")):
        hour, minute = (int(x) for x in hhmm.split(":"))
        presence.set_state(session, w.agent_a.id, state, reason,
                           at=dt.datetime(2026, 11, 10, hour, minute, tzinfo=utc))
    rollup.refresh(session)  # the KPI facts the worker keeps
    session.commit()
    return w


def test_cards_counted_by_hand(session: Session) -> None:
    w = _month(session)
    agents = scorecard.agents_for(session, SYSTEM)
    cards = {c.staff_id: c for c in scorecard.cards_for(session, agents, NOV, "Asia/Jakarta")}
    ayu, andi, budi = cards[w.agent_a.id], cards[w.agent_a2.id], cards[w.agent_b.id]

    def ratios(card: scorecard.Card) -> dict[str, tuple[int, int]]:
        return {m: (r.met, r.total) for m, r in card.ratios.items()}

    assert (ayu.handled, ayu.resolved) == (2, 2)
    assert ratios(ayu) == {"response": (1, 2), "update": (1, 2), "ttr": (2, 2),
                           "fcr": (2, 2), "csat": (1, 2)}
    assert ayu.aht_seconds == 400
    assert ayu.adherence == pytest.approx(100 * 30_600 / 32_400)
    assert ratios(andi) == {"response": (1, 1), "update": (1, 1), "ttr": (1, 1),
                            "fcr": (0, 1), "csat": (0, 0)}
    assert andi.aht_seconds is None and andi.adherence is None
    assert ratios(budi) == {"response": (1, 1), "update": (1, 1), "ttr": (1, 1),
                            "fcr": (1, 1), "csat": (1, 1)}
    assert budi.aht_seconds == 200
    teams, total = scorecard.averages(list(cards.values()), "Semua")
    team_a = next(t for t in teams if t.team_id == w.team_a.id)
    assert ratios(team_a) == {"response": (2, 3), "update": (2, 3), "ttr": (3, 3),
                              "fcr": (2, 3), "csat": (1, 2)}
    assert team_a.aht_seconds == 400
    assert ratios(total)["fcr"] == (3, 4) and ratios(total)["csat"] == (2, 3)
    assert total.aht_seconds == pytest.approx(1000 / 3)
    assert (total.handled, total.resolved) == (4, 4)


def test_scope_page_and_export(client: TestClient, session: Session) -> None:
    w = _month(session)
    factories.login(client, w.agent_a.login_code)
    own = client.get("/reports/scorecard?month=2026-11").text
    assert f'data-agent="{w.agent_a.login_code}"' in own
    assert f'data-agent="{w.agent_a2.login_code}"' not in own
    client.cookies.clear()
    factories.login(client, w.tl_a.login_code)
    team = client.get("/reports/scorecard?month=2026-11").text
    assert f'data-agent="{w.agent_a2.login_code}"' in team
    assert f'data-agent="{w.agent_b.login_code}"' not in team
    client.cookies.clear()
    factories.login(client, w.spv.login_code)
    site = client.get("/reports/scorecard?month=2026-11")
    assert site.status_code == 200
    assert f'data-agent="{w.agent_b.login_code}"' in site.text and 'data-total="1"' in site.text
    book = load_workbook(io.BytesIO(client.get(
        "/reports/scorecard.xlsx?month=2026-11").content))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    ayu = next(r for r in rows if r[0] == w.agent_a.online_name)
    assert ayu[2:9] == (2, 2, 50.0, 50.0, 100.0, 100.0, 50.0)
    assert ayu[9] == 400.0 and ayu[10] == pytest.approx(94.44, abs=0.01)
    assert rows[-1][6:9] == (100.0, 75.0, 66.67)
    assert client.get("/reports/scorecard?month=11-2026").status_code == 422
    assert client.get("/reports/scorecard?site=abc").status_code == 422
