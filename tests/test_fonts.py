"""PDF fonts: every character in its reader's forms, none missing, nothing converted at run time.

The reference is the upstream font itself (Noto Sans CJK, installed with the test extras): for a
character and a language, the glyph its `locl` feature selects for `JAN` or `KOR`. The glyphs
compared are the ones embedded in a real badge PDF, read back with pypdf and fontTools; outlines
are compared by their area and moments (our faces hold the same curves in TrueType form, so they
agree to a few parts in ten thousand, while two forms of one character differ by far more).
"""

from __future__ import annotations

import io
import logging
import random
import re
from functools import cache
from typing import Any

import pytest
from fontTools.pens.statisticsPen import StatisticsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from events import fonts
from events.badges.render import Badge, render_bytes

NAMES = ("角田 直子", "骨董通り 述懐会", "髙橋", "山﨑", "𠮷田", "김민준", "Nguyễn Thị Hoa")
#: Characters whose Japanese, Korean and Taiwanese forms differ in Noto Sans CJK.
TELLING = "直骨述通懐会子"


@cache
def upstream(weight: str) -> TTFont:
    if weight == "bold":
        import cvttf_NotoSansCJK_Bold as package
    else:
        import cvttf_NotoSansCJK_Regular as package
    return opened(package.get_TTF_path())


@cache
def opened(path: str) -> TTFont:
    """A font read from memory (fontTools keeps a file it reads lazily open)."""
    with open(path, "rb") as file:
        return TTFont(io.BytesIO(file.read()))


@cache
def locl(weight: str, language: str) -> dict[str, str]:
    """Upstream's `locl` single substitutions for one language system, in any script."""
    gsub = upstream(weight)["GSUB"].table
    indexes = {
        lookup
        for script in gsub.ScriptList.ScriptRecord
        for record in script.Script.LangSysRecord
        if record.LangSysTag == language
        for feature in record.LangSys.FeatureIndex
        if gsub.FeatureList.FeatureRecord[feature].FeatureTag == "locl"
        for lookup in gsub.FeatureList.FeatureRecord[feature].Feature.LookupListIndex
    }
    mapping: dict[str, str] = {}
    for index in indexes:
        lookup = gsub.LookupList.Lookup[index]
        for table in lookup.SubTable:
            mapping.update((table.ExtSubTable if lookup.LookupType == 7 else table).mapping)
    return mapping


def shape(glyph_set: Any, name: str) -> tuple[float, ...]:
    pen = StatisticsPen(glyphset=glyph_set)
    glyph_set[name].draw(pen)
    return (abs(pen.area), pen.meanX, pen.meanY, pen.stddevX, pen.stddevY)


def difference(one: tuple[float, ...], other: tuple[float, ...]) -> float:
    """The largest relative difference between two outlines' figures (0 = the same outline)."""
    return max(abs(a - b) / max(abs(b), 1.0) for a, b in zip(one, other, strict=True))


SYSTEMS = ("JAN ", "KOR ", "ZHS ", "ZHT ", "ZHH ")
#: Our outlines are upstream's, converted to quadratic curves within one unit of 1,000: their
#: figures agree to well under 1% (a thin circle is the worst case).
SAME = 0.01


@cache
def reference(char: str, weight: str, language: str) -> tuple[float, ...]:
    font = upstream(weight)
    default = font.getBestCmap()[ord(char)]
    return shape(font.getGlyphSet(), locl(weight, language).get(default, default))


def assert_is_form(figures: tuple[float, ...], char: str, weight: str, system: str, where: str) -> None:
    """`figures` are upstream's `system` form of `char`: within SAME of it, and nearer to it than to
    any other form upstream has (its default and every other language's)."""
    expected = reference(char, weight, system)
    others = [default_form(char, weight)] + [reference(char, weight, other) for other in SYSTEMS]
    others = [other for other in others if difference(other, expected) > 0]
    distance = difference(figures, expected)
    assert distance < SAME, f"{where}: {char} ({weight}) is upstream's {system.strip()} form (off by {distance:.4f})"
    for other in others:
        assert distance < difference(figures, other), f"{where}: {char} ({weight}) is nearer another form"


@cache
def default_form(char: str, weight: str) -> tuple[float, ...]:
    font = upstream(weight)
    return shape(font.getGlyphSet(), font.getBestCmap()[ord(char)])


