"""The agent scorecard: each agent's own share of the ticket KPIs over a period, the
tickets they handled and resolved, CSAT, the handle time of their calls and chats, and
adherence to the published roster; with team and site averages (pooled: the sums of the
agents' numerators over the sums of their denominators).

A ticket KPI counts for the ticket's owner, with the same met/missed verdict as the board
(`outcomes` is the one place that reads it). Handled: tickets the agent wrote an event on
in the period. Resolved: tickets the agent moved to resolved in the period.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, distinct, func, or_, select, true
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.org.models import Role, Staff, Team
from sigap.reports import drill, kpis
from sigap.tickets.models import EventKind, Interaction, Ticket, TicketEvent
from sigap.workforce import attendance

MEASURES = ("response", "update", "ttr", "fcr", "csat")
HANDLED_CHANNELS = ("voice", "whatsapp", "facebook", "x", "chat")


@dataclass
class Ratio:
    met: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.met / self.total if self.total else None

    def add(self, other: Ratio) -> None:
        self.met += other.met
        self.total += other.total


@dataclass
class Card:
    label: str
    staff_id: int | None = None
    login_code: int | None = None
    team_id: int | None = None
    team: str = ""
    handled: int = 0
    resolved: int = 0
    ratios: dict[str, Ratio] = field(default_factory=lambda: {m: Ratio() for m in MEASURES})
    handle_seconds: float = 0.0
    handled_contacts: int = 0
    adherent_seconds: float = 0.0
    scheduled_seconds: float = 0.0

    @property
    def aht_seconds(self) -> float | None:
        return self.handle_seconds / self.handled_contacts if self.handled_contacts else None

    @property
    def adherence(self) -> float | None:
        return 100.0 * self.adherent_seconds / self.scheduled_seconds \
            if self.scheduled_seconds else None

    def add(self, other: Card) -> None:
        self.handled += other.handled
        self.resolved += other.resolved
        for m in MEASURES:
            self.ratios[m].add(other.ratios[m])
        self.handle_seconds += other.handle_seconds
        self.handled_contacts += other.handled_contacts
        self.adherent_seconds += other.adherent_seconds
        self.scheduled_seconds += other.scheduled_seconds


def agents_for(session: Session, actor: Actor, site_id: int | None = None) -> list[Staff]:
    """The agents the actor may see: own card (agent), team (TL), site (supervisor), all."""
    scope = scope_for(actor.role, "tickets.read") if not actor.is_system else Scope.all
    where: ColumnElement[bool]
    if scope is None:
        return []
    if scope is Scope.own:
        where = Staff.id == (actor.staff_id or -1)
    elif scope is Scope.team:
        where = Staff.team_id.in_(actor.team_ids or [-1])
    elif scope is Scope.site:
        site_teams = select(Team.id).where(Team.site_id == actor.site_id)
        where = or_(Staff.site_id == actor.site_id, Staff.team_id.in_(site_teams))
    else:
        where = true()
    stmt = select(Staff).where(where, Staff.role == Role.agent, Staff.active.is_(True))
    if site_id is not None:
        stmt = stmt.where(or_(Staff.site_id == site_id, Staff.team_id.in_(
            select(Team.id).where(Team.site_id == site_id))))
    return list(session.scalars(stmt.order_by(Staff.team_id, Staff.online_name)))


CODES = {"response": "D15.4", "update": "D15.5", "ttr": "D15.8", "fcr": "D15.12",
         "csat": "D15.11"}


def outcomes(session: Session, period: kpis.Period, zone: str,
             options: kpis.Options) -> dict[str, list[tuple[int, bool]]]:
    """Each ticket KPI's (ticket id, met) pairs, exactly as the board counts them (every
    ticket: the cards are already limited to the agents the viewer may see)."""
    ask = kpis.Ask(period.start, period.end, zone, kpis.Filters(), None, utcnow())
    return {m: drill.ticket_outcomes(session, code, ask, options)
            for m, code in CODES.items()}


def _adherence(session: Session, ids: list[int], period: kpis.Period, zone: str,
               cards: dict[int, Card]) -> None:
    tz = ZoneInfo(zone)
    now = utcnow()
    day = period.start.astimezone(tz).date()
    last = (min(period.end, now) - dt.timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        for row in attendance.day_report(session, day, staff_ids=ids, now=now):
            cards[row.staff_id].adherent_seconds += row.result.adherent_seconds
            cards[row.staff_id].scheduled_seconds += row.result.scheduled_seconds
        day += dt.timedelta(days=1)


def cards_for(session: Session, agents: list[Staff], period: kpis.Period, zone: str,
              options: kpis.Options | None = None) -> list[Card]:
    chosen = options or kpis.Options()
    teams = {i: n for i, n in session.execute(select(Team.id, Team.name))}
    cards = {a.id: Card(a.online_name, a.id, a.login_code, a.team_id,
                        teams.get(a.team_id, "") if a.team_id else "") for a in agents}
    ids = list(cards)
    if not ids:
        return []
    in_period = (TicketEvent.at >= period.start, TicketEvent.at < period.end)
    for staff_id, count in session.execute(
            select(TicketEvent.actor_id, func.count(distinct(TicketEvent.ticket_id)))
            .where(TicketEvent.actor_id.in_(ids), *in_period).group_by(TicketEvent.actor_id)):
        cards[int(staff_id or 0)].handled = int(count)
    for staff_id, count in session.execute(
            select(TicketEvent.actor_id, func.count(distinct(TicketEvent.ticket_id)))
            .where(TicketEvent.actor_id.in_(ids), TicketEvent.kind == EventKind.state_changed,
                   TicketEvent.to_state == "resolved", *in_period)
            .group_by(TicketEvent.actor_id)):
        cards[int(staff_id or 0)].resolved = int(count)
    found = outcomes(session, period, zone, chosen)
    asked = {t for pairs in found.values() for t, _ in pairs}
    owners = {i: o for i, o in session.execute(select(Ticket.id, Ticket.owner_id).where(
        Ticket.id.in_(asked)))} if asked else {}
    for measure, pairs in found.items():
        for ticket_id, ok in pairs:
            card = cards.get(owners.get(ticket_id) or -1)
            if card is not None:
                card.ratios[measure].add(Ratio(int(ok), 1))
    for staff_id, answered, ended in session.execute(
            select(Interaction.agent_id, Interaction.answered_at, Interaction.ended_at).where(
                Interaction.agent_id.in_(ids), Interaction.channel.in_(HANDLED_CHANNELS),
                Interaction.answered_at >= period.start, Interaction.answered_at < period.end,
                Interaction.ended_at.is_not(None))):
        if staff_id is None or answered is None or ended is None:
            continue
        cards[staff_id].handle_seconds += max(0.0, (ended - answered).total_seconds())
        cards[staff_id].handled_contacts += 1
    _adherence(session, ids, period, zone, cards)
    return list(cards.values())


def averages(cards: list[Card], site_label: str) -> tuple[list[Card], Card]:
    """One pooled card per team, in the order the teams first appear, and one for all."""
    by_team: dict[int | None, Card] = {}
    for card in cards:
        team = by_team.get(card.team_id)
        if team is None:
            team = by_team[card.team_id] = Card(card.team or "—", team_id=card.team_id,
                                                team=card.team)
        team.add(card)
    total = Card(site_label)
    for card in cards:
        total.add(card)
    return list(by_team.values()), total


def grouped(cards: list[Card]) -> dict[int | None, list[Card]]:
    out: dict[int | None, list[Card]] = defaultdict(list)
    for card in cards:
        out[card.team_id].append(card)
    return out
