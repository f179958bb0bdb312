"""The rollup's edge cases, counted by hand: a ticket over midnight and over a public
holiday on the TAM calendar, a pause on the customer, a reopen, a merge, the agent's own
queue (D15.6), and the filters and scope of the board."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.org.models import Staff, Team
from sigap.reports import drill, kpis, rollup
from sigap.reports.models import KpiTicketFact
from sigap.reports.tally import Ask, Filters
from sigap.sla.models import SlaPolicy
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from tests import factories
from tests.tickets.helpers import Floor, actor, floor

WIB = dt.timezone(dt.timedelta(hours=7))
Step = tuple[dt.datetime, str, str | None, dict[str, object]]
_seq = iter(range(1, 10_000))


def wib(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def make(session: Session, world: Floor, opened: dt.datetime, steps: list[Step], *,
         owner: Staff | None = None, team: Team | None = None, channel: str = "voice",
         product: str = "datin") -> Ticket:
    t = Ticket(number=f"T-2026-{next(_seq):07d}", type="gangguan", subject="Link mati",
               customer_id=world.customer.id, channel=channel, created_at=opened,
               updated_at=opened, state="new", product=product, severity="minor",
               owner_id=owner.id if owner else None, team_id=team.id if team else None)
    session.add(t)
    session.flush()
    session.add(TicketEvent(ticket_id=t.id, at=opened, kind="created", to_state="new"))
    state = "new"
    for when, kind, to_state, data in steps:
        session.add(TicketEvent(ticket_id=t.id, at=when, kind=kind, from_state=state
                                if to_state else None, to_state=to_state, data=data))
        state = to_state or state
        if kind in ("assigned", "taken_over"):
            t.owner_id = data["to_owner_id"]  # type: ignore[assignment]
    t.state = state
    session.flush()
    return t


def update(at: dt.datetime) -> Step:
    return (at, "customer_update", None, {})


def move(at: dt.datetime, state: str, reason: str | None = None) -> Step:
    return (at, "state_changed", state, {"pending_reason": reason} if reason else {})


def ask(start: dt.datetime, end: dt.datetime, actor_: object = None, **f: object) -> Ask:
    return Ask(start, end, "Asia/Jakarta", Filters(**f), actor_)  # type: ignore[arg-type]


def fact(session: Session, ticket: Ticket) -> KpiTicketFact:
    row = session.get(KpiTicketFact, ticket.id)
    assert row is not None
    return row


def test_midnight_and_a_public_holiday_on_the_tam_calendar(session: Session) -> None:
    world = floor(session)
    session.add(SlaPolicy(name="TAM", product="tam", calendar="tam", response_minutes=30,
                          update_minutes=600, ttr_minutes=300))
    # Monday 16:00 → Tuesday 10:00 WIB: 16–17 and 08–10 count, the night does not: 3 h.
    night = make(session, world, wib(11, 23, 16), [
        update(wib(11, 23, 16, 20)), move(wib(11, 24, 10), "resolved")], product="tam")
    # Friday 14 August 16:00 → Tuesday 18 August 11:00: Saturday, Sunday and Monday 17
    # August (Hari Kemerdekaan) are off: 1 h + 3 h = 4 h (13 h if the holiday counted).
    # The first update on the holiday morning at 09:00 came after 1 h of business time.
    holiday = make(session, world, wib(8, 14, 16), [
        update(wib(8, 17, 9)), move(wib(8, 18, 11), "resolved")], product="tam")
    session.commit()
    rollup.refresh(session)
    session.commit()
    assert fact(session, night).ttr_seconds == 3 * 3600
    assert fact(session, holiday).ttr_seconds == 4 * 3600
    nov = ask(wib(11, 23, 0), wib(11, 25, 0))
    aug = ask(wib(8, 14, 0), wib(8, 19, 0))
    options = kpis.Options()
    assert kpis.ttr_compliance(session, nov, options) == kpis.Value(1, 1)
    assert kpis.response_time(session, nov, options) == kpis.Value(1, 1)
    assert kpis.regular_update(session, nov, options) == kpis.Value(1, 1)  # 2 h 40 ≤ 10 h
    assert kpis.ttr_compliance(session, aug, options) == kpis.Value(1, 1)
    assert kpis.response_time(session, aug, options) == kpis.Value(0, 1)


def _operation(session: Session, world: Floor) -> dict[str, Ticket]:
    """Four tickets on Monday 23 November (TENESA 24×7, TTR target 5 h) and a duplicate
    merged into the first."""
    session.add(SlaPolicy(name="datin", product="datin", response_minutes=30,
                          update_minutes=60, ttr_minutes=300))
    d = 23
    # P: agent_a's from the start; 2 h pending on the customer. TTR 3 h − 2 h = 1 h; own
    #    queue 09:00–09:10 (new) + 11:10–12:00 (open) = 60 min; silences 5, 35, 20 min.
    p = make(session, world, wib(11, d, 9), [
        update(wib(11, d, 9, 5)), move(wib(11, d, 9, 10), "pending", "customer"),
        move(wib(11, d, 11, 10), "open"), update(wib(11, d, 11, 40)),
        move(wib(11, d, 12), "resolved")], owner=world.agent_a, team=world.team_a)
    # R: resolved at 10:00, reopened at 12:00, resolved again at 13:00: TTR 1 h + 1 h = 2 h
    #    (the two resolved hours do not count); silence 09:20→12:30 = 40 + 30 = 70 min
    #    (missed); reopened, so not FCR; never owned: own queue 0.
    r = make(session, world, wib(11, d, 9), [
        update(wib(11, d, 9, 20)), move(wib(11, d, 10), "resolved"),
        move(wib(11, d, 12), "open"), update(wib(11, d, 12, 30)),
        move(wib(11, d, 13), "resolved")], team=world.team_b, channel="email")
    # E: unowned until 08:20, agent_a2's after; with the backend 08:30–12:00. TTR 4 h 10
    #    = 250 min (backend time counts); own queue 08:20–08:30 + 12:00–12:10 = 20 min;
    #    silence 08:25→12:10 (missed).
    e = make(session, world, wib(11, d, 8), [
        (wib(11, d, 8, 20), "assigned", None,
         {"from_owner_id": None, "to_owner_id": world.agent_a2.id}),
        update(wib(11, d, 8, 25)), move(wib(11, d, 8, 30), "pending", "backend"),
        move(wib(11, d, 12), "open"), move(wib(11, d, 12, 10), "resolved")],
        team=world.team_a)
    # F: agent_a's, backend 08:30–11:30: TTR 4 h = 240 min, own queue 30 + 30 = 60 min.
    f = make(session, world, wib(11, d, 8), [
        update(wib(11, d, 8, 10)), move(wib(11, d, 8, 30), "pending", "backend"),
        move(wib(11, d, 11, 30), "open"), update(wib(11, d, 11, 35)),
        move(wib(11, d, 12), "resolved")], owner=world.agent_a, team=world.team_a)
    # S: the customer called again at 10:00; merged into P at 10:30 with its call.
    s = make(session, world, wib(11, d, 10), [], team=world.team_a)
    session.add_all([
        Interaction(channel="voice", direction="inbound", provider_id="p1", ticket_id=p.id,
                    customer_id=world.customer.id, arrived_at=wib(11, d, 9)),
        Interaction(channel="voice", direction="inbound", provider_id="s1", ticket_id=p.id,
                    customer_id=world.customer.id, arrived_at=wib(11, d, 10))])
    s.merged_into_id, s.state = p.id, "closed"
    session.add_all([
        TicketEvent(ticket_id=s.id, at=wib(11, d, 10, 30), kind="merged_into",
                    from_state="new", to_state="closed", data={"target_id": p.id}),
        TicketEvent(ticket_id=p.id, at=wib(11, d, 10, 30), kind="merged",
                    data={"source_id": s.id})])
    session.commit()
    return {"P": p, "R": r, "E": e, "F": f, "S": s}


def test_pause_reopen_merge_and_the_agents_own_queue(session: Session) -> None:
    world = floor(session)
    t = _operation(session, world)
    rollup.refresh(session)
    session.commit()
    assert session.get(KpiTicketFact, t["S"].id) is None  # merged away: counted nowhere
    assert fact(session, t["P"]).contacts == 2  # its own call and the duplicate's
    day = ask(wib(11, 23, 0), wib(11, 24, 0))
    o = kpis.Options()
    assert kpis.response_time(session, day, o) == kpis.Value(4, 4)
    assert kpis.regular_update(session, day, o) == kpis.Value(1, 4)
    assert kpis.ttr_compliance(session, day, o) == kpis.Value(4, 4)
    # Own-queue minutes over customer-TTR minutes: (60 + 0 + 20 + 60) / (60 + 120 + 250 + 240)
    own = kpis.own_queue(session, day, o)
    assert own == kpis.Value(140, 670)
    assert kpis.TENESA[5].light(own) == "red"  # 20.9 % against ≤ 10 %
    # P had two contacts, R was reopened: E and F resolved at first contact.
    assert kpis.first_contact_resolution(session, day, o) == kpis.Value(2, 4)
    behind = drill.behind(session, "D15.6", day, o)
    assert behind is not None and behind.total == 4
    assert dict(behind.rows) == {t["P"].id: False, t["F"].id: False, t["R"].id: True,
                                 t["E"].id: True}
    assert [m for _, m in behind.rows] == [False, False, True, True]  # missed first

    # Filters: agent, team, channel, site.
    by_agent = ask(day.start, day.end, agent_id=world.agent_a.id)
    assert kpis.ttr_compliance(session, by_agent, o) == kpis.Value(2, 2)
    assert kpis.own_queue(session, by_agent, o) == kpis.Value(120, 300)
    assert kpis.response_time(session, ask(day.start, day.end, team_id=world.team_b.id),
                              o) == kpis.Value(1, 1)
    assert kpis.regular_update(session, ask(day.start, day.end, channel="email"), o) \
        == kpis.Value(0, 1)
    assert kpis.response_time(session, ask(day.start, day.end, site_id=world.site.id), o) \
        == kpis.Value(4, 4)
    # Scope: agent_a2 sees the ticket they own (and the unowned ones in their team's queue:
    # none here).
    mine = ask(day.start, day.end, actor(session, world.agent_a2))
    assert kpis.response_time(session, mine, o) == kpis.Value(1, 1)
    team_lead = ask(day.start, day.end, actor(session, world.tl_a))
    assert kpis.response_time(session, team_lead, o) == kpis.Value(3, 3)


def test_daily_trend_and_the_quarter(session: Session) -> None:
    world = floor(session)
    make(session, world, wib(11, 23, 9), [update(wib(11, 23, 9, 10))])
    make(session, world, wib(11, 25, 23, 30), [update(wib(11, 26, 0, 10))])  # 40 min: late
    session.commit()
    rollup.refresh(session)
    session.commit()
    from sigap.reports.period import period_for

    quarter = period_for(dt.date(2026, 11, 23), "quarter", "Asia/Jakarta")
    assert (quarter.start, quarter.end) == (wib(10, 1, 0), dt.datetime(2027, 1, 1,
                                                                        tzinfo=WIB))
    month = period_for(dt.date(2026, 11, 23), "month", "Asia/Jakarta")
    value = kpis.response_time(session, ask(month.start, month.end), kpis.Options())
    assert value == kpis.Value(1, 2)
    trend = dict(value.trend)
    assert len(trend) == 30
    # The late ticket opened at 23:30 WIB on the 25th (16:30 UTC): its local day counts it.
    assert trend[dt.date(2026, 11, 23)] == 100.0 and trend[dt.date(2026, 11, 25)] == 0.0
    assert trend[dt.date(2026, 11, 24)] is None


def test_api_filters_span_and_calls_behind_service_level(client: TestClient,
                                                         session: Session) -> None:
    world = floor(session)
    _operation(session, world)
    for i, (agent, wait) in enumerate(((world.agent_a, 10), (world.agent_b, 30))):
        session.add(Interaction(channel="voice", direction="inbound", provider_id=f"c{i}",
                                agent_id=agent.id, arrived_at=wib(11, 23, 14),
                                queued_at=wib(11, 23, 14),
                                answered_at=wib(11, 23, 14) + dt.timedelta(seconds=wait),
                                ended_at=wib(11, 23, 15)))
    session.commit()
    rollup.refresh(session)
    session.commit()
    auth = factories.token(client, world.spv.login_code)
    answer = client.get("/api/kpis/tenesa", headers=auth, params={
        "span": "day", "day": "2026-11-23", "agent": world.agent_a.id})
    assert answer.status_code == 200, answer.text
    rows = {r["code"]: r for r in answer.json()}
    assert (rows["D15.8"]["numerator"], rows["D15.8"]["denominator"]) == (2, 2)
    assert (rows["D15.3"]["numerator"], rows["D15.3"]["denominator"]) == (1, 1)
    assert rows["D15.3"]["trend"] == [{"day": "2026-11-23", "percent": 100.0}]
    everyone = {r["code"]: r for r in client.get("/api/kpis/tenesa", headers=auth, params={
        "span": "day", "day": "2026-11-23"}).json()}
    # The calls counted: the two answered plus the merged duplicate's and P's (never
    # answered nor ended: still ringing, not counted).
    assert (everyone["D15.3"]["numerator"], everyone["D15.3"]["denominator"]) == (1, 2)
    bad = client.get("/api/kpis/tenesa", headers=auth, params={"span": "day",
                                                               "channel": "telegram"})
    assert bad.status_code == 422 and "channel" in bad.text
    both = client.get("/api/kpis/tenesa", headers=auth, params={
        "span": "day", "from": "2026-11-23T00:00:00+07:00", "to": "2026-11-24T00:00:00+07:00"})
    assert both.status_code == 422
    factories.login(client, world.spv.login_code)
    page = client.get(f"/kpi/tenesa?span=day&day=2026-11-23&agent={world.agent_b.id}").text
    assert f'href="/kpi/tenesa/D15.3?span=day&day=2026-11-23&agent={world.agent_b.id}"' \
        in page
    calls = client.get(f"/kpi/tenesa/D15.3?span=day&day=2026-11-23&agent={world.agent_b.id}")
    assert calls.status_code == 200
    assert 'data-testid="drill-calls"' in calls.text and 'data-met="no"' in calls.text
    assert client.get("/kpi/tenesa?team=x").status_code == 422
    mine = select(Ticket.id).where(Ticket.owner_id == world.agent_a.id)
    assert len(list(session.scalars(mine))) == 2


def test_staff_fulfilment_comes_from_workforce(session: Session) -> None:
    world = floor(session)
    month = ask(wib(11, 1, 0), wib(12, 1, 0))
    # No forecast covers November: workforce has no caplan, so no data yet.
    assert kpis.staff_fulfilment(session, month, kpis.Options()) == kpis.NO_DATA
    # Kept per site, not per team, agent or channel.
    by_team = ask(month.start, month.end, team_id=world.team_a.id)
    assert kpis.staff_fulfilment(session, by_team, kpis.Options()) == kpis.NO_DATA
    assert [k.code for k in kpis.TAM] == ["D15.13", "D15.14"]
    assert kpis.TAM[1].compute is kpis.staff_fulfilment


def test_staff_fulfilment_reads_the_caplan(session: Session) -> None:
    from sigap.workforce import service as workforce
    from tests.workforce.helpers import world as wfm_world
    from tests.workforce.test_planning import _december

    w = wfm_world(session)
    _december(session, w)  # a forecast for December: four agents on the planned desk
    caplan = workforce.caplan(session, dt.date(2026, 12, 1))
    december = ask(wib(12, 1, 0), dt.datetime(2027, 1, 1, tzinfo=WIB))
    value = kpis.staff_fulfilment(session, december, kpis.Options())
    assert value == kpis.Value(4, round(caplan[0].required_fte, 2))
    assert value.numerator == 4