def embedded_glyphs(pdf: bytes) -> dict[tuple[str, str], tuple[float, ...]]:
    """(character, font name) → the outline figures of the glyph the PDF's embedded font draws it with."""
    found: dict[tuple[str, str], tuple[float, ...]] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for reference_ in page["/Resources"]["/Font"].values():
            font = reference_.get_object()
            if font.get("/Subtype") != "/TrueType":
                continue
            name = str(font["/BaseFont"]).split("+", 1)[1]
            data = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            embedded = TTFont(io.BytesIO(data))
            codes = embedded["cmap"].tables[0].cmap
            cmap_text = font["/ToUnicode"].get_object().get_data().decode("ascii")
            for code, text in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap_text):
                if int(code, 16) not in codes:
                    continue  # reportlab lists all of ASCII in a document's first subset, drawn or not
                # UTF-16 by the PDF standard; reportlab writes a character beyond the BMP as its number.
                char = bytes.fromhex(text).decode("utf-16-be") if len(text) % 4 == 0 else chr(int(text, 16))
                found[(char, name)] = shape(embedded.getGlyphSet(), codes[int(code, 16)])
    return found


def badge_pdf(language: str) -> bytes:
    badge = Badge(
        event_title="移住者と連帯する全国ワークショップ",
        event_dates="2026年12月25日",
        name=" ".join(NAMES[:2]),
        reading="",
        organization=" ".join(NAMES[2:]),
        category="guest",
        category_label="ゲスト",
        sessions=[],
        code="ACEF3479",
        qr_text="TSD2ACEF3479",
        language=language,
    )
    return render_bytes([badge], "a6")


def drawn(pdf: bytes, char: str) -> list[tuple[str, tuple[float, ...]]]:
    return [(name, figures) for (each, name), figures in embedded_glyphs(pdf).items() if each == char]


@pytest.mark.parametrize(("language", "system"), [("ja", "JAN "), ("en", "JAN "), ("ko", "KOR ")])
def test_every_cjk_character_on_a_badge_is_drawn_in_its_readers_form(language: str, system: str) -> None:
    pdf = badge_pdf(language)
    checked = 0
    for char in {c for name in NAMES for c in name if ord(c) >= 0x2E80}:
        for font_name, figures in drawn(pdf, char):
            weight = "bold" if font_name.endswith("-Bold") else "regular"
            assert_is_form(figures, char, weight, system, f"a {language} badge")
            checked += 1
    assert checked >= 20, f"the names' CJK characters were found in the PDF ({checked})"


def test_the_check_tells_the_japanese_form_from_the_taiwanese_one() -> None:
    """The comparison above is not blind: for these characters the default (Taiwanese) form of the
    upstream font differs from the Japanese one by far more than our tolerance."""
    pdf = badge_pdf("ja")
    for char in TELLING:
        for font_name, figures in drawn(pdf, char):
            weight = "bold" if font_name.endswith("-Bold") else "regular"
            assert difference(figures, default_form(char, weight)) > 0.005, f"{char} is not the Taiwanese form"
            assert difference(reference(char, weight, "JAN "), default_form(char, weight)) > 0.005


def test_a_korean_registrants_hanja_are_korean_where_the_forms_differ() -> None:
    japanese, korean = badge_pdf("ja"), badge_pdf("ko")
    for char in "述通":
        ja = {name.rsplit("-", 1)[1]: figures for name, figures in drawn(japanese, char)}
        ko = {name.rsplit("-", 1)[1]: figures for name, figures in drawn(korean, char)}
        assert ja and set(ja) == set(ko), f"{char} is on both badges in the same weights"
        for weight in ja:
            assert difference(ko[weight], ja[weight]) > 0.005, f"{char} ({weight}): the Korean form is not the Japanese"


def test_names_in_every_script_are_drawn_without_a_placeholder(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="events.fonts"):
        pdf = badge_pdf("ja")
    drawn_chars = {char for char, _name in embedded_glyphs(pdf)}
    for char in "".join(NAMES).replace(" ", ""):
        assert char in drawn_chars, f"{char} (U+{ord(char):04X}) is drawn"
    assert fonts.PLACEHOLDER not in drawn_chars, "no character fell back to the placeholder"
    assert not caplog.records, "no missing character was logged"


def jis_x_0213() -> set[str]:
    """Every character of JIS X 0213:2004 (both planes, which include JIS X 0208), from its EUC form."""
    chars: set[str] = set()
    leads = [bytes([row]) for row in range(0xA1, 0xFF)] + [b"\x8f" + bytes([row]) for row in range(0xA1, 0xFF)]
    for lead in leads:
        for cell in range(0xA1, 0xFF):
            try:
                chars.update(c for c in (lead + bytes([cell])).decode("euc_jis_2004") if not c.isspace())
            except UnicodeDecodeError:
                continue
    return chars


