"""Every user-facing string goes through gettext, and the Japanese catalogue covers them all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from starlette.applications import Starlette

from events import i18n
from tests.factories import make_event

ROOT = Path(__file__).resolve().parents[1]


def _ids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def test_the_message_template_is_current_with_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
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
