"""The demo organisation (D1–D4): two sites, their desks and teams, every role, logins."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from sigap.demo.names import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES
from sigap.org.models import Role, Tier

# code, name, city, seats, headcount (SDM) — from the TENESA 2022 overview.
SITES: tuple[tuple[str, str, str, int, int], ...] = (
    ("SMG", "Graha Telkom Pahlawan", "Semarang", 130, 236),
    ("BDG", "GMP Infomedia", "Bandung", 127, 209),
)


@dataclass(frozen=True)
class Desk:
    name: str
    tier: str
    channels: tuple[str, ...]
    skills: tuple[str, ...]
    share: float  # of the site's desk staff


DESKS: tuple[Desk, ...] = (
    Desk("Tier 1 Voice", Tier.tier1, ("voice",), ("gangguan", "informasi", "permintaan"), 0.26),
    Desk("Tier 1 Chat", Tier.tier1, ("whatsapp",), ("gangguan", "informasi", "permintaan"), 0.14),
    Desk("Tier 1 Email", Tier.tier1, ("email",), ("gangguan", "informasi", "permintaan"), 0.11),
    Desk("Tier 1 Sosial Media", Tier.tier1, ("facebook", "x"), ("gangguan", "informasi",
                                                                "prioritas_w19"), 0.06),
    Desk("Tier 2 Datin", Tier.tier2, ("voice", "email"), ("datin", "add_on"), 0.13),
    Desk("Tier 2 Indihome", Tier.tier2, ("voice", "email"), ("indihome", "telephony"), 0.11),
    Desk("Tier 2 Caring", Tier.tier2, ("voice",), ("caring", "hard_complaint"), 0.07),
    Desk("Multi-Tier IMES", Tier.multi_tier, ("voice", "whatsapp", "email"), ("imes",), 0.07),
    Desk("Pro-Active", Tier.non_tier, ("voice", "email"), ("alarm", "datin"), 0.05),
)
DESK_BY_NAME = {d.name: d for d in DESKS}

# Support roles per site, as a share of the site's headcount; a minimum of one at the first
# site (every role exists), and at every site for the roles that work per site.
SUPPORT_SHARE: dict[str, float] = {
    Role.supervisor: 1 / 60, Role.qco: 1 / 40, Role.quality_assurance: 1 / 120,
    Role.supervisor_quality: 1 / 240, Role.qc_tier2: 1 / 120, Role.hd_support: 1 / 120,
    Role.operation_plan: 1 / 120, Role.desk_control: 1 / 120, Role.admin: 1 / 120,
    Role.trainer: 1 / 120, Role.knowledge_management: 1 / 240,
    Role.document_control: 1 / 240, Role.qia: 1 / 240, Role.it: 1 / 120,
}
PER_SITE_ROLES = {Role.supervisor, Role.desk_control, Role.qco}
AGENTS_PER_TEAM = 16


@dataclass
class Org:
    sites: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    staff: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    # desk name → agent rows (both sites), team id → its leader row, site id → supervisors.
    agents_by_desk: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    leader_of_team: dict[int, dict[str, Any]] = field(default_factory=dict)
    supervisors_of_site: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _wib(day: dt.date, hour: int) -> dt.datetime:
    # 08:00 WIB is 01:00 UTC; WIB has no daylight saving.
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC) - dt.timedelta(hours=7)


class _People:
    """Makes staff rows with unique login codes and per-site online names."""

    def __init__(self, rng: random.Random, today: dt.date, total_hint: int) -> None:
        self.rng = rng
        self.today = today
        self.codes = iter(rng.sample(range(10000, 100000), min(89000, total_hint)))
        self.numbers: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []

    def add(self, role: str, site: dict[str, Any], *, tier: str = Tier.none,
            team_id: int | None = None, leader_id: int | None = None,
            channels: tuple[str, ...] = (), skills: tuple[str, ...] = ()) -> dict[str, Any]:
        rng = self.rng
        first = rng.choice(FIRST_NAMES_F if rng.random() < 0.6 else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        number = self.numbers.get(site["code"], 0) + 1
        self.numbers[site["code"]] = number
        hired = self.today - dt.timedelta(days=rng.randint(20, 5 * 365))
        row = {
            "id": len(self.rows) + 1,
            "login_code": next(self.codes),
            "online_name": f"{first}_{site['code']}{number}",
            "full_name": f"{first} {last}",
            "role": str(role),
            "tier": str(tier),
            "channels": list(channels),
            "skills": list(skills),
            "site_id": site["id"],
            "team_id": team_id,
            "team_leader_id": leader_id,
            "hire_date": hired,
            "email": f"{first.lower()}.{last.lower()}{number}.{site['code'].lower()}"
                     "@infomedia.co.id",
            # Months in a row with the QA target met, up to the tenure (D22).
            "qa_met_months": min(rng.randint(0, 12), (self.today - hired).days // 30),
            "active": True,
            "created_at": _wib(hired, 8),
            "updated_at": _wib(hired, 8),
        }
        self.rows.append(row)
        return row


def build_org(rng: random.Random, scale: float, today: dt.date, password_hash: str) -> Org:
    """Sites, teams, staff and logins; never below a usable desk at any scale."""
    org = Org()
    people = _People(rng, today, total_hint=89000)
    org.agents_by_desk = {d.name: [] for d in DESKS}
    for index, (code, name, city, seats, sdm) in enumerate(SITES):
        site: dict[str, Any] = {"id": index + 1, "code": code, "name": name, "city": city,
                "timezone": "Asia/Jakarta", "seats": seats,
                "created_at": _wib(today - dt.timedelta(days=5 * 365), 8),
                "updated_at": _wib(today - dt.timedelta(days=5 * 365), 8)}
        org.sites.append(site)
        headcount = max(1, round(sdm * scale))
        support = 0
        for role, share in SUPPORT_SHARE.items():
            minimum = 1 if index == 0 or role in PER_SITE_ROLES else 0
            count = max(minimum, round(headcount * share))
            support += count
            for _ in range(count):
                row = people.add(role, site)
                if role == Role.supervisor:
                    org.supervisors_of_site.setdefault(site["id"], []).append(row)
        if index == 0:
            people.add(Role.coordinator, site)
            people.add(Role.manager, site)
        desk_staff = max(0, headcount - support)
        for desk in DESKS:
            size = max(3, round(desk_staff * desk.share))
            teams = max(1, math.ceil(size / (AGENTS_PER_TEAM + 1)))
            agents = max(2 * teams, size - teams)
            for t in range(teams):
                team: dict[str, Any] = {"id": len(org.teams) + 1,
                        "name": desk.name if teams == 1 else f"{desk.name} {chr(65 + t)}",
                        "site_id": site["id"], "tier": str(desk.tier), "desk": desk.name,
                        "leader_id": None, "created_at": site["created_at"],
                        "updated_at": site["created_at"]}
                org.teams.append(team)
                leader = people.add(Role.team_leader, site, tier=desk.tier, team_id=team["id"],
                                    channels=desk.channels, skills=desk.skills)
                team["leader_id"] = leader["id"]
                org.leader_of_team[team["id"]] = leader
                members = agents // teams + (1 if t < agents % teams else 0)
                for _ in range(members):
                    agent = people.add(Role.agent, site, tier=desk.tier, team_id=team["id"],
                                       leader_id=leader["id"], channels=desk.channels,
                                       skills=desk.skills)
                    org.agents_by_desk[desk.name].append(agent)
    org.staff = people.rows
    org.users = [
        {"id": s["id"], "staff_id": s["id"], "password_hash": password_hash, "active": True,
         "token_version": 1, "last_login_at": None, "password_changed_at": None,
         "created_at": s["created_at"], "updated_at": s["updated_at"]}
        for s in org.staff
    ]
    return org


def team_desk(org: Org, team_id: int) -> str:
    return str(org.teams[team_id - 1]["desk"])