def missing(chars: set[str], language: str = "ja") -> list[str]:
    family = fonts.families(language)["regular"]
    bold = fonts.families(language)["bold"]
    return sorted(c for c in chars if family.face_for(c) is None or bold.face_for(c) is None)


def test_all_of_jis_x_0208_and_0213_and_the_ibm_extensions_have_a_glyph() -> None:
    jis = jis_x_0213()
    assert len(jis) > 11_000, f"the repertoire read back has {len(jis)} characters"
    cp932 = {_decoded(code.to_bytes(2, "big"), "cp932") for code in range(0x8140, 0xFCFD)}
    cp932 = {c for c in cp932 if len(c) == 1 and not 0xE000 <= ord(c) <= 0xF8FF}  # not the user-defined area
    assert missing(jis | cp932 | set("髙﨑𠮷")) == [], "every JIS X 0208/0213 and CP932 character has a glyph"


def _decoded(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return ""


def test_every_hangul_syllable_and_latin_letter_has_a_glyph() -> None:
    hangul = {chr(code) for code in range(0xAC00, 0xD7A4)}
    assert len(hangul) == 11_172
    latin = {chr(code) for code in (*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x1E00, 0x1F00))}
    latin = {c for c in latin if c.isprintable()}
    assert missing(hangul | latin) == [], "Hangul syllables and Latin letters with diacritics"
    assert missing(hangul | latin, "ko") == []


def test_simplified_and_traditional_only_characters_still_print() -> None:
    only_chinese = set("这们张伟刘丽們對")
    assert missing(only_chinese) == [] and missing(only_chinese, "ko") == []


def test_a_sample_of_the_whole_repertoire_matches_upstream_for_each_language() -> None:
    """2,000 characters drawn at random (fixed seed) from every face: our glyph is upstream's locl form."""
    characters = sorted(set().union(*(fonts.face(script, "regular").characters for script in ("JA", "KO", "ZH"))))
    sample = random.Random(14).sample(characters, 2_000)
    for language, system in (("ja", "JAN "), ("ko", "KOR ")):
        family = fonts.families(language)["regular"]
        for code in sample:
            char = chr(code)
            face = family.face_for(char)
            if face is None or face.name.startswith("TsudoiSansLatin") or code not in upstream("regular").getBestCmap():
                continue
            ours = opened(str(fonts.FILES / f"{face.name}.ttf"))
            figures = shape(ours.getGlyphSet(), ours.getBestCmap()[code])
            assert_is_form(figures, char, "regular", system, f"U+{code:04X} for {language}")


def test_a_character_no_font_has_is_drawn_as_a_placeholder_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    unknown = "\U00013000"  # an Egyptian hieroglyph: in no face
    family = fonts.families("ja")["regular"]
    with caplog.at_level(logging.WARNING, logger="events.fonts"):
        first = list(fonts.runs(f"Ana {unknown}", family))
        second = list(fonts.runs(f"{unknown}!", family))
    assert "".join(piece for _font, piece in first) == f"Ana {fonts.PLACEHOLDER}", "drawn, not dropped"
    assert fonts.PLACEHOLDER in "".join(piece for _font, piece in second)
    logged = [record for record in caplog.records if "U+13000" in record.getMessage()]
    assert len(logged) == 1, "logged once a process, not once a use"


def test_variation_selectors_are_not_drawn_and_decomposed_text_is_composed() -> None:
    family = fonts.families("ja")["regular"]
    text = "葛\U000e0100飾 Nguye\u0302\u0303n"
    assert "".join(piece for _font, piece in fonts.runs(text, family)) == "葛飾 Nguyễn"


def _cached_fonts(tmp_home: Any) -> list[Any]:
    return [path for path in tmp_home.rglob("*") if path.suffix in {".ttf", ".otf"}]


def test_the_fonts_ship_ready_no_conversion_and_no_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new HOME: the faces load from the package itself and nothing is written anywhere."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for script in ("Latin", "JA", "KO", "ZH"):
        for weight in fonts.WEIGHTS:
            assert (fonts.FILES / f"TsudoiSans{script}-{weight}.ttf").is_file()
            header = (fonts.FILES / f"TsudoiSans{script}-{weight}.ttf").read_bytes()[:4]
            assert header == b"\x00\x01\x00\x00", f"{script} {weight} has TrueType outlines"
    render_bytes([], "a6")
    assert _cached_fonts(tmp_path) == [], "no font file written under HOME"
