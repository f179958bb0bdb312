"""CSAT surveys: sent once per resolution on the ticket's channel, answered once on the
signed page or by a lone WhatsApp digit, counted into D15.11 by hand."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap import jobs
from sigap.auth.models import AuditLog
from sigap.channels import outbox
from sigap.channels.base import Endpoint
from sigap.channels.email.models import EmailMessage
from sigap.channels.models import ChatMessage, Conversation
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.customers.models import CustomerContact
from sigap.reports import csat, drill, kpis, rollup
from sigap.routing.models import Queue, WorkItem
from sigap.surveys import answers, links, tasks
from sigap.surveys.models import CsatSurvey
from sigap.tickets import actions
from sigap.tickets.models import Ticket
from tests import factories
from tests.channels.email.helpers import mailbox
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import URL, delivery, msg, signed
from tests.tickets.helpers import actor, floor, new_ticket

WA_ID = "6281234567890"


def _resolved(session: Session, world: object, channel: str = "voice") -> Ticket:
    who = actor(session, world.agent_a)  # type: ignore[attr-defined]
    ticket = new_ticket(session, who, world.customer, channel=channel)  # type: ignore[attr-defined]
    ticket.owner_id = world.agent_a.id  # type: ignore[attr-defined]
    actions.change_state(session, who, ticket.id, "resolved", "Port diganti, link normal")
    session.commit()
    return ticket


def _link(text: str) -> str:
    found = re.search(r"https://sigap\.example(/survey/\S+)", text)
    assert found is not None, text
    return found.group(1)


def test_whatsapp_ticket_survey_sent_and_a_lone_digit_answers_it(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        settings: Settings, graph: FakeGraph) -> None:
    world = floor(session)
    ticket = _resolved(session, world, channel="whatsapp")
    conversation = Conversation(channel="whatsapp", account="PN1", contact=WA_ID,
                                customer_id=world.customer.id, ticket_id=ticket.id,
                                state="open", last_inbound_at=utcnow())
    session.add(conversation)
    session.commit()
    assert tasks.send_one(sessions, settings, ticket.id) == "sent"
    assert tasks.send_one(sessions, settings, ticket.id) == "sent"  # idempotent
    session.rollback()
    survey = session.scalars(select(CsatSurvey)).one()
    assert (survey.channel, survey.address) == ("whatsapp", WA_ID)
    message = session.get(ChatMessage, survey.chat_message_id)
    assert message is not None and message.status == "queued"
    # The channel's own worker sends it through the (local) Graph API.
    report = outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")})
    assert report.sent == 1
    assert graph.sent[0]["to"] == WA_ID and "/survey/" in graph.sent[0]["text"]["body"]
    # A lone "4" is the answer, and no work for anyone; "5 ya" is a message for an agent.
    session.rollback()
    session.add(Queue(name="WhatsApp DBS", channel="whatsapp"))
    session.commit()

    def work_items() -> int:
        session.rollback()
        return session.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.kind == "conversation")) or 0

    body = delivery([msg("wamid.score", body=" 4 ")])
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    assert work_items() == 0
    survey = session.get(CsatSurvey, survey.id)  # type: ignore[assignment]
    assert (survey.status, survey.score, survey.answered_via) == ("answered", 4, "whatsapp")
    body = delivery([msg("wamid.chat", body="5 ya")])
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    assert work_items() == 1
    assert session.get(CsatSurvey, survey.id).score == 4  # type: ignore[union-attr]
    # Answered once: the link now says so.
    page = client.get(_link(graph.sent[0]["text"]["body"]))
    assert page.status_code == 409 and "sudah dijawab" in page.text


def test_voice_ticket_goes_by_whatsapp_else_email_else_nothing_with_the_reason(
        session: Session, sessions: sessionmaker[Session], settings: Settings) -> None:
    world = floor(session)
    # No WhatsApp id, an email address and a mailbox: email, with why not WhatsApp.
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    session.commit()
    first = _resolved(session, world)
    assert tasks.send_one(sessions, settings, first.id) == "sent"
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == first.id))
    assert survey is not None and survey.channel == "email"
    assert "SMS tidak tersedia" in survey.skip_reason
    mail = session.get(EmailMessage, survey.email_id)
    assert mail is not None and mail.to == ["budi@pelanggan.co.id"]
    assert mail.send_state == "queued" and "/survey/" in mail.text
    # With a WhatsApp id (and a known sending number): WhatsApp, by the approved template
    # only when the 24-hour window is closed; without the template, on to email.
    session.add(CustomerContact(customer_id=world.customer.id, kind="whatsapp", value=WA_ID))
    session.commit()
    second = _resolved(session, world)
    assert tasks.send_one(sessions, Settings(**{**settings.model_dump(),
                                                "csat_whatsapp_account": "PN1"}),
                          second.id) == "sent"
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == second.id))
    assert survey is not None and survey.channel == "email"
    assert "WhatsApp" in survey.skip_reason and "templat" in survey.skip_reason.lower()
    from sigap.channels.whatsapp.models import WaTemplate

    session.add(WaTemplate(name="survei_csat", body="Nilai layanan kami: {{1}}",
                           approved=True))
    session.commit()
    third = _resolved(session, world)
    assert tasks.send_one(sessions, Settings(**{**settings.model_dump(),
                                                "csat_whatsapp_account": "PN1"}),
                          third.id) == "sent"
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == third.id))
    assert survey is not None and survey.channel == "whatsapp"
    message = session.get(ChatMessage, survey.chat_message_id)
    assert message is not None and message.kind == "template"
    # A customer of neither: nothing sent, and why.
    other = world.other_customer
    who = actor(session, world.agent_a)
    lonely = new_ticket(session, who, other, channel="voice")
    actions.change_state(session, who, lonely.id, "resolved", "Selesai")
    session.commit()
    assert tasks.send_one(sessions, settings, lonely.id) == "skipped"
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == lonely.id))
    assert survey is not None and survey.channel == "none"
    assert "SMS tidak tersedia" in survey.skip_reason and "email" in survey.skip_reason


def test_once_per_resolution_not_again_on_a_reopen_within_a_day(
        session: Session, sessions: sessionmaker[Session], settings: Settings) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    session.commit()
    ticket = _resolved(session, world)
    assert tasks.send_one(sessions, settings, ticket.id) == "sent"
    who = actor(session, world.agent_a)
    actions.change_state(session, who, ticket.id, "open", "Pelanggan: masih putus")
    actions.change_state(session, who, ticket.id, "resolved", "Modem diganti")
    session.commit()
    assert tasks.forgotten(session) == [ticket.id]  # the new resolution has no survey yet
    assert tasks.send_one(sessions, settings, ticket.id) == "skipped"
    session.rollback()
    assert tasks.forgotten(session) == []
    rows = list(session.scalars(select(CsatSurvey).order_by(CsatSurvey.id)))
    assert [r.status for r in rows] == ["sent", "skipped"]
    assert "24 jam" in rows[1].skip_reason
    assert session.scalar(select(func.count()).select_from(EmailMessage)) == 1
    # A resolution more than a day after the last survey is asked about again.
    rows[0].created_at = utcnow() - dt.timedelta(days=2)
    actions.change_state(session, who, ticket.id, "open", "Putus lagi")
    actions.change_state(session, who, ticket.id, "resolved", "ODP diperbaiki")
    session.commit()
    assert tasks.send_one(sessions, settings, ticket.id) == "sent"


def test_the_resolve_path_queues_the_job_after_commit(
        tmp_path: Path, session: Session, settings: Settings) -> None:
    huey = jobs.new_queue(Settings(**{**settings.model_dump(),
                                      "huey_path": str(tmp_path / "q.db")}))
    jobs.register(huey, settings)
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    session.commit()
    who = actor(session, world.agent_a)
    ticket = new_ticket(session, who, world.customer)
    session.commit()
    actions.change_state(session, who, ticket.id, "resolved", "Selesai")
    assert huey.pending_count() == 0  # nothing leaves before the commit
    session.rollback()
    assert huey.pending_count() == 0  # nor after a rollback
    actions.change_state(session, who, ticket.id, "resolved", "Selesai")
    session.commit()
    assert huey.pending_count() == 1
    task = huey.dequeue()
    assert task is not None and task.args == (ticket.id,)
    huey.execute(task)
    survey = session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id))
    assert survey is not None and survey.status == "sent"
    actions.on_resolved = None


def test_the_public_page_takes_one_answer_with_clear_errors(
        client: TestClient, app: object, session: Session, sessions: sessionmaker[Session],
        settings: Settings) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    session.commit()
    ticket = _resolved(session, world)
    tasks.send_one(sessions, settings, ticket.id)
    mail = session.scalars(select(EmailMessage)).one()
    path = _link(mail.text)
    page = client.get(path)
    assert page.status_code == 200 and 'name="score"' in page.text
    assert "Survei kepuasan pelanggan" in page.text
    client.get("/lang/en?next=/")  # the page's language switch works without a login
    assert "Customer satisfaction survey" in client.get(path).text
    client.get("/lang/id?next=/")
    bad = client.post(path, data={"score": "9", "comment": ""})
    assert bad.status_code == 422 and 'data-field="score"' in bad.text
    assert "Nilai harus angka 1 sampai 5." in bad.text
    assert client.post(path, data={"comment": "x"}).status_code == 422
    done = client.post(path, data={"score": "2", "comment": "Teknisi datang terlambat"})
    assert done.status_code == 200 and 'data-testid="thanks"' in done.text
    again = client.post(path, data={"score": "5"})
    assert again.status_code == 409
    session.rollback()
    survey = session.scalars(select(CsatSurvey)).one()
    assert (survey.score, survey.comment, survey.answered_via) == \
        (2, "Teknisi datang terlambat", "web")
    assert client.get(path[:-3] + "xyz").status_code == 400
    assert client.get("/survey/bukan-token").status_code == 400
    app.state.settings = Settings(**{**settings.model_dump(),  # type: ignore[attr-defined]
                                     "csat_valid_days": -1})
    expired = client.get(path)
    assert expired.status_code == 410 and "kedaluwarsa" in expired.text
    # The written answer is in the audit log.
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == "csat_surveys", AuditLog.action.like("%update%"))) >= 1


def test_links_are_signed_and_expire() -> None:
    token = links.make("s3cret", 42)
    assert links.read("s3cret", token, 60) == 42
    for wrong in (token + "x", links.make("other", 42), "abc"):
        try:
            links.read("s3cret", wrong, 60)
        except links.BadLink:
            continue
        raise AssertionError(f"accepted {wrong}")
    try:
        links.read("s3cret", token, -1)
    except links.ExpiredLink:
        pass
    else:
        raise AssertionError("an expired link was accepted")
    assert answers.LONE_DIGIT.match("5") and answers.LONE_DIGIT.match(" 3. ")
    assert not answers.LONE_DIGIT.match("6") and not answers.LONE_DIGIT.match("5 ya")


WIB = dt.timezone(dt.timedelta(hours=7))
NOV = kpis.Ask(dt.datetime(2026, 11, 1, tzinfo=WIB), dt.datetime(2026, 12, 1, tzinfo=WIB))


def test_csat_by_hand_and_the_results_page(client: TestClient, session: Session) -> None:
    world = floor(session)
    who = actor(session, world.agent_a)
    made: list[Ticket] = []
    # (resolved on, score or None) — Nov: 5, 4, 3, 1 answered, one unanswered; Oct: 5.
    for day, score in ((3, 5), (10, 4), (20, 3), (28, 1), (29, None), (-1, 5)):
        ticket = new_ticket(session, who, world.customer)
        ticket.team_id = world.team_a.id
        resolved = dt.datetime(2026, 11, day, 9, tzinfo=WIB) if day > 0 else \
            dt.datetime(2026, 10, 31, 9, tzinfo=WIB)
        session.add(CsatSurvey(ticket_id=ticket.id, customer_id=world.customer.id,
                               resolved_at=resolved, channel="email", status="answered"
                               if score else "sent", score=score, sent_at=resolved,
                               comment=f"komentar {day}" if score else ""))
        made.append(ticket)
    session.commit()
    rollup.refresh(session)  # the tickets' KPI facts carry the board's filters and scope
    session.commit()
    answered = csat.answers(session, NOV, satisfied_min=4)
    assert sorted(ok for _, ok in answered) == [False, False, True, True]  # 5, 4, 3, 1
    assert dict(drill.ticket_outcomes(session, "D15.11", NOV, kpis.Options())) == {
        made[0].id: True, made[1].id: True, made[2].id: False, made[3].id: False}
    assert sum(ok for _, ok in csat.answers(session, NOV, satisfied_min=3)) == 3
    row = next(v for k, v in kpis.board(session, kpis.TENESA, NOV) if k.code == "D15.11")
    assert (row.numerator, row.denominator, row.percent) == (2, 4, 50.0)
    # Narrowed to another team, or seen by an agent of another team: none of them.
    other = kpis.Ask(NOV.start, NOV.end, filters=kpis.Filters(team_id=world.team_a.id + 999))
    assert csat.answers(session, other) == []
    factories.login(client, world.spv.login_code)
    page = client.get("/reports/csat?month=2026-11")
    assert page.status_code == 200
    assert "komentar 28" in page.text and "komentar -1" not in page.text
    assert 'data-testid="csat-percent">50.0 %' in page.text
    session.rollback()
    reads = session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "csat_surveys.read")) or 0
    assert reads == 4
    assert client.get("/reports/csat?month=2026-13").status_code == 422
    client.cookies.clear()
    factories.login(client, world.agent_a.login_code)
    assert client.get("/reports/csat?month=2026-11").status_code == 403



def test_facebook_ticket_asked_in_its_conversation_else_by_email(
        session: Session, sessions: sessionmaker[Session], settings: Settings) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    session.commit()
    open_window = _resolved(session, world, channel="facebook")
    closed_window = _resolved(session, world, channel="facebook")
    session.add_all([
        Conversation(channel="facebook", account="PAGE1", contact="psid-1",
                     customer_id=world.customer.id, ticket_id=open_window.id, state="open",
                     last_inbound_at=utcnow()),
        Conversation(channel="facebook", account="PAGE1", contact="psid-2",
                     customer_id=world.customer.id, ticket_id=closed_window.id,
                     state="closed", last_inbound_at=utcnow() - dt.timedelta(days=3))])
    session.commit()
    assert tasks.send_one(sessions, settings, open_window.id) == "sent"
    assert tasks.send_one(sessions, settings, closed_window.id) == "sent"
    session.rollback()
    first, second = session.scalars(select(CsatSurvey).order_by(CsatSurvey.id))
    assert (first.channel, first.address) == ("facebook", "psid-1")
    message = session.get(ChatMessage, first.chat_message_id)
    assert message is not None and "/survey/" in message.text
    assert "Balas dengan angka" not in message.text  # a digit is only taken on WhatsApp
    assert second.channel == "email" and second.skip_reason.startswith("facebook:")


def test_results_page_queries_do_not_grow_with_the_rows(app: object, client: TestClient,
                                                        session: Session) -> None:
    from typing import Any

    from sqlalchemy import event

    world = floor(session)
    who = actor(session, world.agent_a)

    def surveys(n: int, day: int) -> None:
        for i in range(n):
            ticket = new_ticket(session, who, world.customer)
            ticket.team_id = world.team_a.id
            session.add(CsatSurvey(ticket_id=ticket.id, customer_id=world.customer.id,
                                   resolved_at=dt.datetime(2026, day, 5, 9, i, tzinfo=WIB),
                                   channel="email", status="answered", score=1 + i % 5,
                                   comment=f"c{i}"))
        session.commit()

    surveys(2, 10)
    surveys(12, 11)
    factories.login(client, world.spv.login_code)
    statements: list[str] = []

    def listener(*args: Any) -> None:
        statements.append(args[2])

    counts = []
    engine = app.state.engine  # type: ignore[attr-defined]
    for month in ("2026-10", "2026-11"):
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/reports/csat?month={month}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
