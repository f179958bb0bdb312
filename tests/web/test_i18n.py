"""The English switch covers every text the templates show."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.web.i18n import catalogue
from tests import factories
from tests.tickets.helpers import actor, floor, new_ticket

TEMPLATES = Path(__file__).parents[2] / "src" / "sigap" / "web" / "templates"
CALL = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def test_every_template_text_has_an_english_entry() -> None:
    english = catalogue("en")
    missing = sorted({
        f"{path.relative_to(TEMPLATES)}: {a or b}"
        for path in TEMPLATES.rglob("*.html")
        for a, b in CALL.findall(path.read_text(encoding="utf-8"))
        if (a or b) not in english
    })
    assert missing == []


def test_ticket_page_in_english(client: TestClient, session: Session) -> None:
    world = floor(session)
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer)
    session.commit()
    factories.login(client, world.agent_a.login_code)
    client.get("/lang/en", follow_redirects=False)
    page = client.get(f"/tickets/{ticket.id}").text
    assert "History" in page and "ticket created" in page and "Riwayat" not in page
    client.get("/lang/id", follow_redirects=False)
    page = client.get(f"/tickets/{ticket.id}").text
    assert "Riwayat" in page and "tiket dibuat" in page
