"""Intraday: today's actual against the forecast, the re-forecast of the rest of the day and
the recovery recommendations, on a morning running at twice its forecast."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.workforce import intraday, rosters, service
from tests import factories
from tests.workforce.helpers import WIB, published_shift, voice_history, world

DAY = dt.date(2026, 12, 7)  # a Monday
NOW = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)  # 10:00 WIB


def test_a_busy_morning_is_reforecast_and_recovery_is_recommended(session: Session) -> None:
    w = world(session, agents=3)
    voice, trainee, night = w.agents
    voice_history(session, DAY - dt.timedelta(days=28), 28)
    service.make_forecast(session, w.plan, DAY, 1, history_days=28)
    # Today so far: twice the usual calls at 08:00 and 09:00.
    voice_history(session, DAY, 1, times=2.0, hours=(8, 9))
    datin = factories.team(session, w.site, name="Tier 2 Datin A", tier="tier2",
                           desk="Tier 2 Datin")
    spare = [factories.staff(session, "agent", team=datin, name=n) for n in ("dina", "dodi")]
    service.save_plan(session, {"name": "Datin", "channel": "voice", "site_id": w.site.id,
                                "desk": "Tier 2 Datin", "interval_minutes": 60})
    published_shift(session, w, voice, dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC),
                    break_at=None)
    published_shift(session, w, night, dt.datetime(2026, 12, 6, 17, tzinfo=dt.UTC),
                    break_at=None)  # 00:00–09:00 WIB: just went home
    for person in spare:
        published_shift(session, w, person, dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC),
                        break_at=None, desk="Tier 2 Datin")
    rosters.add_leave(session, trainee.id, DAY, DAY, "training")
    session.commit()

    today = intraday.view(session, w.plan, NOW)
    assert today.forecast[9] == pytest.approx(8, rel=0.05)
    assert today.actual[9] == 16 and np.isnan(today.actual[10])
    # Whole day so far 24 of 12 forecast, the last four hours the same: × 2.0.
    assert today.ratio == pytest.approx(2.0, rel=0.05)
    assert today.reforecast[10] == pytest.approx(2 * today.forecast[10], rel=1e-6)
    assert today.reforecast[9] == 16
    assert today.spikes == [9]  # 16 against 8; 08:00 is 8 against 4 (too few to count)
    assert today.scheduled[10] == 1 and today.required[10] >= 3
    kinds = {r.kind: r for r in today.recommendations}
    assert set(kinds) == {"move", "cancel_training", "overtime"}
    first = today.recommendations[0]
    assert first.start == NOW
    assert set(kinds["move"].agents) == {"dina", "dodi"}
    assert kinds["cancel_training"].agents == (trainee.online_name,)
    assert kinds["overtime"].agents == (night.online_name,)


def test_a_quiet_day_needs_no_recovery(session: Session) -> None:
    w = world(session, agents=4)
    voice_history(session, DAY - dt.timedelta(days=28), 28)
    service.make_forecast(session, w.plan, DAY, 1, history_days=28)
    voice_history(session, DAY, 1, hours=(8, 9))
    for person in w.agents:
        published_shift(session, w, person, dt.datetime(2026, 12, 7, 0, tzinfo=dt.UTC),
                        hours=10, break_at=None)
    session.commit()
    today = intraday.view(session, w.plan, NOW)
    assert today.ratio == pytest.approx(1.0, rel=0.05)
    assert today.spikes == [] and today.recommendations == []


def test_the_intraday_page_shows_required_against_scheduled(client: TestClient,
                                                           session: Session) -> None:
    w = world(session, agents=1)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    today = now.astimezone(WIB).date()
    voice_history(session, today - dt.timedelta(days=28), 28)
    service.make_forecast(session, w.plan, today, 1, history_days=28)
    published_shift(session, w, w.agents[0], now - dt.timedelta(hours=1), break_at=None)
    factories.login(client, w.desk_control.login_code)
    page = client.get(f"/wfm/intraday?plan_id={w.plan.id}")
    assert page.status_code == 200
    assert 'data-testid="staffed"' in page.text and page.text.count("data-chart") == 2
    body = page.text.split('data-testid="intervals"')[1].split("</table>")[0]
    assert body.count("<tr") == 1 + 24  # the header and one row per hour
    # The hour now: one agent scheduled (the shift began an hour ago).
    hour = now.astimezone(WIB).strftime("%H:00")
    [row] = [r for r in body.split("<tr")[2:] if f">{hour} WIB<" in r]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num')[1:]]
    assert cells[4].endswith(">1")


def test_the_intraday_api_for_the_qia_report(client: TestClient, session: Session) -> None:
    w = world(session, agents=1)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    today = now.astimezone(WIB).date()
    voice_history(session, today - dt.timedelta(days=28), 28)
    service.make_forecast(session, w.plan, today, 1, history_days=28)
    published_shift(session, w, w.agents[0], now - dt.timedelta(hours=1), break_at=None)
    qia = factories.token(client, w.qia.login_code)
    answer = client.get(f"/api/wfm/intraday?plan_id={w.plan.id}", headers=qia)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["intervals"]) == 24 and body["plan_id"] == w.plan.id
    hour = now.astimezone(WIB).hour
    current = body["intervals"][hour]
    assert current["scheduled"] == 1 and current["actual"] is None  # not over yet
    assert body["intervals"][hour]["reforecast"] == pytest.approx(
        current["forecast"] * body["ratio"])
    if hour > 0:
        assert body["intervals"][hour - 1]["actual"] is not None
    other = factories.token(client, w.other_desk_control.login_code)
    refused = client.get(f"/api/wfm/intraday?plan_id={w.plan.id}", headers=other)
    assert refused.status_code == 404 and refused.json()["field"] == "plan_id"
    missing = client.get("/api/wfm/intraday", headers=qia)
    assert missing.status_code == 422 and missing.json()["field"] == "plan_id"
