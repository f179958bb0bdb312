"""Contact values as people type them, normalised to one stored form (D5).

Phones become E.164 (+62…), WhatsApp ids Meta's wa_id (E.164 digits without '+'), emails
lower case, Facebook/X handles lower case without '@'. The same normalisation runs on
what is stored and on what is searched, so "0812-3456-7890" finds "+6281234567890".
Pure functions: no database, no I/O.
"""

from __future__ import annotations

import re

import phonenumbers

from sigap.core.errors import InvalidInput
from sigap.customers.models import ContactKind

REGION = "ID"

_PHONE_CHARS = re.compile(r"^\+?[0-9\s().\-/]+$")
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)
_HANDLE = re.compile(r"^[a-z0-9._-]{1,80}$")
_PROFILE_URL = re.compile(
    r"^(https?://)?(www\.|m\.|mobile\.)?(facebook\.com|fb\.com|x\.com|twitter\.com)/",
    re.IGNORECASE,
)


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone(raw: str, field: str = "phone") -> str:
    """'0812-3456-7890', '62812…', '+62 812…' → '+6281234567890'; landlines too.

    Without a '+', a number that starts with 62 (or 0062) is taken as already
    international when that reading is valid; otherwise it is read as national.
    """
    text = raw.strip()
    if not text:
        raise InvalidInput("Nomor telepon kosong.", field=field)
    if not _PHONE_CHARS.match(text):
        raise InvalidInput(f"Nomor telepon '{raw}' berisi karakter yang tidak sah.", field=field)
    digits = re.sub(r"\D", "", text)
    candidates: list[str] = []
    if text.startswith("+"):
        candidates.append("+" + digits)
    elif digits.startswith("00"):
        candidates.append("+" + digits[2:])
    elif digits.startswith("62"):
        candidates += ["+" + digits, digits]
    else:
        candidates.append(digits)
    for candidate in candidates:
        number = _parse(candidate)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidInput(
        f"Nomor telepon '{raw}' tidak valid (contoh: 0812-3456-7890 atau (024) 8441234).",
        field=field,
    )


def normalise_whatsapp(raw: str, field: str = "whatsapp") -> str:
    """A WhatsApp id as Meta sends it (wa_id): E.164 digits without '+'."""
    try:
        return normalise_phone(raw, field=field).lstrip("+")
    except InvalidInput as exc:
        raise InvalidInput(
            f"Nomor WhatsApp '{raw}' tidak valid (contoh: 6281234567890).", field=field
        ) from exc


def normalise_email(raw: str, field: str = "email") -> str:
    text = raw.strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    if not text:
        raise InvalidInput("Alamat email kosong.", field=field)
    if len(text) > 254 or not _EMAIL.match(text) or len(text.split("@")[0]) > 64:
        raise InvalidInput(f"Alamat email '{raw.strip()}' tidak valid.", field=field)
    return text


def normalise_handle(raw: str, field: str = "handle") -> str:
    """'@BudiSantoso' or 'https://x.com/BudiSantoso' → 'budisantoso'."""
    text = _PROFILE_URL.sub("", raw.strip()).strip().strip("/").lstrip("@").lower()
    if not text:
        raise InvalidInput("Akun media sosial kosong.", field=field)
    if not _HANDLE.match(text):
        raise InvalidInput(
            f"Akun media sosial '{raw.strip()}' tidak valid (huruf, angka, titik, garis bawah).",
            field=field,
        )
    return text


def normalise_contact(kind: str, raw: str, field: str = "value") -> str:
    """The stored form of a contact value of `kind`, or InvalidInput naming `field`."""
    if kind == ContactKind.phone:
        return normalise_phone(raw, field)
    if kind == ContactKind.whatsapp:
        return normalise_whatsapp(raw, field)
    if kind == ContactKind.email:
        return normalise_email(raw, field)
    if kind in (ContactKind.facebook, ContactKind.x):
        return normalise_handle(raw, field)
    raise InvalidInput(
        f"Jenis kontak '{kind}' tidak dikenal; pilih salah satu: "
        + ", ".join(k.value for k in ContactKind) + ".",
        field="kind",
    )


def phone_or_none(raw: str) -> str | None:
    """E.164 when `raw` reads as a phone number, else None (for classifying a search)."""
    try:
        return normalise_phone(raw)
    except InvalidInput:
        return None


def email_or_none(raw: str) -> str | None:
    try:
        return normalise_email(raw)
    except InvalidInput:
        return None


def handle_or_none(raw: str) -> str | None:
    """A social handle when `raw` is written as one ('@name'), else None."""
    text = raw.strip()
    if not text.startswith("@") or "@" in text[1:]:
        return None
    try:
        return normalise_handle(text)
    except InvalidInput:
        return None


def normalise(kind: str, raw: str, field: str = "value") -> str:
    """Alias of normalise_contact."""
    return normalise_contact(kind, raw, field)


def try_phone(raw: str) -> str | None:
    """Alias of phone_or_none."""
    return phone_or_none(raw)


def looks_like_email(raw: str) -> bool:
    """True when `raw` is written as an email address (an '@' after some text)."""
    text = raw.strip()
    return "@" in text[1:] and not text.startswith("@")
