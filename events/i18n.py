"""Languages: which one a request is served in, and the translated text for it.

Catalogues are the `.po` files under `events/locale/`, kept in version control and compiled in
memory when first used, so there is no separate compile step to forget. Source strings are
English; Japanese is the default language shown.

The language of the current request lives in a context variable, so `gettext` works the same in
templates, in validation messages and in services.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


class Language(StrEnum):
    """The languages a participant is served in (and their messages and badges written in)."""

    JA = "ja"
    EN = "en"
    KO = "ko"
    TL = "tl"


LANGUAGES = tuple(str(language) for language in Language)
#: The staff area is in Japanese and English; Korean or Tagalog readers get English there.
STAFF_LANGUAGES = ("ja", "en")
STAFF_FALLBACK = "en"
DEFAULT_LANGUAGE = "ja"
LANGUAGE_NAMES = {"ja": "日本語", "en": "English", "ko": "한국어", "tl": "Tagalog"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("tsudoi_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext_module.NullTranslations:
    po_file = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.exists():
        return gettext_module.NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def language(code: str) -> Iterator[None]:
    """Speak `code` within a block (a background job, a test), then the language before it again."""
    token = _current.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def current_language() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the remembered cookie, then the browser's Accept-Language, else Japanese."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for language in _accepted(accept_language or ""):
        if language in LANGUAGES:
            return language
        if language == "fil":
            return "tl"
    return DEFAULT_LANGUAGE


def for_staff(language: str) -> str:
    return language if language in STAFF_LANGUAGES else STAFF_FALLBACK


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        if not tag or tag == "*":
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            key, _sep, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.split("-")[0]))
    return [tag for _q, _i, tag in sorted(weighted)]


def locale(language: str | None = None) -> Locale:
    return Locale.parse(babel_locale(language))


def babel_locale(language: str | None = None) -> str:
    """CLDR's name for the language: Tagalog's dates and months are CLDR's Filipino (`fil`)."""
    code = language or _current.get()
    return "fil" if code == "tl" else code


#: How each language writes a day: 2008年6月14日(土), 14 June 2008, 2008년 6월 14일 (토), Hunyo 14, 2008.
DAY_PATTERNS = {"ja": "y年M月d日(E)", "en": "d MMMM y", "ko": "y년 M월 d일 (E)", "tl": "MMMM d, y"}


def format_day(day: date, language: str | None = None) -> str:
    return _formatted_day(day, language or _current.get())


@lru_cache(maxsize=1024)
def _formatted_day(day: date, code: str) -> str:
    """A day in words, kept: the door's answer names the session's day on every scan made on
    another day, and Babel takes longer to write it than the rest of the answer."""
    return format_date(day, format=DAY_PATTERNS.get(code, "long"), locale=babel_locale(code))
