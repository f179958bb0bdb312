"""Bahasa Indonesia by default, English on request.

Templates and services write their text in Indonesian; `_()` looks the text up in the
English catalogue when the request's locale is "en". Catalogues are gettext .po files,
one per domain, under web/locale/en/, read with Babel at start-up.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_DIR = Path(__file__).parent / "locale"

current_locale: ContextVar[str] = ContextVar("sigap_locale", default=DEFAULT_LOCALE)


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / locale
    if not folder.is_dir():
        return messages
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and isinstance(message.id, str):
                    messages[message.id] = str(message.string)
    return messages


def translate(text: str, locale: str | None = None, values: dict[str, object] | None = None) -> str:
    lang = locale or current_locale.get()
    result = catalogue(lang).get(text, text) if lang != DEFAULT_LOCALE else text
    return result.format(**values) if values else result


def _(text: str, **values: object) -> str:
    return translate(text, None, values)
