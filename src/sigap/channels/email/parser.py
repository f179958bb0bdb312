"""One raw RFC 5322 message → its parts, never crashing on what real mail looks like.

Pure: no I/O, no database. Bodies decode exactly (quoted-printable, base64, 8bit, 7bit);
only CRLF becomes LF. Unknown or wrong charsets decode with replacement characters and a note
in `defects`. Only bytes that are not a mail at all raise `UnparseableEmail`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import functools
import html as htmllib
import quopri
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

__all__ = ["Attachment", "ParsedEmail", "UnparseableEmail", "html_to_text", "parse"]


class UnparseableEmail(ValueError):
    """The bytes are not an email message at all; .reason says why (Indonesian sentence)."""

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


class _RawPolicy(Compat32):
    """compat32, but header values come back exactly as received and are written back so.

    The default policy builds a header object per access, which makes parsing several times
    slower than the parse itself; only a handful of headers are needed and are decoded below.
    Writing raw values back keeps a forwarded message (message/rfc822) byte for byte.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value

    def fold_binary(self, name: str, value: str) -> bytes:
        return f"{name}: {value}{self.linesep}".encode("utf-8", "surrogateescape")


_POLICY = _RawPolicy(linesep="\r\n")
_PARSER = BytesParser(policy=_POLICY)

_HEAD_LIMIT = 256 * 1024
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.MULTILINE)  # a field name, then a colon
_MAIL_FIELDS = frozenset({b"from", b"sender", b"date", b"message-id", b"subject", b"to"})
_WANTED = frozenset({"from", "sender", "to", "cc", "reply-to", "subject", "date",
                     "message-id", "in-reply-to", "references", "auto-submitted",
                     "x-auto-response-suppress", "precedence", "list-id", "return-path"})
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_MSGID = re.compile(r"<([^<>\s]+)>")
_ANGLE = re.compile(r"<([^<>]*)>")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MAX_DEPTH = 64

# Labels that mailers use for a superset: GBK text labelled GB2312, Windows-1252 labelled
# ISO-8859-1 (the WHATWG mapping), Windows code pages labelled with their ISO/JIS ancestors.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
              "gb_2312-80": "gb18030", "iso-8859-1": "cp1252", "iso8859-1": "cp1252",
              "latin1": "cp1252", "latin-1": "cp1252", "shift_jis": "cp932",
              "x-sjis": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
              "tis-620": "cp874", "iso-8859-11": "cp874"}
# Text codecs that are not character sets: decoding with them would rewrite backslashes.
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode",
                           "undefined"})
_EXTENSIONS = {
    "application/pdf": ".pdf", "application/zip": ".zip", "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls", "application/rtf": ".rtf", "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/bmp": ".bmp", "image/tiff": ".tif", "text/html": ".html", "text/csv": ".csv",
    "text/calendar": ".ics", "text/rfc822-headers": ".txt", "message/rfc822": ".eml",
    "message/delivery-status": ".txt", "message/disposition-notification": ".txt",
    "audio/mpeg": ".mp3", "audio/wav": ".wav", "video/mp4": ".mp4",
}
_DEFECTS = {
    "MissingHeaderBodySeparatorDefect": "baris kosong antara header dan isi tidak ada",
    "FirstHeaderLineIsContinuationDefect": "baris header pertama berupa lanjutan",
    "MisplacedEnvelopeHeaderDefect": "baris amplop 'From ' di tengah header",
    "MalformedHeaderDefect": "ada baris header yang rusak",
    "NoBoundaryInMultipartDefect": "multipart tanpa parameter boundary",
    "StartBoundaryNotFoundDefect": "batas awal multipart tidak ditemukan",
    "CloseBoundaryNotFoundDefect": "batas akhir multipart tidak ditemukan",
    "MultipartInvariantViolationDefect": "bagian multipart tidak berisi sub-bagian",
    "InvalidMultipartContentTransferEncodingDefect":
        "multipart dengan Content-Transfer-Encoding yang tidak sah",
    "InvalidBase64PaddingDefect": "padding base64 salah",
    "InvalidBase64CharactersDefect": "karakter tidak sah di base64 dilewati",
    "InvalidBase64LengthDefect": "panjang base64 tidak sah",
}


