"""Parsing real-world-shaped mail exactly, and never crashing on anything else."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigap.channels.email.noise import noise_reason
from sigap.channels.email.parser import UnparseableEmail, html_to_text, parse
from tests.channels.email import corpus


def test_plain_indonesian_mail() -> None:
    mail = parse(corpus.plain())
    assert mail.text == corpus.INDONESIAN + "\n"
    assert mail.from_address == "budi@pelanggan.co.id" and mail.from_name == "Budi Santoso"
    assert mail.to == ("care@sigap.test",) and mail.subject == "Internet mati"
    assert mail.message_id and mail.message_id.startswith("<")
    assert mail.date is not None and mail.date.utcoffset() is not None
    assert mail.date.hour == 1 and mail.date.minute == 15  # 08:15 WIB = 01:15 UTC
    assert mail.html is None and mail.attachments == () and mail.defects == ()


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_backslashes_and_tabs_survive_every_transfer_encoding(cte: str) -> None:
    mail = parse(corpus.windows_path(cte))
    assert corpus.WINDOWS_PATH in mail.text
    assert "\tdan\\\\server\\share\\ \n" in mail.text


def test_alternative_keeps_both_parts() -> None:
    mail = parse(corpus.alternative())
    assert mail.text == "Tagihan bulan Juni naik.\n"
    assert mail.html is not None and "<b>Juni</b>" in mail.html


def test_html_only_becomes_readable_text_and_the_html_is_kept() -> None:
    html = ("<html><head><style>p{color:red}</style><title>x</title></head><body>"
            "<h1>Info&nbsp;Tagihan</h1><p>Yth. Bapak,<br>tagihan Anda &amp; denda:</p>"
            "<ul><li>Juni</li><li>Juli</li></ul><p>Lihat <a href='https://my.telkom.id'>"
            "portal</a> atau <a href='mailto:care@telkom.id'>care@telkom.id</a></p>"
            "<script>alert(1)</script></body></html>")
    mail = parse(corpus.html_only(html))
    assert mail.html == html + "\n"
    assert "<" not in mail.text and "alert" not in mail.text and "color" not in mail.text
    assert "Info\xa0Tagihan" in mail.text or "Info Tagihan" in mail.text
    assert "Yth. Bapak,\ntagihan Anda & denda:" in mail.text
    assert "- Juni\n" in mail.text and "- Juli" in mail.text
    assert "portal (https://my.telkom.id)" in mail.text
    assert "care@telkom.id (mailto" not in mail.text


def test_nested_multipart_with_inline_image_and_attachments() -> None:
    mail = parse(corpus.nested_with_attachments())
    assert mail.text == "Terlampir foto modem dan tagihan.\n"
    assert mail.html is not None and "cid:modem@budi" in mail.html
    by_name = {a.filename: a for a in mail.attachments}
    image = next(a for a in mail.attachments if a.content_type == "image/jpeg")
    assert image.inline and image.content_id == "modem@budi" and image.data == corpus.JPEG
    sheet = by_name["Tagihan Juni.xlsx"]
    assert not sheet.inline and sheet.data == corpus.xlsx()
    assert by_name["surat.pdf"].data == corpus.PDF
    assert by_name["surat.pdf"].content_type == "application/pdf"


@pytest.mark.parametrize("text, charset", [
    ("Keluhan pelanggan: café, naïve, 50€", "windows-1252"),
    ("Tagihan é à ü", "iso-8859-1"),
    ("网络中断，请尽快处理", "gb2312"),
    ("インターネットが切れました", "iso-2022-jp"),
    ("Интернет не работает", "koi8-r"),
    ("Pelanggan menulis dengan UTF-8: ✓ ü 网络", "utf-8"),
])
def test_charsets_decode_to_the_senders_text(text: str, charset: str) -> None:
    mail = parse(corpus.non_utf8(text, charset))
    assert mail.text.strip() == text and mail.defects == ()


def test_unknown_charset_is_read_with_replacement_and_a_note() -> None:
    mail = parse(corpus.unknown_charset())
    assert "Isi dengan byte aneh" in mail.text and "di sini." in mail.text
    assert "\ufffd" in mail.text
    assert any("x-unknown-foo" in d for d in mail.defects)
    assert "Halo" in mail.subject or mail.subject  # the subject is kept, never a crash


def test_empty_body_and_missing_message_id() -> None:
    assert parse(corpus.empty_body()).text == ""
    assert parse(corpus.no_message_id()).message_id is None


def test_threading_headers_are_normalised() -> None:
    mail = parse(corpus.reply("<p1@a>", ("<r0@a>", "<p1@a>")))
    assert mail.in_reply_to == "<p1@a>" and mail.references == ("<r0@a>", "<p1@a>")
    bare = parse(b"From: a@b.id\r\nIn-Reply-To: p2@a\r\nReferences: <x@a>\r\n  <y@a>\r\n\r\nhi")
    assert bare.in_reply_to == "<p2@a>" and bare.references == ("<x@a>", "<y@a>")


def test_a_huge_attachment_arrives_whole() -> None:
    size = 8 * 1024 * 1024
    mail = parse(corpus.huge_attachment(size))
    assert len(mail.attachments[0].data) == size


def test_forwarded_message_is_an_attachment() -> None:
    original = corpus.plain("Pesan asli.")
    mail = parse(corpus.bounce_dsn(original))
    assert mail.content_type == "multipart/report" and mail.report_type == "delivery-status"
    names = [a.filename for a in mail.attachments]
    assert "pesan-terlampir.eml" in names


@pytest.mark.parametrize("name", sorted(corpus.GARBAGE))
def test_garbage_is_refused_with_a_reason(name: str) -> None:
    with pytest.raises(UnparseableEmail) as caught:
        parse(corpus.GARBAGE[name])
    assert caught.value.reason


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    with contextlib.suppress(UnparseableEmail):
        parse(raw)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000), st.sampled_from(["text/plain", "multipart/mixed; boundary=x",
                                                  "text/html; charset=bogus", "message/rfc822"]))
def test_arbitrary_bodies_after_valid_headers_never_crash(body: bytes, ctype: str) -> None:
    head = (f"From: a@b.id\r\nSubject: =?utf-8?B?{'x' * 3}?=\r\nContent-Type: {ctype}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode()
    mail = parse(head + body)
    assert mail.from_address == "a@b.id"


def test_html_to_text_handles_broken_markup() -> None:
    assert html_to_text("<p>satu<p>dua</div></span><b>tiga") == "satu\ndua\ntiga"


def test_noise_rules() -> None:
    own = {"care@sigap.test"}
    assert noise_reason(parse(corpus.plain()), own) is None
    cases = {
        "auto-submitted": {"Auto-Submitted": "auto-generated"},
        "auto-response-suppress": {"X-Auto-Response-Suppress": "OOF, AutoReply"},
        "precedence": {"Precedence": "junk"},
        "list": {"List-Id": "Promo <promo.telkom.id>"},
        "bounce": {"Return-Path": "<>"},
    }
    for reason, headers in cases.items():
        assert noise_reason(parse(corpus.with_headers(headers)), own) == reason
    assert noise_reason(parse(corpus.with_headers({"Auto-Submitted": "no"})), own) is None
    assert noise_reason(parse(corpus.bounce_dsn(corpus.plain())), own) == "bounce"
    mine = parse(corpus.with_headers({}, sender="Care@Sigap.TEST"))
    assert noise_reason(mine, own) == "own-address"


def test_parse_rate() -> None:
    samples = [corpus.plain(), corpus.alternative(), corpus.reply("<p@a>")] * 300
    start = time.perf_counter()
    for raw in samples:
        parse(raw)
    rate = len(samples) / (time.perf_counter() - start)
    print(f"parsed {rate:,.0f} messages/s")
    assert rate > 300


def test_raw_utf8_headers_and_an_empty_message_id() -> None:
    raw = ("From: Budi Śantoso <budi@x.id>\r\nSubject: Tagihan naïve 网络\r\n"
           "Message-ID: <>\r\n\r\nhi").encode()
    mail = parse(raw)
    assert mail.subject == "Tagihan naïve 网络" and mail.from_name == "Budi Śantoso"
    assert mail.message_id is None


def test_codecs_that_are_no_charset_and_supersets() -> None:
    for charset in ("unicode-escape", "base64", "rot13"):
        raw = (f"From: a@b.id\r\nSubject: x\r\nContent-Type: text/plain; charset={charset}\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + \
            rb"C:\Users\budi\tagihan.xlsx"
        mail = parse(raw)
        assert mail.text == r"C:\Users\budi\tagihan.xlsx" and mail.defects
    gbk = "网络中断，请尽快处理 镕"  # the last one is GBK, not GB2312
    mail = parse(corpus.non_utf8(gbk, "gbk").replace(b"charset=gbk", b"charset=gb2312"))
    assert mail.text.strip() == gbk


def test_every_inline_text_part_of_a_mixed_message() -> None:
    raw = (b"From: a@b.id\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nBagian satu.\r\n"
           b"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=a.png"
           b"\r\n\r\nPNG\r\n"
           b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\n"
           b"Bagian dua.\r\n--b--\r\n")
    mail = parse(raw)
    assert "Bagian satu." in mail.text and "Bagian dua." in mail.text
    assert [a.filename for a in mail.attachments] == ["a.png"]
