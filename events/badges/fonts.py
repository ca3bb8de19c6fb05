"""Fonts for badges: every script our participants write, embedded in the PDF.

Noto Sans (Latin with every diacritic: Tagalog, Spanish, Portuguese, Vietnamese) and Noto Sans
CJK (Japanese kanji and kana, Chinese, Korean Hangul), both under the SIL Open Font License, which
allows embedding. They are installed from PyPI with the app (`fontpkg-noto-sans`,
`cvttf-notosanscjk-*`).

reportlab embeds TrueType outlines only, and Noto Sans CJK ships PostScript (CFF) outlines, so the
first use converts it to TrueType with fontTools (about half a minute per weight, once) and keeps
the result in the font cache folder (`TSUDOI_FONT_CACHE`, default `~/.cache/tsudoi/fonts`).
Noto Sans is a variable font; its regular and bold instances are cut the same way.

A string is drawn as runs: each character in the first font that has it (`runs`).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportlabFont


@dataclass(frozen=True)
class Face:
    """One registered font: its reportlab name and the characters it has."""

    name: str
    characters: frozenset[int]


@dataclass(frozen=True)
class Family:
    """The faces tried in order for one weight."""

    faces: tuple[Face, ...]

    def face_for(self, char: str) -> Face:
        code = ord(char)
        for face in self.faces:
            if code in face.characters:
                return face
        return self.faces[0]


def cache_dir() -> Path:
    configured = os.environ.get("TSUDOI_FONT_CACHE")
    base = Path(configured) if configured else Path.home() / ".cache" / "tsudoi" / "fonts"
    base.mkdir(parents=True, exist_ok=True)
    return base


def _cjk_source(weight: str) -> Path:
    if weight == "bold":
        import cvttf_NotoSansCJK_Bold as package
    else:
        import cvttf_NotoSansCJK_Regular as package
    return Path(package.get_TTF_path())


def _latin_source() -> Path:
    import fontpkg_noto_sans

    return Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"


def _convert_cff_to_truetype(source: Path, target: Path) -> None:
    """Rewrite a CFF-flavoured OpenType font with quadratic TrueType outlines (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(source)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones",):
        setattr(maxp, field, 1)
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(target)


def _instance(source: Path, target: Path, weight: int) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(source)
    instantiateVariableFont(font, {"wght": weight, "wdth": 100}, inplace=True, updateFontNames=False)
    # A distinct PostScript name: reportlab tells faces apart by it.
    postscript = f"TsudoiNotoSans-W{weight}"
    font["name"].setName(postscript, 6, 3, 1, 0x409)
    font["name"].setName(postscript, 6, 1, 0, 0)
    font.save(target)


def _prepared(name: str, build: object) -> Path:
    """The cached file `name`, built once (under a file lock, so parallel workers build it once).

    The `vN-` in a name is bumped when the way that file is built changes.
    """
    target = cache_dir() / name
    if target.exists():
        return target
    lock_path = target.with_suffix(".lock")
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            partial = target.with_suffix(".partial")
            build(partial)  # type: ignore[operator]
            partial.replace(target)
    return target


def _register(name: str, path: Path) -> Face:
    font = ReportlabFont(name, str(path))
    pdfmetrics.registerFont(font)
    return Face(name, frozenset(font.face.charToGlyph))


FILES = [f"v2-NotoSans{script}-{weight}.ttf" for script in ("", "CJK") for weight in ("regular", "bold")]


def ready() -> bool:
    """True when the converted fonts are in the cache (so the first badge needs no conversion)."""
    return all((cache_dir() / name).exists() for name in FILES)


@cache
def families() -> dict[str, Family]:
    """Register the badge fonts with reportlab (building the cached TrueType files first if needed)."""
    faces: dict[str, list[Face]] = {"regular": [], "bold": []}
    for weight, number in (("regular", 400), ("bold", 700)):
        latin = _prepared(f"v2-NotoSans-{weight}.ttf", lambda target, n=number: _instance(_latin_source(), target, n))
        cjk = _prepared(
            f"v2-NotoSansCJK-{weight}.ttf", lambda target, w=weight: _convert_cff_to_truetype(_cjk_source(w), target)
        )
        faces[weight].append(_register(f"TsudoiLatin-{weight}", latin))
        faces[weight].append(_register(f"TsudoiCJK-{weight}", cjk))
    return {weight: Family(tuple(list_)) for weight, list_ in faces.items()}


def runs(text: str, family: Family) -> Iterator[tuple[str, str]]:
    """Split `text` into (font name, piece) runs, each piece drawn in a font that has its characters.

    A character stays in the current run while that run's font has it (spaces and punctuation do
    not break a name into pieces), so a text extractor reads the name back whole.
    """
    current: Face | None = None
    piece: list[str] = []
    for char in text:
        if current is None or ord(char) not in current.characters:
            face = family.face_for(char)
            if current is not None and face != current and piece:
                yield current.name, "".join(piece)
                piece = []
            current = face
        piece.append(char)
    if piece and current is not None:
        yield current.name, "".join(piece)


def width(text: str, family: Family, size: float) -> float:
    return float(sum(pdfmetrics.stringWidth(piece, name, size) for name, piece in runs(text, family)))