def parse(raw: bytes) -> ParsedEmail:
    """Parse one raw message; raises `UnparseableEmail` only when it is not mail at all."""
    raw = _trim(raw)
    _check_is_mail(raw)
    try:
        msg = _PARSER.parsebytes(raw)
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        raise UnparseableEmail(
            f"Struktur pesan tidak dapat dibaca parser email ({type(exc).__name__}).") from exc
    defects: list[str] = []
    heads = _Headers(msg, defects)
    walker = _Walker(defects)
    body = _Body()
    try:
        walker.walk(msg, body, related=False, depth=0)
    except Exception as exc:  # a structure nobody foresaw must not lose the headers
        defects.append(f"struktur MIME rusak ({type(exc).__name__}); sebagian isi dilewati")
    html = "".join(body.html) if body.html else None
    text = _join_text(body.text)
    if not text.strip() and html:
        text = html_to_text(html)
    content_type = msg.get_content_type()
    report_type = ""
    if content_type == "multipart/report":
        param = msg.get_param("report-type")
        report_type = param.strip().lower() if isinstance(param, str) else ""
    return ParsedEmail(
        message_id=_first(_msg_ids(heads.one("message-id"))),
        in_reply_to=_first(_msg_ids(heads.one("in-reply-to"))),
        references=tuple(dict.fromkeys(_msg_ids(heads.one("references")))),
        subject=heads.decoded("subject"),
        from_address=heads.sender[1],
        from_name=heads.sender[0],
        to=heads.addresses("to"),
        cc=heads.addresses("cc"),
        reply_to=heads.addresses("reply-to"),
        date=heads.date(),
        text=text,
        html=html,
        attachments=tuple(walker.attachments),
        auto_submitted=heads.decoded("auto-submitted").lower(),
        x_auto_response_suppress=heads.decoded("x-auto-response-suppress"),
        precedence=heads.decoded("precedence").lower(),
        list_id=heads.decoded("list-id"),
        content_type=content_type,
        report_type=report_type,
        return_path=_return_path(heads.one("return-path")),
        defects=tuple(dict.fromkeys(defects)),
    )


def _trim(raw: bytes) -> bytes:
    # Leading blank lines would make the parser read every header as body text.
    return raw.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")


def _check_is_mail(raw: bytes) -> None:
    if not raw:
        raise UnparseableEmail("Pesan kosong: tidak ada isi sama sekali.")
    head = _BLANK_LINE.split(raw[:_HEAD_LIMIT], 1)[0]
    if head.startswith(b"From "):  # mbox envelope line
        head = head.partition(b"\n")[2]
    if not _FIELD.match(head):
        raise UnparseableEmail(
            "Bukan pesan email: baris pertama bukan header (bentuk 'Nama: nilai').")
    names = {m.group(1).lower() for m in _FIELD.finditer(head)}
    if not names & _MAIL_FIELDS:
        raise UnparseableEmail(
            "Bukan pesan email: tidak ada header From, Sender, Date, Message-ID, Subject "
            "maupun To.")


# --- headers -------------------------------------------------------------------------------

class _Headers:
    """The few headers the desk needs, unfolded, 8-bit text and encoded-words decoded."""

    def __init__(self, msg: Message, defects: list[str]) -> None:
        self.defects = defects
        self.raw: dict[str, list[str]] = {}
        for name, value in msg.items():
            key = name.lower()
            if key in _WANTED:
                self.raw.setdefault(key, []).append(str(value))
        found = self._pairs("from") or self._pairs("sender")
        self.sender: tuple[str, str] = found[0] if found else ("", "")

    def one(self, name: str) -> str:
        values = self.raw.get(name)
        return _clean(values[0], self.defects, name) if values else ""

    def decoded(self, name: str) -> str:
        return _decode_words(self.one(name), self.defects, name)

    def addresses(self, name: str) -> tuple[str, ...]:
        return tuple(address for _, address in self._pairs(name))

    def _pairs(self, name: str) -> list[tuple[str, str]]:
        values = [_clean(v, self.defects, name) for v in self.raw.get(name, ())]
        if not values:
            return []
        try:
            pairs = getaddresses(values)
        except Exception:  # a mangled address list must not lose the mail
            self.defects.append(f"header {name}: daftar alamat tidak terbaca")
            return []
        out = []
        for display, address in pairs:
            address = address.strip().lower()
            if "@" in address and not any(c.isspace() for c in address):
                out.append((_decode_words(display, self.defects, name).strip(), address))
        return out

    def date(self) -> dt.datetime | None:
        value = self.one("date")
        if not value:
            return None
        try:
            parsed = parsedate_to_datetime(value)
            if parsed.tzinfo is None:  # "-0000": UTC, zone unknown
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            self.defects.append(f"header date: tanggal {value[:60]!r} tidak terbaca")
            return None


