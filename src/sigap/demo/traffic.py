"""Demo traffic (D8–D13): contacts over the days, the tickets they open, and their stories.

Volumes follow the customer base with a weekly and an hourly curve (peaks 09–11 and 13–15
WIB); the contact types follow the source mix (gangguan 67.49 %, informasi 29.67 %,
permintaan 2.85 %) over voice, WhatsApp, email and social media.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sigap.demo import names as N
from sigap.demo.customers import Customers
from sigap.demo.people import Org
from sigap.demo.tickets import HOUR, MIN, Life, close_out, minutes, new_ticket
from sigap.tickets.models import PendingReason, TicketState

Row = dict[str, Any]
WIB = dt.timedelta(hours=7)

TYPE_SHARES: dict[str, float] = {"gangguan": 67.49, "informasi": 29.67, "permintaan": 2.85}
CHANNEL_SHARES: dict[str, float] = {"voice": 45, "whatsapp": 30, "email": 15, "facebook": 6,
                                    "x": 4}
CONTACTS_PER_CUSTOMER_DAY = 0.04
WEEKDAY = (1.15, 1.10, 1.05, 1.0, 0.95, 0.6, 0.45)  # Monday … Sunday
HOURLY = (0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 4.5, 6.5, 7.0, 6.5,
          4.5, 6.0, 6.8, 6.5, 5.0, 3.8, 2.8, 2.2, 1.8, 1.4, 0.9, 0.5)
DESK_OF_CHANNEL = {"voice": "Tier 1 Voice", "whatsapp": "Tier 1 Chat", "email": "Tier 1 Email",
                   "facebook": "Tier 1 Sosial Media", "x": "Tier 1 Sosial Media"}
TIER2_DESK = {"datin": "Tier 2 Datin", "add_on": "Tier 2 Datin", "indihome": "Tier 2 Indihome",
              "telephony": "Tier 2 Indihome"}
INBOX = {"voice": "147", "whatsapp": "628111147147", "email": "layanan.ebis@telkom.co.id",
         "facebook": "telkomindonesia", "x": "telkomcare"}
# (queue wait, handling) in minutes per channel.
TIMING: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "voice": ((0.05, 2.0), (3, 12)), "whatsapp": ((0.2, 5), (5, 25)),
    "email": ((5, 240), (3, 12)), "facebook": ((2, 60), (3, 10)), "x": ((2, 60), (3, 10)),
}
SEVERITIES: dict[str, float] = {"critical": 3, "major": 17, "minor": 70, "low": 10}


@dataclass
class Traffic:
    interactions: list[Row] = field(default_factory=list)
    tickets: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    counters: list[Row] = field(default_factory=list)


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), list(shares.values()))[0]


class _Builder:
    def __init__(self, rng: random.Random, org: Org, custs: Customers,
                 cutoff: dt.datetime) -> None:
        self.rng, self.org, self.custs, self.cutoff = rng, org, custs, cutoff
        self.out = Traffic()
        self.pool: list[tuple[Life, dt.datetime]] = []  # open gangguan tickets
        everyone = list(range(len(custs.customers)))
        self.by_channel = {ch: [i for i in everyone if ch in custs.address_of[i]] or everyone
                           for ch in ("whatsapp", "facebook", "x")}
        self.by_channel.update(voice=everyone, email=everyone)
        self.datin = [i for i in everyone
                      if any(s["product"] == "datin" for s in custs.services_of[i])] or everyone

    # -- people -----------------------------------------------------------------------
    def agent(self, desk: str) -> Row:
        return self.rng.choice(self.org.agents_by_desk[desk])

    def leader(self, staff: Row) -> Row:
        return self.org.leader_of_team[staff["team_id"]]

    def supervisor(self, staff: Row) -> Row:
        return self.rng.choice(self.org.supervisors_of_site[staff["site_id"]])

    # -- contacts ---------------------------------------------------------------------
    def contact(self, at: dt.datetime, channel: str, cust: int, desk: str,
                subject: str, direction: str = "inbound") -> Row:
        rng = self.rng
        wait, handle = TIMING[channel]
        ivr = dt.timedelta(seconds=rng.uniform(10, 40) if channel == "voice" else 1)
        queued: dt.datetime | None = at + ivr
        answered: dt.datetime | None = at + ivr + minutes(rng, *wait)
        ended: dt.datetime | None = answered + minutes(rng, *handle) if answered else None
        agent: Row | None = self.agent(desk)
        if direction == "outbound":
            queued, answered = None, at
            ended = at + minutes(rng, *handle)
        if answered is not None and answered > self.cutoff:
            answered, ended, agent = None, None, None  # still waiting in the queue
        elif ended is not None and ended > self.cutoff:
            ended = None  # the agent is on it right now
        address = self.custs.address_of[cust].get(channel) or self.custs.address_of[cust]["phone"]
        if channel == "whatsapp":
            address = address.lstrip("+")
        inbox = INBOX.get(channel, "147")
        row = {
            "id": 0, "channel": channel, "direction": direction,
            "customer_id": self.custs.customers[cust]["id"], "_t": None,
            "agent_id": agent["id"] if agent else None, "_agent": agent,
            "arrived_at": at, "queued_at": queued, "answered_at": answered, "ended_at": ended,
            "from_address": address if direction == "inbound" else inbox,
            "to_address": inbox if direction == "inbound" else address,
            "subject": subject if channel == "email" else "",
            "body": "" if channel == "voice"
            else f"Selamat pagi, {subject.lower()}. Mohon dibantu.",
            "recording_ref": "", "provider_id": None, "created_at": at, "updated_at": at,
        }
        self.out.interactions.append(row)
        return row

    # -- stories ----------------------------------------------------------------------
    def follow_up(self, at: dt.datetime, channel: str) -> bool:
        """A customer asks how their open fault is going (D9: progress questions)."""
        rng = self.rng
        for _ in range(4):
            if not self.pool:
                return False
            index = rng.randrange(len(self.pool))
            life, until = self.pool[index]
            if until <= at:
                self.pool[index] = self.pool[-1]
                self.pool.pop()
                continue
            if life.ticket["created_at"] + 30 * MIN > at:
                return False
            cust = life.ticket["customer_id"] - 1
            item = self.contact(at, channel, cust, DESK_OF_CHANNEL[channel],
                                f"Menanyakan progres {life.ticket['subject']}")
            if item["answered_at"] is not None:
                again = Life(life.ticket, self.out.events, self.cutoff)
                again.link(item["answered_at"], item["_agent"], item)
                again.update(item["answered_at"] + minutes(rng, 1, 3), item["_agent"],
                             rng.choice(N.CUSTOMER_UPDATES))
            return True
        return False

    def open_ticket(self, item: Row, cust: int, type_: str, *, tier: int = 1,
                    category: str = "") -> Life | None:
        """The agent who answered opens a ticket for this contact (D9)."""
        rng = self.rng
        agent = item["_agent"]
        if item["answered_at"] is None or agent is None:
            return None
        at = item["answered_at"] + minutes(rng, 1, 3)
        customer = self.custs.customers[cust]
        service = rng.choice(self.custs.services_of[cust])
        subjects = N.SUBJECTS[type_]
        subject = rng.choice(subjects.get(service["product"]) or subjects["*"])
        ticket = new_ticket(
            type_=type_, subject=subject, customer=customer, service=service,
            description=(f"{subject}. Layanan {service['service_id']} "
                         f"({service['description']}), dilaporkan lewat {item['channel']}."),
            severity=_pick(rng, SEVERITIES) if type_ == "gangguan" else "low",
            tier=tier, channel="voice" if item["channel"] == "voice" else item["channel"],
            owner=agent, hard=type_ == "gangguan" and rng.random() < 0.03, at=at,
        )
        ticket["category"] = category
        life = Life(ticket, self.out.events, self.cutoff)
        if not life.event(at, "created", agent, subject, to_state=TicketState.new.value,
                          data={"channel": ticket["channel"], "type": type_}):
            return None
        self.out.tickets.append(ticket)
        life.link(at, agent, item)
        life.move(at + minutes(rng, 0.5, 2), agent, TicketState.open, "Mulai ditangani.")
        return life

    def simple(self, life: Life) -> None:
        """informasi, permintaan and first-contact fixes: answered and closed by Tier 1."""
        rng, t = self.rng, life.ticket
        owner = self.staff(t["owner_id"])
        at = life.last + minutes(rng, 2, 8)
        if not life.update(at, owner, rng.choice(N.CUSTOMER_UPDATES[-1:] + N.RESOLUTIONS[-2:])):
            return
        if t["type"] == "permintaan" and rng.random() < 0.6:
            at += minutes(rng, 1, 5)
            if not life.move(at, owner, TicketState.pending, "Diteruskan ke unit terkait.",
                             PendingReason.backend):
                return
            at += minutes(rng, 4 * 60, 3 * 24 * 60)
        at += minutes(rng, 1, 3)
        if life.move(at, owner, TicketState.resolved, rng.choice(N.RESOLUTIONS)):
            close_out(life, rng, at, owner, "PIC pelanggan")

    def fault(self, life: Life) -> None:
        """A gangguan that needs work: Tier 2, escalations, pending, updates, consent."""
        rng, t = self.rng, life.ticket
        owner = self.staff(t["owner_id"])
        at = life.last + minutes(rng, 3, 10)
        if not life.update(at, owner, "Hasil pengecekan awal sudah kami sampaikan."):
            return
        desk = TIER2_DESK.get(t["product"])
        if desk and rng.random() < 0.75:
            owner = self.agent(desk)
            at += minutes(rng, 5, 60)
            if not life.assign(at, None, owner, f"Dialihkan ke {desk}.", tier=2):
                return
        if t["priority"] or t["severity"] == "critical" or rng.random() < 0.25:
            at += minutes(rng, 30, 180)
            if not life.escalate(at, owner, rng.choice(N.ESCALATION_REASONS)):
                return
            leader = self.leader(owner)
            if rng.random() < 0.4:
                at += minutes(rng, 5, 30)
                if not life.take_over(at, leader, "Kasus diambil alih Team Leader."):
                    return
            if rng.random() < 0.35:
                at += minutes(rng, 60, 240)
                if not life.escalate(at, leader, rng.choice(N.ESCALATION_REASONS)):
                    return
                if rng.random() < 0.5:
                    at += minutes(rng, 30, 120)
                    if not life.escalate(at, self.supervisor(owner),
                                         "Butuh penanganan unit backend klien.",
                                         rng.choice(N.BACKEND_UNITS)):
                        return
        elif rng.random() < 0.5:
            reason = rng.choice((PendingReason.customer, PendingReason.backend))
            at += minutes(rng, 20, 120)
            note = "Menunggu konfirmasi pelanggan." if reason == PendingReason.customer \
                else "Menunggu perbaikan unit backend."
            if not life.move(at, owner, TicketState.pending, note, reason):
                return
            at += minutes(rng, 60, 20 * 60)
            if not life.move(at, owner, TicketState.open, "Lanjut ditangani."):
                return
        hours = min(96.0, rng.lognormvariate(1.6 if t["tier"] == 1 else 2.1, 0.8))
        done = t["created_at"] + dt.timedelta(hours=hours)
        actor = self.staff(t["owner_id"])
        while at + 2 * HOUR < done:
            at += minutes(rng, 120, 480)
            if not life.update(min(at, done - MIN), actor, rng.choice(N.CUSTOMER_UPDATES)):
                return
        at = max(at, done)
        if not life.move(at, actor, TicketState.resolved, rng.choice(N.RESOLUTIONS)):
            return
        if t["hard_complaint"] or hours > 24:
            self.caring(life, at)
        close_out(life, rng, life.last, actor, "PIC pelanggan")

    def caring(self, life: Life, at: dt.datetime) -> None:
        """Tier 2 Caring calls back hard complaints and tickets that missed their SLA (D10)."""
        at += minutes(self.rng, 30, 240)
        if at > self.cutoff:
            life.stopped = True
            return
        cust = life.ticket["customer_id"] - 1
        item = self.contact(at, "voice", cust, "Tier 2 Caring",
                            f"Caring: {life.ticket['subject']}", direction="outbound")
        life.link(at, item["_agent"], item)
        life.update(at + minutes(self.rng, 2, 6), item["_agent"],
                    "Caring menghubungi pelanggan: permohonan maaf dan konfirmasi perbaikan.")

    def duplicate(self, target: Life) -> None:
        """The same fault reported again on another channel, then merged by the TL."""
        rng, t = self.rng, target.ticket
        at = t["created_at"] + minutes(rng, 10, 50)
        channel = rng.choice(("whatsapp", "email"))
        item = self.contact(at, channel, t["customer_id"] - 1, DESK_OF_CHANNEL[channel],
                            t["subject"])
        life = self.open_ticket(item, t["customer_id"] - 1, "gangguan")
        if life is None:
            return
        life.ticket.update(subject=t["subject"], service_id=t["service_id"], product=t["product"])
        merge_at = life.last + minutes(rng, 5, 30)
        if merge_at > self.cutoff or (target.first_resolved and merge_at >= target.first_resolved):
            return
        leader = self.org.leader_of_team[t["team_id"]]
        reason = "Laporan ganda untuk gangguan yang sama."
        source = life.ticket
        if not life.event(merge_at, "merged_into", leader, reason, from_state=source["state"],
                          to_state=TicketState.closed.value, refs={"target": t}):
            return
        source.update(state=TicketState.closed.value, pending_reason=None, closed_at=merge_at,
                      _merged_into=t)
        item["_t"] = t
        Life(t, self.out.events, self.cutoff).event(
            merge_at, "merged", leader, reason, refs={"source": source, "moved": [item]})

    def staff(self, staff_id: int) -> Row:
        return self.org.staff[staff_id - 1]

    def proactive(self, at: dt.datetime) -> None:
        """Pro-Active: a link alarm validated, a ticket opened, the customer told (D11)."""
        cust = self.rng.choice(self.datin)
        item = self.contact(at, "voice", cust, "Pro-Active", "Alarm link terdeteksi",
                            direction="outbound")
        life = self.open_ticket(item, cust, "gangguan", category="alarm")
        if life is not None:
            self.fault(life)


def _day_start(day: dt.date) -> dt.datetime:
    """00:00 WIB of `day`, in UTC."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) - WIB


