"""One raw RFC 5322 message → its parts, never crashing on what real mail looks like.

Pure: no I/O, no database. Bodies are decoded exactly (quoted-printable, base64, 8bit),
only CRLF becomes LF; unknown or wrong charsets decode with replacement characters and a
note in `defects`. Only bytes that are not a mail at all raise `UnparseableEmail`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from sigap.channels.email.html import html_to_text

_HEADER_LINE = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)  # a field name, then a colon
_KNOWN_HEADERS = ("from", "sender", "date", "message-id", "subject", "to")
_MSGID = re.compile(r"<[^<>\s]+>")
# compat32 leaves headers as text: the default policy's header objects cost about five
# times the parse itself, and only a handful of headers are needed, decoded below.
_PARSER = BytesParser(policy=policy.compat32)
# Python codecs that decode bytes but are no character set of mail (escapes, IDNA…).
_NOT_CHARSETS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
# Mailers label text with a charset and write its superset: read with the superset.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "iso-8859-1": "cp1252",
              "latin1": "cp1252", "ks_c_5601-1987": "cp949", "euc-kr": "cp949"}

__all__ = ["Attachment", "ParsedEmail", "UnparseableEmail", "html_to_text", "parse"]


class UnparseableEmail(ValueError):
    """The bytes are not an email message at all."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content_id: str | None
    inline: bool
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    date: dt.datetime | None
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    auto_submitted: str
    x_auto_response_suppress: str
    precedence: str
    list_id: str
    content_type: str
    report_type: str
    return_path: str
    defects: tuple[str, ...]


