"""Fonts for every PDF we make: each character in the forms its reader's language expects.

The faces in `files/` are cut once from Noto Sans and Noto Sans CJK by `tools/build_fonts.py`
(SIL Open Font License, `files/OFL.txt`) and kept in the repository, TrueType outlines ready for
reportlab: nothing is converted on a server, so the first PDF is as fast as the thousandth. Noto
Sans CJK has one form per character unless a layout engine applies its `locl` feature, which
reportlab does not; so the forms are chosen when the faces are cut:

- `ja`: everything Japanese writes (JIS X 0208, 0212, 0213, Microsoft's NEC and IBM extensions)
  and every character with a Japanese form of its own, in the Japanese forms;
- `ko`: every Hangul syllable and jamo, KS X 1001's Hanja and every character with a Korean form
  of its own, in the Korean forms;
- `zh`: the font's own forms of the rest (what only Chinese writes, simplified forms among them);
- `latin`: Noto Sans, Latin with every diacritic, Greek and Cyrillic.

A language's family tries its own CJK face, then `zh`, then the other: every character gets the
form Noto Sans CJK's `locl` gives it for that language. A Korean registrant's Hanja print in Korean
forms, everybody else's kanji in Japanese ones (Japanese is the default). A character no
face has is drawn as 〓 (the geta mark Japanese typesetting uses for a missing character) and
logged once, never dropped in silence.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont
from reportlab.pdfgen.canvas import Canvas

logger = logging.getLogger("events.fonts")

FILES = Path(__file__).resolve().parent / "files"
WEIGHTS = ("regular", "bold")
#: The CJK faces each language tries, in order (after Latin); any other language reads as Japanese.
ORDER = {"ja": ("JA", "ZH", "KO"), "ko": ("KO", "ZH", "JA")}
#: Drawn for a character no face has.
PLACEHOLDER = "〓"
#: Characters that select or join but are never drawn themselves (variation selectors, zero-width).
_INVISIBLE = frozenset(
    [0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)


@dataclass(frozen=True, eq=False)
class Face:
    """One registered font: its reportlab name and the characters it has."""

    name: str
    #: Code point → glyph: reportlab's own map, shared rather than copied (a face has up to 27,000).
    characters: Mapping[int, int]


@dataclass(frozen=True)
class Family:
    """The faces tried in order for one language and weight."""

    faces: tuple[Face, ...]

    def face_for(self, char: str) -> Face | None:
        code = ord(char)
        for face in self.faces:
            if code in face.characters:
                return face
        return None


@cache
def face(script: str, weight: str) -> Face:
    """Register one face file with reportlab (once per process; about 30 ms)."""
    name = f"TsudoiSans{script}-{weight}"
    font = ReportlabFont(name, str(FILES / f"{name}.ttf"))
    pdfmetrics.registerFont(font)
    return Face(name, font.face.charToGlyph)


@cache
def families(language: str = "ja") -> dict[str, Family]:
    """The regular and bold families for text written by or for a reader of `language`."""
    scripts = ("Latin", *ORDER.get(language, ORDER["ja"]))
    return {weight: Family(tuple(face(script, weight) for script in scripts)) for weight in WEIGHTS}


def load_all() -> None:
    """Register every face now (a worker process does this once, before its first PDF)."""
    for language in ORDER:
        families(language)


@cache
def _missing(code: int) -> None:
    logger.warning("No font has U+%04X %s; drawn as %s", code, unicodedata.name(chr(code), "(unnamed)"), PLACEHOLDER)


def drawable(text: str) -> str:
    """`text` as it will be drawn: composed (NFC), without invisible selectors."""
    return "".join(char for char in unicodedata.normalize("NFC", text) if ord(char) not in _INVISIBLE)


def runs(text: str, family: Family) -> Iterator[tuple[str, str]]:
    """Split `text` into (font name, piece) runs, each piece drawn in a font that has its characters.

    A character stays in the current run while that run's font has it (spaces and punctuation do
    not break a name into pieces), so a text extractor reads the name back whole.
    """
    current: Face | None = None
    piece: list[str] = []
    for char in drawable(text):
        if current is None or ord(char) not in current.characters:
            found = family.face_for(char)
            if found is None:
                _missing(ord(char))
                char = PLACEHOLDER
                found = family.face_for(char)
                assert found is not None, "the placeholder is in the Japanese face"
            if current is not None and found != current and piece:
                yield current.name, "".join(piece)
                piece = []
            current = found
        piece.append(char)
    if piece and current is not None:
        yield current.name, "".join(piece)


def draw(canvas: Canvas, text: str, x: float, y: float, size: float, family: Family) -> None:
    """Draw `text` from (x, y) on its baseline, each run in the face that has its characters."""
    cursor = x
    for font_name, piece in runs(text, family):
        canvas.setFont(font_name, size)
        canvas.drawString(cursor, y, piece)
        cursor += canvas.stringWidth(piece, font_name, size)


def width(text: str, family: Family, size: float) -> float:
    return float(sum(pdfmetrics.stringWidth(piece, name, size) for name, piece in runs(text, family)))
