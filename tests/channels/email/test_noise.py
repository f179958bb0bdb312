"""Mail that must open no ticket and get no automatic answer: loops and noise."""

from __future__ import annotations

import dataclasses

import pytest

from sigap.channels.email.noise import noise_reason
from sigap.channels.email.parser import ParsedEmail, parse
from tests.channels.email import corpus

OWN = {"care@sigap.test", "noreply@sigap.test"}


@pytest.mark.parametrize("raw", [
    corpus.plain(), corpus.indonesian(), corpus.alternative(), corpus.reply("<t1@sigap.test>"),
    corpus.nested_with_attachments("outlook"), corpus.non_utf8("gb2312"),
    corpus.forwarded(corpus.plain()), corpus.plain(headers={"Precedence": "first-class"}),
    corpus.plain(headers={"Auto-Submitted": "no"}), corpus.plain(headers={"Auto-Submitted": "No"}),
    corpus.plain(headers={"Return-Path": "<budi@pelanggan.co.id>"}),
], ids=["plain", "indonesian", "alternative", "reply", "nested", "gb2312", "forwarded",
        "precedence-first-class", "auto-submitted-no", "auto-submitted-No", "return-path"])
def test_a_customers_mail_is_not_noise(raw: bytes) -> None:
    assert noise_reason(parse(raw), OWN) is None


@pytest.mark.parametrize("value", ["auto-replied", "auto-generated", "auto-notified",
                                   "Auto-Replied"])
def test_auto_submitted(value: str) -> None:
    assert noise_reason(parse(corpus.plain(headers={"Auto-Submitted": value})), OWN) \
        == "auto-submitted"


def test_a_vacation_auto_reply() -> None:
    assert noise_reason(parse(corpus.auto_reply()), OWN) == "auto-submitted"


@pytest.mark.parametrize("value", ["All", "AutoReply", "OOF", "DR", "NDR", "RN", "NRN",
                                   "OOF, AutoReply", "DR, RN, NRN, OOF, AutoReply", "apa saja"])
def test_an_out_of_office_with_x_auto_response_suppress(value: str) -> None:
    assert noise_reason(parse(corpus.out_of_office(suppress=value)), OWN) \
        == "auto-response-suppress"


@pytest.mark.parametrize("value", ["bulk", "junk", "list", "Bulk", "JUNK"])
def test_precedence(value: str) -> None:
    assert noise_reason(parse(corpus.plain(headers={"Precedence": value})), OWN) == "precedence"


def test_a_newsletter_sent_as_bulk() -> None:
    assert noise_reason(parse(corpus.bulk()), OWN) == "precedence"


def test_a_mailing_list_message() -> None:
    assert noise_reason(parse(corpus.mailing_list()), OWN) == "list"


def test_a_real_bounce_is_noise() -> None:
    # Postfix marks its DSNs Auto-Submitted, the first rule to match.
    assert noise_reason(parse(corpus.bounce_dsn()), OWN) == "auto-submitted"


@pytest.mark.parametrize("raw", [
    corpus.bounce_dsn(null_return_path=False, auto_submitted=False,
                      sender="Pengiriman <notifikasi@mx.contoh.id>"),
    corpus.plain(headers={"Return-Path": "<>"}),
    corpus.plain(headers={"Return-Path": "  <>  "}),
    corpus.plain(sender="MAILER-DAEMON@mx.contoh.id"),
    corpus.plain(sender="mailer-daemon@mx.contoh.id"),
    corpus.plain(sender="postmaster@contoh.id"),
    corpus.bounce_dsn(null_return_path=False, auto_submitted=False),
], ids=["report-type", "null-return-path", "null-return-path-spaces", "MAILER-DAEMON",
        "mailer-daemon", "postmaster", "dsn-from-mailer-daemon"])
def test_bounces(raw: bytes) -> None:
    assert noise_reason(parse(raw), OWN) == "bounce"


def test_a_read_receipt_report_is_not_a_bounce() -> None:
    raw = (b"From: Sari <sari@contoh.id>\r\nTo: care@sigap.test\r\nSubject: Dibaca: Tiket 7\r\n"
           b"Message-ID: <mdn-1@contoh.id>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report;"
           b" report-type=disposition-notification; boundary=m\r\n\r\n--m\r\n"
           b"Content-Type: text/plain\r\n\r\nPesan Anda sudah dibaca.\r\n--m\r\n"
           b"Content-Type: message/disposition-notification\r\n\r\n"
           b"Final-Recipient: rfc822; sari@contoh.id\r\n"
           b"Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--m--\r\n")
    mail = parse(raw)
    assert mail.report_type == "disposition-notification"
    assert noise_reason(mail, OWN) is None


@pytest.mark.parametrize("sender, own", [
    ("care@sigap.test", OWN),
    ("Care@Sigap.TEST", OWN),
    ("noreply@sigap.test", {"NoReply@Sigap.Test"}),
])
def test_our_own_address(sender: str, own: set[str]) -> None:
    assert noise_reason(parse(corpus.plain(sender=sender)), own) == "own-address"


def test_own_addresses_may_be_any_collection() -> None:
    mail = parse(corpus.plain(sender="care@sigap.test"))
    assert noise_reason(mail, ["CARE@sigap.test"]) == "own-address"
    assert noise_reason(mail, frozenset()) is None
    assert noise_reason(mail, ()) is None


def _mail(**changes: str) -> ParsedEmail:
    return dataclasses.replace(parse(corpus.plain(sender="budi@pelanggan.co.id")), **changes)


def test_rules_on_the_parsed_fields() -> None:
    assert noise_reason(_mail(), OWN) is None
    assert noise_reason(_mail(auto_submitted="auto-generated"), OWN) == "auto-submitted"
    assert noise_reason(_mail(x_auto_response_suppress="   "), OWN) is None
    assert noise_reason(_mail(precedence="first-class"), OWN) is None
    assert noise_reason(_mail(list_id="<promo.telkom.id>"), OWN) == "list"
    assert noise_reason(_mail(content_type="multipart/report", report_type="delivery-status"),
                        OWN) == "bounce"
    assert noise_reason(_mail(return_path="<>"), OWN) == "bounce"
    assert noise_reason(_mail(from_address="postmaster@contoh.id"), OWN) == "bounce"
    assert noise_reason(_mail(from_address=""), OWN) is None
