"""Every user-facing string goes through gettext, and the Japanese catalogue covers them all."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from html import unescape
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from starlette.applications import Starlette

from events import i18n
from events.locale.scope import EXTRACT, public_message_ids
from tests.conftest import csrf_token
from tests.factories import make_event

ROOT = Path(__file__).resolve().parents[1]


def _ids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_message_template_is_current_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT, "--no-location", "-o", str(fresh), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    committed = _ids(ROOT / "events/locale/messages.pot")

    assert _ids(fresh) == committed, "re-run the extract command in the README and update the catalogues"


def test_the_japanese_catalogue_translates_every_message() -> None:
    with (ROOT / "events/locale/ja/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    template = _ids(ROOT / "events/locale/messages.pot")

    untranslated = [m.id for m in catalogue if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]

    assert {m.id for m in catalogue if m.id} >= template, "every message of the template is in the catalogue"
    assert untranslated == []
    for message in catalogue:
        if message.id and "%(" in str(message.id):
            placeholders = set(re.findall(r"%\(\w+\)", str(message.id)))
            translated = message.string if isinstance(message.string, str) else message.string[0]
            assert placeholders <= set(re.findall(r"%\(\w+\)", translated)), f"{message.id!r} keeps its placeholders"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "ja"),
        ("en-US,en;q=0.9", "en"),
        ("fil-PH", "tl"),
        ("fr-FR,ko;q=0.5", "ko"),
        ("de;q=0,*;q=0.1", "ja"),
        ("garbage;;q=x", "ja"),
    ],
)
def test_the_browser_language_is_used_when_nothing_was_chosen(header: str, expected: str) -> None:
    assert i18n.pick_language(None, None, header) == expected


async def test_the_event_page_speaks_japanese_by_default(app: Starlette, client: httpx.AsyncClient) -> None:
    await make_event(capacity=5)

    page = await client.get("/events/workshop")

    assert "申し込む" in page.text and "残り 5 席" in page.text and "お名前" in page.text


PUBLIC_LANGUAGES = ("ja", "ko", "tl")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sdrxX]")


def _catalogue(language: str) -> dict[str, str]:
    """The language's translations of the public messages: msgid (singular) → msgstr (first form)."""
    with (ROOT / f"events/locale/{language}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    public = public_message_ids()
    table: dict[str, str] = {}
    for message in catalogue:
        key = message.id if isinstance(message.id, str) else message.id[0] if message.id else ""
        if key in public:
            table[key] = message.string if isinstance(message.string, str) else message.string[0]
    return table


#: A format directive: a named placeholder with its conversion, or a literal %%.
DIRECTIVE = re.compile(r"%\(\w+\)[-#0 +]*\d*[sdrxX]|%%")


@pytest.mark.parametrize("language", ["ja", "ko", "tl"])
def test_no_translation_has_a_percent_sign_its_message_lacks(language: str) -> None:
    """Jinja formats every message of a template with %, so a lone % in a translation (円または%)
    breaks the page in that language alone; a literal percent sign is written %%."""
    with (ROOT / f"events/locale/{language}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    lone = [
        (message.id, message.string)
        for message in catalogue
        if message.id
        and isinstance(message.string, str)
        and "%" in DIRECTIVE.sub("", message.string)
        and "%" not in DIRECTIVE.sub("", str(message.id))
    ]

    assert lone == [], f"{language}: translations with a lone % (write %% for a percent sign)"


@pytest.mark.parametrize("language", ["ko", "tl"])
def test_every_public_message_is_translated(language: str) -> None:
    table = _catalogue(language)

    assert set(table) == public_message_ids(), "every public message is in the catalogue"
    untranslated = sorted(key for key, value in table.items() if not value)
    assert untranslated == [], f"{language}: public messages with no translation"
    for key, value in table.items():
        assert set(PLACEHOLDER.findall(key)) <= set(PLACEHOLDER.findall(value)), f"{key!r} keeps its placeholders"


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _english_left_in(text: str, language: str) -> list[str]:
    """Public messages whose English source shows in a page that should be in `language`."""
    leaks = []
    for key, value in _catalogue(language).items():
        if value == key:
            continue
        pieces = [piece.strip(" .,:;") for piece in PLACEHOLDER.split(key)]
        if any(len(piece) >= 12 and piece in text for piece in pieces):
            leaks.append(key)
    return leaks


async def _public_pages(client: httpx.AsyncClient, language: str) -> dict[str, str]:
    """Every public page a participant meets, in `language`: lists, the form, its errors, the own page."""
    pages = {"front page": await client.get(f"/?lang={language}")}
    form = await client.get("/events/workshop")
    pages["event page"] = form
    pages["form with errors"] = await client.post(
        "/events/workshop", data={"csrf_token": csrf_token(form.text), "name": "", "email": "not an address"}
    )
    registered = await client.post(
        "/events/workshop",
        data={
            "csrf_token": csrf_token(form.text),
            "name": "Ana",
            "email": f"ana-{language}@example.org",
            "sessions": "day1",
        },
    )
    assert registered.status_code == 303, registered.text
    manage = registered.headers["location"].split("?")[0]
    pages["own page"] = await client.get(registered.headers["location"])
    pages["cancel page"] = await client.get(f"{manage}/cancel")
    pages["waiting list"] = await client.get("/events/workshop")
    browser = {"accept": "text/html"}
    pages["not found"] = await client.get("/events/no-such-event", headers=browser)
    pages["bad link"] = await client.get("/manage/not-a-real-secret-at-all-xxxxxxxxxxxxxxxx", headers=browser)
    return {name: response.text for name, response in pages.items()}


@pytest.mark.parametrize("language", PUBLIC_LANGUAGES)
async def test_every_public_page_is_wholly_in_the_chosen_language(
    app: Starlette, client: httpx.AsyncClient, language: str
) -> None:
    await make_event(capacity=1)

    pages = await _public_pages(client, language)

    for name, html in pages.items():
        assert f'<html lang="{language}">' in html, f"{name} says its language"
        assert _english_left_in(_visible_text(html), language) == [], f"{name} in {language} shows English"


async def test_the_english_pages_show_the_english_sources(app: Starlette, client: httpx.AsyncClient) -> None:
    await make_event(capacity=1)

    pages = await _public_pages(client, "en")

    assert "Your registration" in _visible_text(pages["own page"]), "the check above would see English text"
    assert _english_left_in(_visible_text(pages["own page"]), "ko"), "and would report it for Korean"


@pytest.mark.parametrize(
    ("language", "written"),
    [("ja", "2008年6月14日(土)"), ("en", "14 June 2008"), ("ko", "2008년 6월 14일 (토)"), ("tl", "Hunyo 14, 2008")],
)
def test_each_language_writes_a_day_its_own_way(language: str, written: str) -> None:
    assert i18n.format_day(date(2008, 6, 14), language) == written


async def test_a_session_time_is_written_the_participants_way(app: Starlette, client: httpx.AsyncClient) -> None:
    event = await make_event()
    first = event.starts_on

    page = await client.get("/events/workshop?lang=ja")

    weekday = "月火水木金土日"[first.weekday()]
    assert f"{first.year}年{first.month}月{first.day}日({weekday}) 10:00" in page.text


async def test_the_staff_area_is_in_english_for_korean_and_tagalog_readers(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    page = await client.get("/staff/login?lang=ko")

    assert '<html lang="en">' in page.text, "Korean is not offered in the staff area: English is"
    assert 'hreflang="ko"' not in page.text and 'hreflang="ja"' in page.text, "the switcher offers ja and en only"
    public = await client.get("/", headers={"cookie": "tsudoi_lang=ko"})
    assert '<html lang="ko">' in public.text, "the public pages stay in Korean"
