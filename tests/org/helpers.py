"""A small organisation: two sites, teams, a TL, agents, an admin and readers."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.org.models import Site, Staff, Team
from tests import factories


@dataclass
class Org:
    smg: Site
    bdg: Site
    voice: Team
    datin: Team
    bdg_team: Team
    tl: Staff
    agent: Staff
    other_agent: Staff
    bdg_agent: Staff
    admin: Staff
    spv: Staff
    it: Staff


def build(session: Session) -> Org:
    smg = factories.site(session)
    bdg = factories.site(session, code="BDG", name="Telkom Lembong", city="Bandung", seats=127)
    voice = factories.team(session, smg)
    datin = factories.team(session, smg, name="Tier 2 Datin", tier="tier2")
    bdg_team = factories.team(session, bdg, name="Tier 1 Voice B")
    tl = factories.staff(session, "team_leader", team=voice, leads=True)
    org = Org(
        smg=smg, bdg=bdg, voice=voice, datin=datin, bdg_team=bdg_team, tl=tl,
        agent=factories.staff(session, "agent", team=voice, name="ayu"),
        other_agent=factories.staff(session, "agent", team=datin, name="bima", tier="tier2"),
        bdg_agent=factories.staff(session, "agent", team=bdg_team, name="citra"),
        admin=factories.staff(session, "admin", site=smg),
        spv=factories.staff(session, "supervisor", site=smg),
        it=factories.staff(session, "it", site=smg),
    )
    session.commit()
    return org


def bearer(client: TestClient, person: Staff) -> dict[str, str]:
    return factories.token(client, person.login_code)
