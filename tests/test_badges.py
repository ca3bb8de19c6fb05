"""Badges: rendered for real, QR codes read back with a real decoder, text extracted from the PDF."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from starlette.applications import Starlette

from events.badges import tokens
from events.badges.render import LAYOUTS, Badge, qr_modules, render
from events.staff.models import Role
from tests.factories import event_data, staff_token

SCRIPTS = {
    "Japanese": ("山田 花子", "やまだ はなこ"),
    "Chinese": ("王小明", "Wáng Xiǎomíng"),
    "Korean": ("김민지", "キム ミンジ"),
    "Tagalog": ("Maria dela Cruz Ñoño", ""),
    "Spanish": ("José Peña Muñoz", ""),
    "Portuguese": ("João Conceição", ""),
    "Vietnamese": ("Nguyễn Thị Minh Khai", ""),
    "Mixed": ("Ana 山田 김", "あな やまだ きむ"),
}


def sample_badges(count: int | None = None) -> list[Badge]:
    people = list(SCRIPTS.values())
    total = count or len(people)
    return [
        Badge(
            event_title="移住者と連帯する全国ワークショップ",
            event_dates="2026年12月25日 – 12月26日 · 名古屋",
            name=people[n % len(people)][0],
            reading=people[n % len(people)][1],
            organization="Kalayaan Japan",
            category=("guest", "non_member", "staff", "individual_member")[n % 4],
            category_label="ゲスト / Guest",
            sessions=["Day 1", "Reception"],
            code=f"ACEF{n:04d}".translate(str.maketrans("0125", "3479")),
            qr_text=tokens.badge_token("key", 1, f"ACEF{n:04d}".translate(str.maketrans("0125", "3479")), "secret"),
        )
        for n in range(total)
    ]


def pdf_pages(data: bytes) -> list[Any]:
    return list(pdfium.PdfDocument(data))


def decoded_qr_texts(data: bytes, scale: float = 3.0) -> list[str]:
    """Every QR code on every page, in reading order (top to bottom, then left to right)."""
    texts = []
    for page in pdf_pages(data):
        image = page.render(scale=scale).to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        found.sort(key=lambda result: (round(result.position.top_left.y / 50), result.position.top_left.x))
        texts += [result.text for result in found]
    return texts


def page_text(data: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdf_pages(data))


def rendered(badges: list[Badge], layout: str, start: int = 1) -> bytes:
    output = io.BytesIO()
    render(badges, LAYOUTS[layout], output, start=start)
    return output.getvalue()


def test_the_qr_payload_is_short_alphanumeric_and_fits_version_2_at_level_m() -> None:
    text = tokens.badge_token("server key", 7, "ACEF3479", "s" * 32)

    assert len(text) == 28 and text.isalnum() and text.isupper()
    assert len(qr_modules(text)) == 25, "version 2: 25×25 modules"


def test_a_payload_verifies_only_for_its_event_code_and_secret() -> None:
    text = tokens.badge_token("server key", 7, "ACEF3479", "secret-one")
    payload = tokens.parse(text)
    assert payload is not None

    assert tokens.verify("server key", payload, 7, "secret-one")
    assert not tokens.verify("server key", payload, 8, "secret-one"), "another event's badge"
    assert not tokens.verify("server key", payload, 7, "secret-two"), "a badge from before the secret was renewed"
    assert not tokens.verify("other key", payload, 7, "secret-one"), "a badge forged without the server's key"
    altered = tokens.parse(text[:-1] + ("A" if text[-1] != "A" else "B"))
    assert altered is not None and not tokens.verify("server key", altered, 7, "secret-one")


def test_a_badge_signed_with_its_events_key_verifies_wherever_the_event_is_served() -> None:
    text = tokens.badge_token("laptop key", 7, "ACEF3479", "secret-one", badge_key="event key")
    payload = tokens.parse(text)
    assert text.startswith("TSD2") and len(text) == 28 and payload is not None and payload.version == 2

    assert tokens.verify("network server key", payload, 412, "secret-one", "event key"), (
        "another server's key and another database id: the event's own key decides"
    )
    assert not tokens.verify("laptop key", payload, 7, "secret-one", "another event's key")
    assert not tokens.verify("laptop key", payload, 7, "secret-two", "event key"), "renewed secret voids it"
    assert not tokens.verify("laptop key", payload, 7, "secret-one"), "an event without a key takes no TSD2"
    legacy = tokens.parse(tokens.badge_token("laptop key", 7, "ACEF3479", "secret-one"))
    assert legacy is not None and legacy.version == 1
    assert tokens.verify("laptop key", legacy, 7, "secret-one", "event key"), "older TSD1 badges still scan"


@pytest.mark.parametrize(
    "text",
    ["", "TSD1", "x" * 10_000, "TSD1ACEF3479\x00" + "A" * 15, "TSD3ACEF3479" + "A" * 16, "ACEF3479", "https://x", "1"],
)
def test_garbage_is_not_a_payload(text: str) -> None:
    assert tokens.parse(text) is None


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_qr_code_on_every_layout_scans(layout: str) -> None:
    badges = sample_badges(LAYOUTS[layout].per_page + 1)

    data = rendered(badges, layout)

    assert decoded_qr_texts(data) == [badge.qr_text for badge in badges]


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_names_in_every_script_are_real_text_in_the_pdf(script: str) -> None:
    name, reading = SCRIPTS[script]
    badge = sample_badges(1)[0]
    badge = Badge(**{**badge.__dict__, "name": name, "reading": reading})

    text = page_text(rendered([badge], "a6"))

    assert name in text.replace("\r", "").replace("\n", " "), f"{script} name extracted: {text!r}"


def test_the_fonts_are_embedded() -> None:
    data = rendered(sample_badges(), "a6")

    assert data.count(b"/FontFile2") >= 2, "TrueType fonts embedded, not referenced"


def test_markup_in_a_name_is_printed_as_typed() -> None:
    badge = Badge(**{**sample_badges(1)[0].__dict__, "name": '<img src="http://example.org/x"> & <b>Bold</b>'})

    text = page_text(rendered([badge], "a6"))

    assert "<b>Bold</b>" in text and "<img" in text


def test_a_very_long_name_still_leaves_the_qr_code_readable() -> None:
    badge = Badge(**{**sample_badges(1)[0].__dict__, "name": "Maria " * 40})

    data = rendered([badge], "a4-10up-card")

    assert decoded_qr_texts(data) == [badge.qr_text]


def test_start_at_label_n_leaves_the_used_labels_empty() -> None:
    badges = sample_badges(3)

    data = rendered(badges, "a4-8up", start=7)

    assert len(pdf_pages(data)) == 2, "labels 7 and 8 on the first sheet, the third on a new one"
    assert decoded_qr_texts(data) == [badge.qr_text for badge in badges]


# --- Through the API ------------------------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def organizer(app: Starlette) -> str:
    return await staff_token()


async def register(client: httpx.AsyncClient, n: int, **changes: Any) -> dict[str, Any]:
    body = {"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1"], **changes}
    response = await client.post("/api/v1/events/workshop/registrations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_participant_downloads_their_own_badge_and_its_qr_names_them(
    client: httpx.AsyncClient, organizer: str, app: Starlette
) -> None:
    await client.post("/api/v1/events", json=event_data(capacity=1), headers=auth(organizer))
    first = await register(client, 1, name="山田 花子", name_reading="やまだ はなこ", sessions=["day1", "reception"])
    waiting = await register(client, 2)

    response = await client.get(first["links"]["badge"])
    refused = await client.get(waiting["links"]["badge"])

    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert len(pdf_pages(response.content)) == 1
    [scanned] = decoded_qr_texts(response.content)
    payload = tokens.parse(scanned)
    assert payload is not None and payload.code == first["code"], "the QR code is this person's"
    assert "山田 花子" in page_text(response.content) and "Day 1" in page_text(response.content)
    assert refused.status_code == 409 and refused.json()["error"] == "no_badge", "no badge while only waitlisted"
    from events.badges.service import identify
    from events.program.service import get_event

    event = await get_event("workshop")
    key = app.state.settings.secret_key
    found = await identify(event, scanned, key)
    assert found is not None and found.code == first["code"], "the scanned text identifies this person"
    assert await identify(event, scanned[:-1] + ("A" if scanned[-1] != "A" else "B"), key) is None
    assert scanned.startswith("TSD2") and event.badge_key, "a new event signs with its own key"
    moved = await identify(event, scanned, "the key of the server the event moved to")
    assert moved is not None and moved.code == first["code"], "the badge does not depend on the server's key"


async def test_door_staff_cannot_download_badges(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    door = await staff_token(Role.DOOR, "door@example.org")

    response = await client.get("/api/v1/events/workshop/badges.pdf", headers=auth(door))

    assert response.status_code == 403


async def test_a_batch_holds_every_confirmed_badge_in_the_asked_order(
    client: httpx.AsyncClient, organizer: str
) -> None:
    await client.post("/api/v1/events", json=event_data(capacity=None), headers=auth(organizer))
    people = [("Sato", "さとう"), ("Aoki", "あおき"), ("Ueda", "うえだ"), ("Kim", ""), ("Ito", "いとう")]
    codes = {}
    for n, (name, reading) in enumerate(people):
        codes[name] = (await register(client, n, name=name, name_reading=reading, organization=f"Org {5 - n}"))["code"]
    cancelled = await register(client, 99, name="Gone")
    await client.post(cancelled["links"]["api"] + "/cancel")

    by_name = await client.get(
        "/api/v1/events/workshop/badges.pdf?layout=a4-10up-card&sort=name", headers=auth(organizer)
    )
    by_code = await client.get(
        "/api/v1/events/workshop/badges.pdf?layout=letter-6up&sort=code", headers=auth(organizer)
    )

    assert by_name.status_code == 200 and by_name.headers["cache-control"] == "no-store"
    order = [tokens.parse(text).code for text in decoded_qr_texts(by_name.content)]  # type: ignore[union-attr]
    assert order == [codes[n] for n in ("Kim", "Aoki", "Ito", "Ueda", "Sato")], "by reading, the name where none"
    assert [tokens.parse(t).code for t in decoded_qr_texts(by_code.content)] == sorted(codes.values())  # type: ignore[union-attr]


@pytest.mark.parametrize("query", ["layout=poster", "sort=age", "start=0", "start=9", "start=x", "session=nope"])
async def test_bad_batch_options_are_422(client: httpx.AsyncClient, organizer: str, query: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    response = await client.get(f"/api/v1/events/workshop/badges.pdf?{query}", headers=auth(organizer))

    assert response.status_code == 422, response.text


async def test_a_batch_for_one_session_holds_only_its_people(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    reception = await register(client, 1, sessions=["day1", "reception"])
    await register(client, 2, sessions=["day1"])

    response = await client.get("/api/v1/events/workshop/badges.pdf?session=reception", headers=auth(organizer))

    assert [tokens.parse(t).code for t in decoded_qr_texts(response.content)] == [reception["code"]]  # type: ignore[union-attr]


async def test_replacing_the_secret_voids_the_old_badge_and_links(
    client: httpx.AsyncClient, organizer: str, app: Starlette
) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    person = await register(client, 1)
    old_badge = await client.get(person["links"]["badge"])
    [old_qr] = decoded_qr_texts(old_badge.content)
    typed = f"{person['code'][:4].lower()}-{person['code'][4:]}"

    replaced = await client.post(
        f"/api/v1/events/workshop/registrations/{typed}/replace-secret", headers=auth(organizer)
    )

    assert replaced.status_code == 200
    new_links = replaced.json()["links"]
    assert new_links["manage"] != person["links"]["manage"]
    assert (await client.get(person["links"]["api"])).status_code == 404, "the old link no longer works"
    assert (await client.get(new_links["api"])).status_code == 200
    [new_qr] = decoded_qr_texts((await client.get(new_links["badge"])).content)
    from events.badges.service import identify
    from events.program.service import get_event

    event = await get_event("workshop")
    key = app.state.settings.secret_key
    renewed = await identify(event, new_qr, key)
    assert renewed is not None and renewed.code == person["code"], "the new QR scans"
    assert await identify(event, old_qr, key) is None, "the old QR is void"


async def test_a_batch_for_a_thousand_registrations_has_a_thousand_badges_in_order(
    client: httpx.AsyncClient, organizer: str
) -> None:
    from events.program.service import get_event
    from events.registrations.schemas import RegistrationInput
    from events.registrations.service import register as register_directly

    await client.post("/api/v1/events", json=event_data(capacity=None), headers=auth(organizer))
    event = await get_event("workshop")
    codes = []
    for n in range(1000):
        data = RegistrationInput(name=f"参加者 {n:04d}", email=f"p{n}@example.org", sessions=["day1"])
        codes.append((await register_directly(event, data)).registration.code)

    response = await client.get("/api/v1/events/workshop/badges.pdf?layout=a4-8up&sort=code", headers=auth(organizer))

    pages = pdf_pages(response.content)
    printed = [
        line.replace("-", "")
        for page in pages
        for line in page.get_textpage().get_text_range().split()
        if len(line) == 9 and line[4] == "-"
    ]
    assert len(pages) == 125, "1,000 badges, 8 to a sheet"
    assert printed == sorted(codes), "every badge once, in code order"


async def test_a_badge_from_another_event_identifies_nobody(
    client: httpx.AsyncClient, organizer: str, app: Starlette
) -> None:
    from events.badges.service import identify
    from events.program.service import get_event

    await client.post("/api/v1/events", json=event_data("workshop"), headers=auth(organizer))
    await client.post("/api/v1/events", json=event_data("symposium"), headers=auth(organizer))
    body = {"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    other = (await client.post("/api/v1/events/symposium/registrations", json=body)).json()
    [scanned] = decoded_qr_texts((await client.get(other["links"]["badge"])).content)

    key = app.state.settings.secret_key
    assert await identify(await get_event("symposium"), scanned, key) is not None
    assert await identify(await get_event("workshop"), scanned, key) is None


async def test_a_reprint_asked_for_with_something_that_is_no_code_is_refused_clearly(
    client: httpx.AsyncClient, organizer: str
) -> None:
    """Found by the API fuzzing: a long non-code in `codes` was a 500."""
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    response = await client.get(
        "/api/v1/events/workshop/badges.pdf",
        params={"codes": "ABCD-2345, j3嶒\x14¤rÔ-far-too-long"},
        headers=auth(organizer),
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid" and "codes" in response.json()["fields"]