def build_traffic(rng: random.Random, org: Org, custs: Customers, today: dt.date, days: int,
                  cutoff: dt.datetime) -> Traffic:
    """`days` full days ending yesterday (WIB) plus today up to the cutoff."""
    builder = _Builder(rng, org, custs, cutoff)
    base = len(custs.customers) * CONTACTS_PER_CUSTOMER_DAY
    slots: list[tuple[dt.datetime, str, str]] = []
    alarms: list[dt.datetime] = []
    cum = [sum(HOURLY[: h + 1]) for h in range(24)]
    for back in range(days, -1, -1):
        day = today - dt.timedelta(days=back)
        start = _day_start(day)
        volume = round(base * WEEKDAY[day.weekday()] * rng.uniform(0.92, 1.08))
        for _ in range(volume):
            hour = rng.choices(range(24), cum_weights=cum)[0]
            at = start + dt.timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            slots.append((at, _pick(rng, CHANNEL_SHARES), _pick(rng, TYPE_SHARES)))
        for _ in range(round(volume * 0.02)):
            alarms.append(start + dt.timedelta(hours=rng.uniform(0, 24)))
    slots = sorted(s for s in slots if s[0] <= cutoff)
    alarm_at = iter(sorted(a for a in alarms if a <= cutoff))
    next_alarm = next(alarm_at, None)
    for at, channel, type_ in slots:
        while next_alarm is not None and next_alarm <= at:
            builder.proactive(next_alarm)
            next_alarm = next(alarm_at, None)
        if type_ == "gangguan" and rng.random() < 0.18 and builder.follow_up(at, channel):
            continue
        pool = builder.by_channel[channel]
        cust = rng.choice(pool)
        product_tier = 1
        desk = DESK_OF_CHANNEL[channel]
        if any(s["product"] == "imes" for s in custs.services_of[cust]) and channel != "x" \
                and channel != "facebook" and rng.random() < 0.5:
            desk, product_tier = "Multi-Tier IMES", 2  # IMES works its tickets end to end
        item = builder.contact(at, channel, cust, desk, "Laporan pelanggan")
        life = builder.open_ticket(item, cust, type_, tier=product_tier)
        if life is None:
            continue
        item["subject"] = life.ticket["subject"] if channel == "email" else ""
        if type_ != "gangguan" or rng.random() < 0.35:
            builder.simple(life)
            continue
        builder.fault(life)
        builder.pool.append((life, life.first_resolved or cutoff))
        if rng.random() < 0.025:
            builder.duplicate(life)
    return finalize(builder.out)


