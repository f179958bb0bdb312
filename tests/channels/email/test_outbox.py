"""The outbox over a real SMTP server (aiosmtpd): sent once, retried after a failure."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.email import outbox, reply
from sigap.channels.email.models import EmailMessage, SendState
from sigap.core.clock import utcnow
from tests.channels.email.helpers import mail, mailbox
from tests.channels.email.mailservers import SmtpSink
from tests.tickets.helpers import actor, floor


def _queued(session: Session, sink: SmtpSink) -> int:
    from sigap.channels.email import inbox

    world = floor(session)
    box = mailbox(session, team=world.team_a, smtp_host=sink.host, smtp_port=sink.port,
                  smtp_security="none")
    outcome = inbox.ingest(session, box, mail()[0])
    assert outcome.ticket_id is not None
    row = reply.queue_reply(session, actor(session, world.agent_a), outcome.ticket_id,
                            "Tim teknisi kami menuju lokasi.", kind="periodic_update")
    session.commit()
    return row.id


def test_queued_mail_is_sent_once(session: Session, sessions: sessionmaker[Session],
                                  smtp_sink: SmtpSink) -> None:
    email_id = _queued(session, smtp_sink)
    report = outbox.send_due(sessions)
    assert report.sent == 1
    assert outbox.send_due(sessions).sent == 0  # nothing twice
    assert len(smtp_sink.messages) == 1
    received = message_from_bytes(smtp_sink.messages[0].raw, policy=default)
    session.expire_all()
    row = session.get(EmailMessage, email_id)
    assert row is not None and row.send_state == SendState.sent and row.delivered_at
    assert received["Message-ID"] == row.message_id
    assert "Tim teknisi kami menuju lokasi." in received.get_content()


def test_temporary_failure_is_retried_later_without_a_double_send(
        session: Session, sessions: sessionmaker[Session], smtp_sink: SmtpSink) -> None:
    email_id = _queued(session, smtp_sink)
    smtp_sink.fail_next(1)
    report = outbox.send_due(sessions)
    assert (report.sent, report.retried) == (0, 1)
    session.expire_all()
    row = session.get(EmailMessage, email_id)
    assert row is not None and row.send_state == SendState.queued and row.attempts == 1
    assert row.next_attempt_at is not None and row.next_attempt_at > utcnow()
    assert "451" in row.last_error
    assert outbox.send_due(sessions).sent == 0  # not due yet
    row.next_attempt_at = utcnow()
    session.commit()
    assert outbox.send_due(sessions).sent == 1
    assert outbox.send_due(sessions).sent == 0
    assert len(smtp_sink.messages) == 1


def test_a_send_cut_off_midway_is_not_repeated_blindly(
        session: Session, sessions: sessionmaker[Session], smtp_sink: SmtpSink) -> None:
    email_id = _queued(session, smtp_sink)
    row = session.get(EmailMessage, email_id)
    assert row is not None
    row.send_state = SendState.sending  # a worker died after claiming it
    row.claimed_at = utcnow() - outbox.STALE_AFTER * 2
    session.commit()
    assert outbox.send_due(sessions).sent == 0
    session.expire_all()
    row = session.get(EmailMessage, email_id)
    assert row is not None and row.send_state == SendState.failed
    assert "tidak pasti" in row.last_error
    assert smtp_sink.messages == []
    outbox.requeue(session, email_id)
    session.commit()
    assert outbox.send_due(sessions).sent == 1


def test_permanent_refusal_fails_without_retry(session: Session,
                                               sessions: sessionmaker[Session],
                                               smtp_sink: SmtpSink) -> None:
    email_id = _queued(session, smtp_sink)
    smtp_sink.fail_next(1, code=554)
    assert outbox.send_due(sessions).failed == 1
    session.expire_all()
    row = session.get(EmailMessage, email_id)
    assert row is not None and row.send_state == SendState.failed and row.attempts == 1
