"""Real-world-shaped raw mail (CRLF bytes as MTAs deliver them), for tests and the benchmark."""

from __future__ import annotations

import base64
import io
import itertools
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

_n = itertools.count(1)

WINDOWS_PATH = r"C:\Users\budi\Documents\Tagihan Juni\rekap\n_2026.xlsx"
INDONESIAN = ("Selamat pagi,\n\nInternet IndiHome saya mati sejak kemarin sore. Lampu LOS "
              "berkedip merah. Mohon bantuannya, nomor layanan 131234567890.\n\n"
              "Terima kasih,\nBudi Santoso")
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + b"\x00" * 64 + \
    bytes.fromhex("ffd9")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _msgid() -> str:
    return make_msgid(idstring=f"c{next(_n)}", domain="pelanggan.co.id")


def _head(msg: EmailMessage, sender: str, subject: str, message_id: str | None,
          to: str = "care@sigap.test") -> None:
    msg["From"] = f"Budi Santoso <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 08:15:00 +0700"
    if message_id is not None:
        msg["Message-ID"] = message_id


def plain(body: str = INDONESIAN, *, sender: str = "budi@pelanggan.co.id",
          subject: str = "Internet mati", message_id: str | None = "", charset: str = "utf-8",
          cte: str | None = None) -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, sender, subject, _msgid() if message_id == "" else message_id)
    msg.set_content(body, charset=charset, cte=cte)
    return msg.as_bytes()


def alternative(*, sender: str = "budi@pelanggan.co.id", subject: str = "Tagihan") -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, sender, subject, _msgid())
    msg.set_content("Tagihan bulan Juni naik.\n")
    msg.add_alternative("<html><body><p>Tagihan bulan <b>Juni</b> naik.</p></body></html>",
                        subtype="html")
    return msg.as_bytes()


def html_only(html: str, *, sender: str = "budi@pelanggan.co.id") -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, sender, "HTML saja", _msgid())
    msg.set_content(html, subtype="html")
    return msg.as_bytes()


def nested_with_attachments(*, sender: str = "budi@pelanggan.co.id") -> bytes:
    """mixed > (related > (alternative > plain + html) + inline jpeg) + xlsx + pdf."""
    msg = EmailMessage(policy=SMTP)
    _head(msg, sender, "Foto modem dan tagihan", _msgid())
    msg.set_content("Terlampir foto modem dan tagihan.\n")
    msg.add_alternative('<p>Terlampir foto modem:</p><img src="cid:modem@budi" alt="modem">',
                        subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(JPEG, maintype="image", subtype="jpeg", cid="<modem@budi>")
    msg.add_attachment(xlsx(), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       filename="Tagihan Juni.xlsx")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="surat.pdf")
    return msg.as_bytes()


def windows_path(cte: str) -> bytes:
    """A Windows path with backslashes in a quoted-printable, base64 or 8bit body."""
    body = f"File ada di {WINDOWS_PATH}\tdan\\\\server\\share\\ \n"
    if cte == "8bit":
        return (b"From: budi@pelanggan.co.id\r\nTo: care@sigap.test\r\nSubject: Path\r\n"
                b"Message-ID: <path8@pelanggan.co.id>\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
                b"\r\n" + body.replace("\n", "\r\n").encode())
    return plain(body, cte=cte, subject="Path")


def non_utf8(text: str, charset: str) -> bytes:
    """A body in another charset, written by hand the way such mailers do."""
    encoded = base64.b64encode(text.encode(charset)).decode()
    return (f"From: sender@contoh.id\r\nTo: care@sigap.test\r\nSubject: charset {charset}\r\n"
            f"Message-ID: <{charset}-{next(_n)}@contoh.id>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset={charset}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n").encode()


def unknown_charset() -> bytes:
    return (b"From: sender@contoh.id\r\nTo: care@sigap.test\r\n"
            b"Subject: =?x-unknown-foo?Q?Halo?=\r\nMessage-ID: <unk@contoh.id>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown-foo\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n"
            b"Isi dengan byte aneh \xff\xfe\x81 di sini.\r\n")


def empty_body() -> bytes:
    return (b"From: sender@contoh.id\r\nTo: care@sigap.test\r\nSubject: kosong\r\n"
            b"Message-ID: <empty@contoh.id>\r\n\r\n")


def no_message_id() -> bytes:
    return plain("Tanpa Message-ID.", message_id=None)


def huge_attachment(size: int) -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, "budi@pelanggan.co.id", "Log besar", _msgid())
    msg.set_content("Log terlampir.")
    msg.add_attachment(bytes(range(256)) * (size // 256), maintype="application",
                       subtype="octet-stream", filename="log.bin")
    return msg.as_bytes()


def with_headers(headers: dict[str, str], **kwargs: str) -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, kwargs.get("sender", "budi@pelanggan.co.id"), kwargs.get("subject", "Halo"),
          _msgid())
    for key, value in headers.items():
        msg[key] = value
    msg.set_content("Isi.")
    return msg.as_bytes()


def bounce_dsn(original: bytes) -> bytes:
    boundary = "dsn-boundary-42"
    return (f"From: Mail Delivery System <MAILER-DAEMON@mx.sigap.test>\r\n"
            f"To: care@sigap.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            f"Message-ID: <dsn-{next(_n)}@mx.sigap.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/report; report-type=delivery-status;\r\n"
            f" boundary=\"{boundary}\"\r\n\r\n--{boundary}\r\n"
            f"Content-Type: text/plain\r\n\r\nPesan tidak dapat dikirim.\r\n--{boundary}\r\n"
            f"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.sigap.test\r\n"
            f"\r\nFinal-Recipient: rfc822; hilang@contoh.id\r\nAction: failed\r\n"
            f"Status: 5.1.1\r\n\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
            ).encode() + original + f"\r\n--{boundary}--\r\n".encode()


def reply(parent: str, references: tuple[str, ...] = (), subject: str = "Re: Internet mati",
          sender: str = "budi@pelanggan.co.id", with_in_reply_to: bool = True) -> bytes:
    msg = EmailMessage(policy=SMTP)
    _head(msg, sender, subject, _msgid())
    if with_in_reply_to:
        msg["In-Reply-To"] = parent
    msg["References"] = " ".join((*references, parent))
    msg.set_content("Masih mati sampai sekarang.")
    return msg.as_bytes()


GARBAGE: dict[str, bytes] = {
    "random": bytes((i * 37 + 11) % 256 for i in range(2048)),
    "zip": xlsx(),
    "pdf": PDF,
    "text without headers": b"Halo, ini cuma teks biasa tanpa header.\r\nBaris dua.\r\n",
    "empty": b"",
    "whitespace": b"\r\n\r\n  \r\n",
}