def finalize(out: Traffic) -> Traffic:
    """Ids in time order, ticket numbers per year, references resolved to ids."""
    out.tickets.sort(key=lambda t: t["created_at"])
    last: dict[int, int] = {}
    for index, ticket in enumerate(out.tickets, start=1):
        year = ticket["created_at"].year
        last[year] = last.get(year, 0) + 1
        ticket["id"] = index
        ticket["number"] = f"T-{year}-{last[year]:06d}"
    for ticket in out.tickets:
        merged = ticket.pop("_merged_into")
        ticket["merged_into_id"] = merged["id"] if merged else None
    out.counters = [{"year": y, "last": n} for y, n in sorted(last.items())]
    out.interactions.sort(key=lambda i: i["arrived_at"])
    for index, item in enumerate(out.interactions, start=1):
        item["id"] = index
        owner = item.pop("_t")
        item.pop("_agent")
        item["ticket_id"] = owner["id"] if owner else None
        prefix = {"voice": "call", "whatsapp": "wamid.DEMO", "email": "<demo"}.get(
            item["channel"], item["channel"])
        item["provider_id"] = f"{prefix}-{index:09d}" + (
            "@mail.sigap.demo>" if item["channel"] == "email" else "")
        if item["channel"] == "voice" and item["answered_at"] is not None:
            item["recording_ref"] = f"rec/{item['arrived_at']:%Y/%m/%d}/call-{index:09d}.wav"
    out.events.sort(key=lambda e: e["at"])
    for index, event in enumerate(out.events, start=1):
        event["id"] = index
        event["ticket_id"] = event.pop("_t")["id"]
        refs = event.pop("_refs")
        data = event["data"]
        if "interaction" in refs:
            data["interaction_id"] = refs["interaction"]["id"]
        if "target" in refs:
            data.update(target_id=refs["target"]["id"], target_number=refs["target"]["number"])
        if "source" in refs:
            data.update(source_id=refs["source"]["id"], source_number=refs["source"]["number"])
            data["interactions"] = [i["id"] for i in refs["moved"]]
    return out
