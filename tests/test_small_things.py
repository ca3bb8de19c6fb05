"""Small things people stumbled on in a walk through every page (issue: what people stumble on)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from events.badges import tokens
from events.program.models import Event
from events.staff.audit import AuditEntry
from events.staff.models import Role
from events.templating import email_breaks
from tests.conftest import sign_in
from tests.factories import make_event, make_registration
from tests.test_badges import decoded_qr_texts

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"


@pytest.fixture
async def event(app: Starlette) -> Event:
    return await make_event(capacity=5)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("answer", ["ok", "already", "refused"])
def test_each_scanner_answer_colour_keeps_white_text_readable(answer: str) -> None:
    background = re.search(rf"\.answer-{answer} {{ background: (#[0-9a-fA-F]{{6}}); }}", CSS.read_text())
    assert background, f"the .answer-{answer} rule"

    contrast = 1.05 / (_luminance(background.group(1)) + 0.05)

    assert contrast >= 4.5, f"white on {background.group(1)}: {contrast:.2f}:1 (WCAG AA asks 4.5:1)"


async def test_every_page_names_its_icon_and_the_icon_is_served(client: httpx.AsyncClient, event: Event) -> None:
    page = await client.get("/events/workshop")
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.text)

    assert icon, "the page says where its icon is (browsers stop asking for a missing /favicon.ico)"
    served = await client.get(icon.group(1))
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")


async def test_the_staff_home_says_an_events_state_in_words(client: httpx.AsyncClient, event: Event) -> None:
    await sign_in(client, Role.ORGANIZER)

    home = await client.get("/staff/?lang=en")

    assert "<td>Published</td>" in home.text and "<td>published</td>" not in home.text


async def test_the_registrations_list_names_sessions_by_title(client: httpx.AsyncClient, event: Event) -> None:
    await make_registration(event, 1, ["day1", "lecture"])
    await sign_in(client, Role.ORGANIZER)

    listing = await client.get("/staff/events/workshop?lang=en")

    chips = re.findall(r'<span class="chip seat-confirmed"[^>]*>([^<]+)</span>', listing.text)
    assert chips == ["Day 1", "Evening lecture"], chips


@pytest.mark.parametrize("language", ["ko", "tl", "en"])
async def test_only_japanese_readers_are_asked_for_furigana(
    client: httpx.AsyncClient, event: Event, language: str
) -> None:
    japanese = await client.get("/events/workshop?lang=ja")
    other = await client.get(f"/events/workshop?lang={language}")

    assert "ふりがな" in japanese.text
    assert "urigana" not in other.text and "ふりがな" not in other.text, f"{language}: a reading, if the name has one"


async def test_a_door_volunteer_prints_one_lost_badge_and_the_trail_says_so(
    client: httpx.AsyncClient, event: Event
) -> None:
    maria = (await make_registration(event, 1, ["day1"], name="Maria Santos")).registration
    door = await sign_in(client, Role.DOOR)

    found = (await client.get("/staff/events/workshop/scan/search?session=day1&q=Santos")).json()
    badge = await client.get(found[0]["badge_url"])
    batch = await client.get("/staff/events/workshop/badges.pdf")

    assert badge.status_code == 200 and badge.content.startswith(b"%PDF")
    (qr,) = decoded_qr_texts(badge.content)
    assert tokens.parse(qr) is not None and tokens.parse(qr).code == maria.code  # type: ignore[union-attr]
    assert batch.status_code == 403, "the batches stay the organizers'"
    entry = await AuditEntry.filter(staff_id=door.id, action="staff_scan_badge").first()
    assert entry is not None and entry.target == f"code={maria.code}", "who printed whose badge is on record"


def test_an_email_address_wraps_only_after_its_at_and_before_its_dots() -> None:
    wrapped = email_breaks("maria.santos@kalayaan.example.org")
    hostile = email_breaks('x"<b>@example.org')

    assert wrapped == "maria<wbr>.santos@<wbr>kalayaan<wbr>.example<wbr>.org"
    assert "<b>" not in hostile and "&lt;b&gt;" in hostile, "the address itself stays escaped"
