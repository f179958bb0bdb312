"""Fixtures with real mail servers; a missing server fails the test, never skips it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.channels.email.mailservers import Dovecot, ImapAccount, SmtpSink

__all__ = ["ImapAccount"]


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    try:
        server = Dovecot()
        server.start()
    except RuntimeError as exc:
        pytest.fail(f"IMAP tests need Dovecot: {exc}")
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    account = ImapAccount(dovecot)
    dovecot.add_user(account.user, account.password)
    return account


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