def _clean(value: str, defects: list[str], name: str) -> str:
    """A raw header value unfolded; 8-bit bytes in it read as UTF-8, else Windows-1252."""
    if "\n" in value or "\r" in value:
        value = _FOLD.sub("", value).replace("\r", " ").replace("\n", " ")
    if not value.isascii():
        raw = value.encode("utf-8", "surrogateescape")
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            defects.append(f"header {name}: byte 8-bit bukan UTF-8; dibaca sebagai Windows-1252")
            value = raw.decode("cp1252", "replace")
    return value.strip()


def _decode_words(value: str, defects: list[str], name: str) -> str:
    """Decode RFC 2047 encoded-words; whitespace between two of them disappears (§6.2)."""
    if "=?" not in value:
        return value
    out: list[str] = []
    chunk = bytearray()
    chunk_charset = ""
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        charset, encoding, payload = match.groups()
        data = _word_bytes(encoding, payload)
        if data is None:
            defects.append(f"header {name}: encoded-word rusak dibiarkan apa adanya")
        if between and (not chunk_charset or between.strip()) or data is None:
            if chunk_charset:
                out.append(_decode_bytes(bytes(chunk), chunk_charset, defects, f"header {name}"))
                chunk, chunk_charset = bytearray(), ""
            out.append(between)
        position = match.end()
        if data is None:
            out.append(match.group(0))
            continue
        # Adjacent words in one charset decode together: some mailers split a character.
        if chunk_charset and chunk_charset != charset.lower():
            out.append(_decode_bytes(bytes(chunk), chunk_charset, defects, f"header {name}"))
            chunk = bytearray()
        chunk_charset = charset.lower()
        chunk += data
    if chunk_charset:
        out.append(_decode_bytes(bytes(chunk), chunk_charset, defects, f"header {name}"))
    out.append(value[position:])
    return "".join(out)


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        data = payload.encode("ascii")
    except UnicodeEncodeError:
        return None
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def _first(items: list[str]) -> str | None:
    return items[0] if items else None


def _msg_ids(value: str) -> list[str]:
    """Every msg-id as "<id>"; bare ids (no angle brackets) are wrapped."""
    found = _MSGID.findall(value)
    if not found and "<" not in value:
        found = [token.strip("<>") for token in value.split()]
    return [f"<{item}>" for item in found if item]


def _return_path(value: str) -> str:
    inside = _ANGLE.findall(value)
    if inside:
        address = inside[0].strip().lower()
        return address or "<>"
    return value.strip().lower()


# --- bodies ---------------------------------------------------------------------------------

@dataclass
class _Body:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)


