"""The mail-server fixtures themselves: real Dovecot over IMAP and the aiosmtpd sink."""

from __future__ import annotations

import os
import smtplib

import pytest
from imapclient import IMAPClient

from tests.channels.email.mailservers import Dovecot, ImapAccount, SmtpSink

PLAIN = (
    b"From: Budi <budi@pelanggan.co.id>\r\n"
    b"To: cs@sigap.example\r\n"
    b"Subject: Lampiran laporan\r\n"
    b"Message-ID: <plain-1@pelanggan.co.id>\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"File ada di C:\\Users\\budi\\file.xlsx dan \\\\server\\share\\x.doc\r\n"
)
EIGHT_BIT = (
    b"From: Sari <sari@pelanggan.co.id>\r\n"
    b"To: cs@sigap.example\r\n"
    b"Subject: =?utf-8?q?Tagihan_=E2=82=AC?=\r\n"
    b"Message-ID: <utf8-1@pelanggan.co.id>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    + "Tagihan bulan ini salah: €1.250.000 — mohon dicek. Terima kasih 🙏\r\n".encode()
)


def _fetch_all(account: ImapAccount) -> dict[int, bytes]:
    with IMAPClient(account.host, port=account.port, ssl=False, timeout=30) as client:
        client.login(account.user, account.password)
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        return {int(uid): bytes(data[b"BODY[]"])
                for uid, data in client.fetch(uids, ["BODY.PEEK[]"]).items()}


def test_appended_mail_reads_back_byte_for_byte_by_uid(imap_account: ImapAccount) -> None:
    first = imap_account.append(PLAIN)
    second = imap_account.append(EIGHT_BIT)

    uids = imap_account.uids()
    assert len(uids) == 2 and uids[0] < uids[1]
    assert [first, second] == uids
    bodies = _fetch_all(imap_account)
    assert bodies[uids[0]] == PLAIN
    assert bodies[uids[1]] == EIGHT_BIT
    assert "€1.250.000".encode() in bodies[uids[1]]
    assert b"C:\\Users\\budi\\file.xlsx" in bodies[uids[0]]


def test_uidvalidity_is_stable_across_connections(imap_account: ImapAccount) -> None:
    imap_account.append(PLAIN)
    assert imap_account.uidvalidity() == imap_account.uidvalidity() > 0


def test_flags_can_be_set_and_mail_cleared(imap_account: ImapAccount) -> None:
    uid = imap_account.append(PLAIN, flags=(b"\\Flagged",))
    assert uid is not None
    with IMAPClient(imap_account.host, port=imap_account.port, ssl=False) as client:
        client.login(imap_account.user, imap_account.password)
        client.select_folder("INBOX")
        client.add_flags([uid], [b"\\Seen"])

    assert set(imap_account.flags()[uid]) == {b"\\Seen", b"\\Flagged"}
    imap_account.clear()
    assert imap_account.uids() == []


def test_users_do_not_see_each_others_mail(dovecot: Dovecot,
                                           imap_account: ImapAccount) -> None:
    other = ImapAccount(dovecot)
    dovecot.add_user(other.user, other.password)
    imap_account.append(PLAIN)
    other.create_folder("Sigap")
    other.append(EIGHT_BIT, folder="Sigap")

    assert len(imap_account.uids()) == 1
    assert other.uids() == [] and len(other.uids("Sigap")) == 1


def test_dovecot_is_a_child_of_this_worker(dovecot: Dovecot) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert dovecot.host == "127.0.0.1"
    assert dovecot.process is not None and dovecot.process.poll() is None, worker
    with open(f"/proc/{dovecot.process.pid}/stat") as stat:
        assert int(stat.read().rsplit(")", 1)[1].split()[1]) == os.getpid()


def test_smtp_sink_stores_mail_and_fails_on_request(smtp_sink: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        smtp.sendmail("cs@sigap.example", ["budi@pelanggan.co.id"], PLAIN)
    assert len(smtp_sink.messages) == 1
    stored = smtp_sink.messages[0]
    assert stored.sender == "cs@sigap.example"
    assert stored.recipients == ["budi@pelanggan.co.id"]
    assert stored.raw == PLAIN

    smtp_sink.fail_next(1)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            smtp.sendmail("cs@sigap.example", ["sari@pelanggan.co.id"], EIGHT_BIT)
        assert refused.value.smtp_code == 451
        smtp.sendmail("cs@sigap.example", ["sari@pelanggan.co.id"], EIGHT_BIT)
    assert len(smtp_sink.messages) == 2
    assert smtp_sink.messages[1].recipients == ["sari@pelanggan.co.id"]
