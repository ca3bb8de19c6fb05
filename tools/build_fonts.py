"""Rebuild the PDF fonts in `events/fonts/files/` from the upstream Noto fonts on PyPI.

    pip install 'cvttf-notosanscjk-regular==1.0' 'cvttf-notosanscjk-bold==1.0' 'fontpkg-noto-sans>=2.15'
    python tools/build_fonts.py            # writes events/fonts/files/*.ttf and SOURCES.txt

Why the fonts are prepared here, once, and kept in the repository: reportlab embeds TrueType
outlines only, Noto Sans CJK ships PostScript (CFF) outlines, and converting all 65,535 glyphs took
six minutes and 730 MB on a fresh server before its first badge. And Noto Sans CJK maps each
ideograph to one form; the Japanese and Korean forms are reached only through its `locl` feature,
which reportlab never applies. So this script:

1. splits the upstream character set into three faces: `ja` (everything Japanese writes: JIS X
   0208, 0212, 0213 and Microsoft's NEC/IBM extensions, and every character with a Japanese form
   of its own), `ko` (every Hangul syllable and jamo, KS X 1001 with its Hanja, and every character
   with a Korean form of its own) and `zh` (the font's own forms of the rest: what only Chinese
   writes, e.g. simplified forms, and the default forms a Korean reader needs of Japanese
   characters). Tried in the reader's order, they give every character the form upstream's
   `locl` gives it for that language;
2. points each face's character map at the glyphs its language's `locl` feature selects (`JAN`
   for ja, `KOR` for ko; zh keeps the font's default forms);
3. keeps only those glyphs, drops layout tables and hints reportlab does not read, and converts the
   outlines to TrueType (quadratic) curves;
4. cuts Noto Sans (a variable font) at weights 400 and 700 for Latin, Greek and Cyrillic.

The result is deterministic for given inputs; SOURCES.txt records the inputs' versions and hashes.
Both fonts are under the SIL Open Font License 1.1 (OFL.txt beside them).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

TARGET = Path(__file__).resolve().parent.parent / "events" / "fonts" / "files"

#: Codecs whose repertoire is "what Japanese writes": JIS X 0213:2004 (which includes JIS X 0208),
#: JIS X 0212 (in EUC-JP) and Microsoft's code page 932 (NEC and IBM extensions, e.g. 髙 and 﨑).
JA_CODECS = ("euc_jis_2004", "euc_jp", "cp932")
#: KS X 1001 with its 4,888 Hanja, and every precomposed syllable (cp949).
KO_CODECS = ("euc_kr", "cp949")
HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xD7B0, 0xD7FF))

WEIGHTS = {"regular": 400, "bold": 700}

#: Characters upstream lacks, drawn with the glyph of their equivalent: JIS X 0213's white
#: parentheses (1-2-54, 1-2-55), which its own mapping table gives as the fullwidth forms.
ALIASES = {0x2985: 0xFF5F, 0x2986: 0xFF60}


def encodable(codepoints: Iterable[int], codecs: Iterable[str]) -> set[int]:
    chosen: set[int] = set()
    names = list(codecs)
    for codepoint in codepoints:
        char = chr(codepoint)
        for codec in names:
            try:
                char.encode(codec)
            except UnicodeEncodeError:
                continue
            chosen.add(codepoint)
            break
    return chosen


def locl_substitutions(font: TTFont, language: str) -> dict[str, str]:
    """The single substitutions of the `locl` feature for `language` (e.g. "JAN ") in any script."""
    gsub = font["GSUB"].table
    features = gsub.FeatureList.FeatureRecord
    lookup_indexes: set[int] = set()
    for script in gsub.ScriptList.ScriptRecord:
        for record in script.Script.LangSysRecord:
            if record.LangSysTag != language:
                continue
            for index in record.LangSys.FeatureIndex:
                if features[index].FeatureTag == "locl":
                    lookup_indexes.update(features[index].Feature.LookupListIndex)
    mapping: dict[str, str] = {}
    for index in sorted(lookup_indexes):
        lookup = gsub.LookupList.Lookup[index]
        for table in lookup.SubTable:
            if lookup.LookupType == 7:
                table = table.ExtSubTable
            if getattr(table, "mapping", None) is None:
                raise SystemExit(f"locl lookup {index} for {language!r} is not a single substitution")
            mapping.update(table.mapping)
    return mapping


def cff_to_truetype(font: TTFont) -> None:
    """Replace CFF outlines with quadratic TrueType ones, in place (fontTools' otf2ttf recipe)."""
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
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
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


def rename(font: TTFont, family: str, weight: str) -> None:
    """A name of its own (the OFL asks modified versions not to pass as the original), and the
    upstream's dates rather than today's, so a rebuild from the same inputs gives the same bytes."""
    font.recalcTimestamp = False
    font["head"].modified = font["head"].created
    style = "Bold" if weight == "bold" else "Regular"
    postscript = f"{family.replace(' ', '')}-{style}"
    name = font["name"]
    name.names = [record for record in name.names if record.nameID in (0, 7, 8, 9, 11, 12, 13, 14)]
    for platform in ((3, 1, 0x409), (1, 0, 0)):
        name.setName(family, 1, *platform)
        name.setName(style, 2, *platform)
        name.setName(f"{postscript};tsudoi", 3, *platform)
        name.setName(f"{family} {style}", 4, *platform)
        name.setName("Version 1.000", 5, *platform)
        name.setName(postscript, 6, *platform)


def subset_options() -> subset.Options:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.glyph_names = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["BASE", "VORG", "vhea", "vmtx", "DSIG", "GSUB", "GPOS", "GDEF", "STAT", "HVAR", "MVAR"]
    options.recalc_bounds = True
    return options


def cjk_faces(source: Path, weight: str, out: Path) -> None:
    upstream = TTFont(source)
    cmap = dict(upstream.getBestCmap())
    cmap.update({alias: cmap[target] for alias, target in ALIASES.items() if alias not in cmap})
    codepoints = set(cmap)
    jan, kor = locl_substitutions(upstream, "JAN "), locl_substitutions(upstream, "KOR ")
    hangul = {c for low, high in HANGUL_RANGES for c in range(low, high + 1)} & codepoints
    # A character whose form differs by language is in that language's face whatever its codec.
    ja = encodable(codepoints, JA_CODECS) | {c for c in codepoints if cmap[c] in jan}
    ko = encodable(codepoints, KO_CODECS) | hangul | {c for c in codepoints if cmap[c] in kor}
    # The font's own forms for the rest, and for Japanese characters whose Japanese form is not
    # their default: a Korean reader gets the default (= Korean) form of those from here.
    zh = (codepoints - ja - hangul) | {c for c in ja - ko if cmap[c] in jan}
    for face, chars, language in (("JA", ja, "JAN "), ("KO", ko, "KOR "), ("ZH", zh, None)):
        font = TTFont(source)
        forms = locl_substitutions(font, language) if language else {}
        mapping = {c: forms.get(cmap[c], cmap[c]) for c in sorted(chars)}
        # One BMP subtable and one full one; the variation-sequence subtable (format 14) goes.
        font["cmap"].tables = [table for table in font["cmap"].tables if table.format in (4, 12)]
        for table in font["cmap"].tables:
            table.cmap = {c: g for c, g in mapping.items() if table.format == 12 or c <= 0xFFFF}
        subsetter = subset.Subsetter(subset_options())
        subsetter.populate(unicodes=sorted(chars))
        subsetter.subset(font)
        cff_to_truetype(font)
        rename(font, f"Tsudoi Sans {face}", weight)
        target = out / f"TsudoiSans{face}-{weight}.ttf"
        font.save(target)
        print(f"  {target.name}: {len(chars)} characters, {target.stat().st_size / 1e6:.1f} MB", flush=True)


def latin_face(source: Path, weight: str, out: Path) -> None:
    from fontTools.varLib.instancer import instantiateVariableFont

    font = TTFont(source)
    instantiateVariableFont(font, {"wght": WEIGHTS[weight], "wdth": 100}, inplace=True, updateFontNames=False)
    chars = sorted(font.getBestCmap())
    subsetter = subset.Subsetter(subset_options())
    subsetter.populate(unicodes=chars)
    subsetter.subset(font)
    rename(font, "Tsudoi Sans Latin", weight)
    target = out / f"TsudoiSansLatin-{weight}.ttf"
    font.save(target)
    print(f"  {target.name}: {len(chars)} characters, {target.stat().st_size / 1e6:.1f} MB", flush=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=TARGET, help=f"folder to write (default {TARGET})")
    parser.add_argument("--weight", choices=sorted(WEIGHTS), action="append", help="only this weight (repeatable)")
    args = parser.parse_args(argv)

    import cvttf_NotoSansCJK_Bold
    import cvttf_NotoSansCJK_Regular
    import fontpkg_noto_sans

    cjk = {
        "regular": Path(cvttf_NotoSansCJK_Regular.get_TTF_path()),
        "bold": Path(cvttf_NotoSansCJK_Bold.get_TTF_path()),
    }
    latin = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
    args.out.mkdir(parents=True, exist_ok=True)
    lines = ["# Inputs of tools/build_fonts.py (name, sha256), then its outputs", ""]
    for weight in args.weight or list(WEIGHTS):
        started = time.monotonic()
        print(f"{weight}:", flush=True)
        cjk_faces(cjk[weight], weight, args.out)
        latin_face(latin, weight, args.out)
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    for path in (cjk["regular"], cjk["bold"], latin):
        lines.append(f"input  {path.name}  {sha256(path)}")
    for path in sorted(args.out.glob("*.ttf")):
        lines.append(f"output {path.name}  {sha256(path)}")
    (args.out / "SOURCES.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
