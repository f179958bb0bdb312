"""Answers on Facebook and X go out through their adapters, each by its own rules."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels import outbox
from sigap.channels.base import Endpoint
from sigap.channels.models import ChatMessage, Conversation
from sigap.core.clock import utcnow
from tests import factories
from tests.channels.social.x_server import FakeX
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.tickets.helpers import floor


def _thread(session: Session, channel: str, kind: str, provider_id: str,
            hours_ago: float = 1, contact: str = "USER9") -> Conversation:
    conversation = Conversation(channel=channel, account="ACC1", contact=contact,
                                last_inbound_at=utcnow() - dt.timedelta(hours=hours_ago))
    session.add(conversation)
    session.flush()
    session.add(ChatMessage(channel=channel, provider_id=provider_id,
                            conversation_id=conversation.id, direction="inbound",
                            at=utcnow() - dt.timedelta(hours=hours_ago), kind=kind,
                            text="Internet mati"))
    session.commit()
    return conversation


def test_facebook_messenger_within_the_window_and_comment_replies(
        client: TestClient, session: Session, sessions: sessionmaker[Session]) -> None:
    world = floor(session)
    chat = _thread(session, "facebook", "text", "m_in1")
    old_chat = _thread(session, "facebook", "text", "m_in2", hours_ago=30, contact="USER8")
    comment = _thread(session, "facebook", "comment", "c_77", hours_ago=30, contact="USER7")
    auth = factories.token(client, world.agent_a.login_code)

    def answer(conversation: Conversation, text: str) -> int:
        return client.post(f"/api/conversations/{conversation.id}/messages", headers=auth,
                           json={"text": text}).status_code

    assert answer(chat, "Kami cek ya") == 201
    assert answer(old_chat, "Halo lagi") == 422
    assert answer(comment, "Mohon DM nomor layanan Anda") == 201
    graph = FakeGraph("page-token")
    graph.start()
    try:
        report = outbox.send_due(sessions, {"facebook": Endpoint(graph.base, "page-token")})
    finally:
        graph.stop()
    assert (report.sent, report.failed) == (2, 0)
    by_path = {s["path"]: s for s in graph.sent}
    assert by_path["/ACC1/messages"]["recipient"] == {"id": "USER9"}
    assert by_path["/ACC1/messages"]["message"] == {"text": "Kami cek ya"}
    assert by_path["/c_77/comments"]["message"] == "Mohon DM nomor layanan Anda"
    session.rollback()
    sent = {m.kind: m for m in session.scalars(select(ChatMessage).where(
        ChatMessage.direction == "outbound"))}
    assert sent["text"].provider_id.startswith("m_out") and sent["text"].status == "sent"
    assert sent["comment_reply"].provider_id.startswith("c_77_reply")


def test_x_replies_to_mentions_and_answers_direct_messages(
        client: TestClient, session: Session, sessions: sessionmaker[Session]) -> None:
    world = floor(session)
    mention = _thread(session, "x", "mention", "tweet:900")
    dm = _thread(session, "x", "direct_message", "dm:dm1", contact="USER8")
    auth = factories.token(client, world.agent_a.login_code)
    too_long = client.post(f"/api/conversations/{mention.id}/messages", headers=auth,
                           json={"text": "x" * 281})
    assert too_long.status_code == 422 and too_long.json()["field"] == "text"
    for conversation, text in ((mention, "Mohon maaf, kami bantu via DM."),
                               (dm, "Nomor layanan Anda sudah kami cek.")):
        assert client.post(f"/api/conversations/{conversation.id}/messages", headers=auth,
                           json={"text": text}).status_code == 201
    api = FakeX("x-token")
    api.start()
    try:
        report = outbox.send_due(sessions, {"x": Endpoint(api.base, "x-token")})
    finally:
        api.stop()
    assert report.sent == 2
    tweet = next(s for s in api.sent if s["path"] == "/2/tweets")
    assert tweet["reply"] == {"in_reply_to_tweet_id": "900"}
    message = next(s for s in api.sent if s["path"].startswith("/2/dm_conversations"))
    assert message["path"] == "/2/dm_conversations/with/USER8/messages"
    session.rollback()
    ids = sorted(m.provider_id for m in session.scalars(select(ChatMessage).where(
        ChatMessage.direction == "outbound")))
    assert ids[0].startswith("dm:dme") and ids[1].startswith("tweet:15")
