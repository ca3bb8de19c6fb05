"""Rules for the free text people type: names, organizations, readings.

Control characters (NUL included) are refused, and so are the bidirectional override and
isolate controls, which can make an exported name read differently from what was stored.
Zero-width joiners stay allowed: several scripts need them.
"""

from __future__ import annotations

import re
import unicodedata

_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")


def forbidden_character(text: str) -> str | None:
    """The first character a name may not contain, or None."""
    for char in text:
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            return char
    return None


def clean_line(text: str) -> str:
    """Normalize to NFC, trim, and fold runs of spaces to one (for single-line fields)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_email(email: str) -> str:
    return email.strip().lower()