class _Walker:
    """Walks the MIME tree: readable parts into a `_Body`, everything else an attachment."""

    def __init__(self, defects: list[str]) -> None:
        self.defects = defects
        self.attachments: list[Attachment] = []
        self.forwarded = 0

    def walk(self, part: Message, body: _Body, *, related: bool, depth: int) -> None:
        for defect in part.defects:
            name = type(defect).__name__
            self.defects.append(_DEFECTS.get(name, f"cacat struktur pesan: {name}"))
        ctype = part.get_content_type()
        payload = part.get_payload()
        if isinstance(payload, list):
            if depth >= _MAX_DEPTH:
                self.defects.append("bagian MIME bersarang terlalu dalam; sisanya dilewati")
                return
            children = [p for p in payload if isinstance(p, Message)]
            if ctype.startswith("message/"):
                self._message(part, ctype, children)
            elif ctype == "multipart/alternative":
                self._alternative(children, body, related=related, depth=depth + 1)
            else:
                inner = related or ctype == "multipart/related"
                for child in children:
                    self.walk(child, body, related=inner, depth=depth + 1)
            return
        self._leaf(part, ctype, body, related=related, top=depth == 0)

    def _alternative(self, children: list[Message], body: _Body, *, related: bool,
                     depth: int) -> None:
        branches = []
        for child in children:
            branch = _Body()
            self.walk(child, branch, related=related, depth=depth)
            branches.append(branch)
        body.text += next((b.text for b in branches if b.text), [])
        body.html += next((b.html for b in branches if b.html), [])

    def _leaf(self, part: Message, ctype: str, body: _Body, *, related: bool,
              top: bool) -> None:
        disposition = part.get_content_disposition() or ""
        filename = self._filename(part)
        if ctype.startswith("multipart/"):  # no boundary found: the sender's text is all there
            self.defects.append("multipart tanpa batas yang sah; isinya dibaca sebagai teks")
            body.text.append(self._text(part, "text/plain"))
            return
        if (ctype in ("text/plain", "text/html") and disposition != "attachment"
                and (top or not filename)):
            target = body.html if ctype == "text/html" else body.text
            target.append(self._text(part, ctype))
            return
        content_id = _content_id(part, self.defects)
        inline = (content_id is not None and (disposition == "inline" or related)) or (
            related and ctype.startswith("image/"))
        self.attachments.append(Attachment(
            filename or self._default_name(ctype), ctype, content_id, inline,
            self._payload(part)))

    def _message(self, part: Message, ctype: str, children: list[Message]) -> None:
        """message/rfc822 (a forwarded mail) and reports: an attachment of their bytes."""
        try:
            if ctype in ("message/rfc822", "message/global") and children:
                data = children[0].as_bytes(policy=_POLICY)
            else:
                data = b"".join(c.as_bytes(policy=_POLICY) for c in children)
        except Exception as exc:
            self.defects.append(f"lampiran {ctype} tidak dapat disusun ulang ({type(exc).__name__})")
            data = b""
        cte = str(part.get("content-transfer-encoding", "")).strip().lower()
        if cte in ("base64", "quoted-printable"):  # not allowed on message/*, but it happens
            data = _transfer_decode(data, cte)
        filename = self._filename(part)
        if not filename and ctype in ("message/rfc822", "message/global"):
            self.forwarded += 1
            suffix = f"-{self.forwarded}" if self.forwarded > 1 else ""
            filename = f"pesan-terlampir{suffix}.eml"
        self.attachments.append(Attachment(filename or self._default_name(ctype), ctype,
                                           None, False, data))

    def _text(self, part: Message, ctype: str) -> str:
        data = self._payload(part)
        charset = part.get_content_charset()
        if charset is None and ctype == "text/html":
            declared = _META_CHARSET.search(data[:4096])
            charset = declared.group(1).decode("ascii").lower() if declared else None
        return _decode_bytes(data, charset or "us-ascii", self.defects, "isi").replace(
            "\r\n", "\n")

    def _payload(self, part: Message) -> bytes:
        try:
            data = part.get_payload(decode=True)
        except Exception as exc:  # the stdlib decoders can still trip on garbage
            self.defects.append(f"isi bagian tidak dapat didekode ({type(exc).__name__})")
            raw = part.get_payload()
            return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
        for defect in part.defects:  # decoding registers its own (bad base64, ...)
            name = type(defect).__name__
            self.defects.append(_DEFECTS.get(name, f"cacat struktur pesan: {name}"))
        return data if isinstance(data, bytes) else b""

    def _filename(self, part: Message) -> str:
        try:
            value = part.get_param("filename", None, "content-disposition")
            if value is None:
                value = part.get_param("name", None, "content-type")
        except Exception:
            self.defects.append("parameter nama lampiran tidak terbaca")
            return ""
        if value is None:
            return ""
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
            charset, _, text = value
            try:
                data = str(text).encode("latin-1", "surrogateescape")
            except UnicodeEncodeError:
                name = str(text)
            else:
                name = _decode_bytes(data, charset or "us-ascii", self.defects, "nama lampiran")
        else:
            name = _decode_words(_clean(str(value).strip('"'), self.defects, "filename"),
                                 self.defects, "filename")
        return _CONTROL.sub("", name).strip()

    def _default_name(self, ctype: str) -> str:
        return f"lampiran-{len(self.attachments) + 1}{_EXTENSIONS.get(ctype, '.bin')}"


def _content_id(part: Message, defects: list[str]) -> str | None:
    value = part.get("content-id")
    if value is None:
        return None
    cleaned = _clean(str(value), defects, "content-id").strip("<> \t")
    return cleaned or None


def _transfer_decode(data: bytes, cte: str) -> bytes:
    try:
        if cte == "base64":
            return base64.b64decode(b"".join(data.split()) + b"==", validate=False)
        return quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return data