def _text(value: object) -> str:
    """A raw header value as str; 8-bit bytes in it (surrogate-escaped) read as UTF-8."""
    text = str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _words(value: str, defects: list[str], name: str) -> str:
    """Decode RFC 2047 encoded-words; an unknown charset reads with replacement."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, UnicodeError, ValueError, AssertionError):
        defects.append(f"header {name}: charset tidak dikenal; dibaca dengan pengganti")
        parts = []
        for chunk, charset in decode_header(value):
            if isinstance(chunk, bytes):
                try:
                    parts.append(chunk.decode(charset or "utf-8", "replace"))
                except LookupError:
                    parts.append(chunk.decode("utf-8", "replace"))
            else:
                parts.append(chunk)
        return "".join(parts)


def _raw(msg: Message, name: str) -> list[str]:
    """A header's values as received (8-bit bytes still surrogate-escaped): compat32 would
    hand them back as a Header that has already replaced them."""
    wanted = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == wanted]


def _header(msg: Message, name: str, defects: list[str], decode: bool = True) -> str:
    """A header as text (encoded-words decoded unless `decode` is False)."""
    values = _raw(msg, name)
    if not values:
        return ""
    text = " ".join(_text(values[0]).split())
    return _words(text, defects, name) if decode else text


def _ids(text: str) -> list[str]:
    found = _MSGID.findall(text)
    bare = text.strip().strip("<>")
    if not found and bare and " " not in bare:
        found = [f"<{bare}>"]
    return found


def _addresses(msg: Message, name: str, defects: list[str]) -> list[tuple[str, str]]:
    values = [_text(v) for v in _raw(msg, name)]
    try:
        pairs = getaddresses(values)
    except Exception:  # a mangled address list must not lose the mail
        defects.append(f"alamat {name} tidak terbaca")
        return []
    return [(_words(n, defects, name).strip(), a.strip().lower())
            for n, a in pairs if a and "@" in a]


def _decode(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "us-ascii").strip().strip('"').lower()
    charset = _SUPERSETS.get(charset, charset)
    try:
        info = codecs.lookup(charset)
        known = getattr(info, "_is_text_encoding", True) and info.name not in _NOT_CHARSETS
    except LookupError:
        known = False
    if not known:  # unknown, or a codec that is no character set (base64, unicode-escape…)
        defects.append(f"charset {charset!r} tidak dikenal; dibaca sebagai UTF-8 dengan pengganti")
        charset = "utf-8"
    if charset in ("us-ascii", "ascii"):
        charset = "utf-8"  # 8-bit bytes under a 7-bit label are nearly always UTF-8
    try:
        text = payload.decode(charset)
    except UnicodeDecodeError:
        defects.append(f"isi tidak sah untuk charset {charset}; karakter rusak diganti")
        text = payload.decode(charset, errors="replace")
    return text.replace("\r\n", "\n")


def _filename(part: Message, index: int, defects: list[str]) -> str:
    try:
        name = part.get_filename()
    except Exception:
        defects.append(f"nama lampiran {index} tidak terbaca")
        name = None
    if name:
        clean = _words(_text(name).replace("\r", "").replace("\n", ""), defects, "filename")
        return clean.strip()
    subtype = part.get_content_subtype() or "bin"
    return f"lampiran-{index}.{subtype[:10]}"


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    if disposition == "attachment":
        return True
    return not (part.get_content_maintype() == "text"
                and part.get_content_subtype() in ("plain", "html"))


def _walk(msg: Message, out: dict[str, object], defects: list[str],
          in_related: bool = False, in_alternative: bool = False) -> None:
    ctype = msg.get_content_type()
    if msg.is_multipart() and ctype != "message/rfc822":
        related = in_related or ctype == "multipart/related"
        alternative = ctype == "multipart/alternative"
        for sub in msg.get_payload() or []:
            if isinstance(sub, Message):
                _walk(sub, out, defects, related, alternative)
        return
    attachments: list[Attachment] = out["attachments"]  # type: ignore[assignment]
    if ctype == "message/rfc822":
        inner = msg.get_payload()
        data: object
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            data = inner[0].as_bytes()
        else:
            data = msg.get_payload(decode=True) or b""
        attachments.append(Attachment(_filename(msg, len(attachments) + 1, defects)
                                      if msg.get_filename() else "pesan-terlampir.eml",
                                      ctype, None, False,
                                      data if isinstance(data, bytes) else b""))
        return
    if not _is_attachment(msg):
        key = "html" if msg.get_content_subtype() == "html" else "text"
        if out.get(key) is None:
            out[key] = _decode(msg, defects)
        elif not in_alternative:
            # Several inline text parts of a mixed message (Apple Mail, list footers) are
            # all part of the body; alternatives of one another are not.
            out[key] = f"{out[key]}\n{_decode(msg, defects)}"
        return
    payload = msg.get_payload(decode=True)
    body = payload if isinstance(payload, bytes) else b""
    cid = msg.get("Content-ID")
    content_id = str(cid).strip().strip("<>") if cid else None
    disposition = (msg.get_content_disposition() or "").lower()
    inline = bool(content_id) and (disposition == "inline" or
                                   (in_related and disposition != "attachment"))
    attachments.append(Attachment(_filename(msg, len(attachments) + 1, defects), ctype,
                                  content_id, inline, body))


def _looks_like_mail(raw: bytes) -> None:
    if not raw.strip():
        raise UnparseableEmail("Pesan kosong.")
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    if not _HEADER_LINE.match(head.lstrip()):
        raise UnparseableEmail("Tidak ada header email di awal pesan (bukan pesan RFC 5322).")
    names = {m.group(0)[:-1].lower() for m in _HEADER_LINE.finditer(head)}
    if not names & {n.encode() for n in _KNOWN_HEADERS}:
        raise UnparseableEmail("Tidak ada header From, Date, Message-ID, Subject atau To.")


def parse(raw: bytes) -> ParsedEmail:
    _looks_like_mail(raw)
    try:
        msg = _PARSER.parsebytes(raw)
    except Exception as exc:
        raise UnparseableEmail(f"Parser email gagal: {type(exc).__name__}: {exc}") from exc
    defects: list[str] = [type(d).__name__ for d in msg.defects]
    parts: dict[str, object] = {"text": None, "html": None, "attachments": []}
    try:
        _walk(msg, parts, defects)
    except Exception as exc:
        defects.append(f"struktur MIME rusak: {type(exc).__name__}")
    html = parts["html"] if isinstance(parts["html"], str) else None
    text = parts["text"] if isinstance(parts["text"], str) else None
    if text is None:
        text = html_to_text(html) if html else ""
    senders = _addresses(msg, "From", defects) or _addresses(msg, "Sender", defects)
    name, address = senders[0] if senders else ("", "")
    message_ids = _ids(_header(msg, "Message-ID", defects, decode=False))
    date: dt.datetime | None = None
    date_text = _header(msg, "Date", defects)
    if date_text:
        try:
            parsed = parsedate_to_datetime(date_text)
            date = (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            defects.append("tanggal tidak terbaca")
    references = tuple(dict.fromkeys(_ids(_header(msg, "References", defects, decode=False))))
    in_reply = _ids(_header(msg, "In-Reply-To", defects, decode=False))
    return_path = _header(msg, "Return-Path", defects)
    rp_ids = re.findall(r"<([^<>]*)>", return_path)
    return_path = ("<>" if rp_ids and not rp_ids[0] else
                   (rp_ids[0] if rp_ids else return_path).strip().lower())
    return ParsedEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply[0] if in_reply else None,
        references=references,
        subject=_header(msg, "Subject", defects).replace("\r", "").replace("\n", " "),
        from_address=address, from_name=name,
        to=tuple(a for _, a in _addresses(msg, "To", defects)),
        cc=tuple(a for _, a in _addresses(msg, "Cc", defects)),
        reply_to=tuple(a for _, a in _addresses(msg, "Reply-To", defects)),
        date=date, text=text, html=html,
        attachments=tuple(parts["attachments"]),  # type: ignore[arg-type]
        auto_submitted=_header(msg, "Auto-Submitted", defects).lower(),
        x_auto_response_suppress=_header(msg, "X-Auto-Response-Suppress", defects),
        precedence=_header(msg, "Precedence", defects).lower(),
        list_id=_header(msg, "List-Id", defects),
        content_type=msg.get_content_type(),
        report_type=str(msg.get_param("report-type", "") or "").lower()
        if msg.get_content_type() == "multipart/report" else "",
        return_path=return_path,
        defects=tuple(dict.fromkeys(defects)),
    )

