"""Rules for the free text people type: names, organizations, readings, answers, notes.

Two rules, one inside the other:

- *unstorable* characters are those some place we keep or send text cannot hold: NUL (PostgreSQL
  refuses it), the other C0 controls but tab and line ends (an .xlsx file is XML 1.0, which has no
  way to write them: the workbook would not open), lone surrogates (UTF-8 has no bytes for half of
  a character: every page, file and JSON answer holding one fails), and U+FFFE/U+FFFF (not XML
  either). No text field takes them, whatever it is for.
- in a *line* (a name, a title) every control character is refused, and so are the bidirectional
  override and isolate controls, which can make an exported name read differently from what was
  stored. Zero-width joiners stay allowed: several scripts need them.

A line with nothing visible in it (only spaces, zero-width characters, fillers or marks with no
letter to sit on) is empty: a name of zero-width spaces is no name.
"""

from __future__ import annotations

import re
import unicodedata

_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
#: What no stored or exported text may hold: not a character of XML 1.0, or not UTF-8 at all.
_UNSTORABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What a single line may not hold: every control character, the bidi controls, and the unstorable.
_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")
#: Categories of characters that draw nothing on their own: spaces, controls and format characters
#: (zero-width space, joiners, word joiner, BOM, tags), and marks (combining accents, variation
#: selectors), which need a letter to sit on.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me", "Mc"})
#: Letters and symbols that are blank by design: the Hangul fillers and the blank Braille pattern.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def unstorable_character(text: str) -> str | None:
    """The first character that no text field may hold (see the module's docstring), or None."""
    found = _UNSTORABLE.search(text)
    return found.group() if found else None


def forbidden_character(text: str) -> str | None:
    """The first character a name (or any single line) may not contain, or None."""
    found = _FORBIDDEN.search(text)
    return found.group() if found else None


def is_visible(char: str) -> bool:
    """Whether the character draws something by itself."""
    return char not in _BLANK_LETTERS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def has_visible(text: str) -> bool:
    """Whether anything in `text` would show: a name must have a letter, digit, mark of punctuation or symbol."""
    return any(is_visible(char) for char in text)


def clean_line(text: str) -> str:
    """Normalize to NFC, trim, and fold runs of spaces to one (for single-line fields)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def scrubbed(text: str) -> str:
    """`text` with every unstorable character replaced by U+FFFD, for writing out what was kept
    before these rules (or anything unforeseen) rather than failing on it."""
    return _UNSTORABLE.sub("\ufffd", text)


def encoded(text: str) -> bytes:
    """UTF-8 bytes of `text`, whatever it holds: a lone surrogate (which UTF-8 has no bytes for)
    becomes U+FFFD, so a page or file with one such character still goes out. Only text that fails
    is scrubbed: the common case costs one encode, as before."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return scrubbed(text).encode("utf-8")


def normalize_email(email: str) -> str:
    return email.strip().lower()