def _join_text(parts: list[str]) -> str:
    if len(parts) <= 1:
        return parts[0] if parts else ""
    out: list[str] = []
    for text in parts:
        if out and not out[-1].endswith("\n") and text:
            out.append("\n")
        out.append(text)
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _codec(charset: str) -> str | None:
    name = charset.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _decode_bytes(data: bytes, charset: str, defects: list[str], where: str) -> str:
    """Bytes in a declared charset → str; never raises (UTF-8, then replacement)."""
    codec = _codec(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
        except Exception:  # a codec that fails in its own way (utf-7, ...)
            codec = None
    else:
        defects.append(f"{where}: charset {charset!r} tidak dikenal; dibaca sebagai UTF-8")
    if codec != "utf-8":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if codec is not None:
                defects.append(f"{where}: byte tidak sah untuk {charset}; dibaca sebagai UTF-8")
            return text
    defects.append(f"{where}: byte tidak sah untuk {charset}; karakter rusak diganti �")
    return data.decode(codec or "utf-8", "replace")


# --- HTML → text ----------------------------------------------------------------------------

_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul",
                        "ol", "hr", "dl"})
_LINE = frozenset({"div", "li", "tr", "table", "dt", "dd", "section", "article", "header",
                   "footer", "address", "center", "form", "main", "nav", "aside", "figure",
                   "caption", "tbody", "thead", "tfoot"})
_DROP = frozenset({"script", "style", "title", "template", "noscript", "xml"})
_SPACE = re.compile(r"[ \t\r\n\f\xa0]+")
_BLANKS = re.compile(r"\n{3,}")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
_COMMENT = re.compile(r"<!--.*?-->|<!\[.*?\]>", re.DOTALL)


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.drop = 0
        self.in_head = False
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def _ends_with(self, suffix: str) -> bool:
        tail = "".join(self.out[-2:])
        return not tail or tail.endswith(suffix)

    def _line(self) -> None:
        if not self._ends_with("\n"):
            self.out.append("\n")

    def _paragraph(self) -> None:
        self._line()
        if not self._ends_with("\n\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.drop += 1
        elif tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False  # an unclosed <head> must not swallow the mail
        elif tag == "br":
            self.out.append("\n")
        elif tag in _PARAGRAPH:
            self._paragraph()
            self.pre += tag == "pre"
        elif tag in _LINE:
            self._line()
            if tag == "li":
                self.out.append("- ")
        elif tag in ("td", "th"):
            if not self._ends_with("\n") and not self._ends_with(" "):
                self.out.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", len(self.out)))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt and not (self.drop or self.in_head):
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.drop = max(0, self.drop - 1)
        elif tag == "head":
            self.in_head = False
        elif tag in _PARAGRAPH:
            self.pre = max(0, self.pre - (tag == "pre"))
            self._paragraph()
        elif tag in _LINE:
            self._line()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            if _shows_link(href, label):
                self.out.append(f" ({href})" if label else href)

    def handle_data(self, data: str) -> None:
        if self.drop or self.in_head:
            return
        if self.pre:
            self.out.append(data.replace("\r\n", "\n"))
            return
        data = _SPACE.sub(" ", data)
        if self._ends_with("\n") or self._ends_with(" "):
            data = data.lstrip(" ")
        if data:
            self.out.append(data)


def _shows_link(href: str, label: str) -> bool:
    href = href.strip()
    if not href or href.startswith(("#", "cid:", "javascript:")):
        return False

    def bare(url: str) -> str:
        return re.sub(r"^(https?://|mailto:)", "", url.strip(), flags=re.I).rstrip("/").lower()

    return bare(href) != bare(label)


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: blocks as lines, list items with "- ", links "text (url)"."""
    parser = _HtmlText()
    try:
        parser.feed(html)
        parser.close()
        text = "".join(parser.out)
    except Exception:  # html.parser asserts on some marked sections; fall back to tag stripping
        text = _strip_tags(html)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n")


def _strip_tags(html: str) -> str:
    html = _COMMENT.sub("", html)
    html = re.sub(r"(?is)<(script|style|head|title)\b.*?</\1\s*>", "", html)

    def tag(match: re.Match[str]) -> str:
        name = match.group(2).lower()
        if name == "br" or name in _LINE or name in _PARAGRAPH:
            return "\n- " if name == "li" and not match.group(1) else "\n"
        return ""

    text = _TAG.sub(tag, html)
    lines = (_SPACE.sub(" ", htmllib.unescape(line)).strip() for line in text.split("\n"))
    return "\n".join(lines)
