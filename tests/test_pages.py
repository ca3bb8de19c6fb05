"""The public pages, as a participant on a phone meets them (no JavaScript)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from starlette.applications import Starlette

from events.program.models import Event
from events.program.service import get_event
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from tests.conftest import csrf_token
from tests.factories import make_event
from tests.test_badges import decoded_qr_texts


@pytest.fixture
async def event(app: Starlette) -> Event:
    return await make_event(capacity=1)


async def test_the_front_page_lists_upcoming_events(client: httpx.AsyncClient, event: Event) -> None:
    response = await client.get("/")

    assert response.status_code == 200
    assert "全国ワークショップ" in response.text and "/events/workshop" in response.text


async def test_the_front_page_says_so_when_there_are_no_events(client: httpx.AsyncClient) -> None:
    response = await client.get("/?lang=en")

    assert "No events are open at the moment" in response.text


async def test_the_event_page_shows_sessions_seats_and_the_form(client: httpx.AsyncClient, event: Event) -> None:
    response = await client.get("/events/workshop?lang=en")

    assert response.status_code == 200
    html = response.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "Evening lecture" in html and "1 seat left" in html and "Open seating" in html
    assert 'name="sessions" value="day1"' in html and 'name="csrf_token"' in html
    assert "<script" not in html, "the public pages work without JavaScript"


async def test_registering_through_the_form_leads_to_the_manage_page(client: httpx.AsyncClient, event: Event) -> None:
    page = await client.get("/events/workshop?lang=en")
    form = {
        "csrf_token": csrf_token(page.text),
        "name": "Maria Santos",
        "email": "maria@example.org",
        "organization": "Kalayaan",
        "category": "guest",
        "sessions": ["day1", "reception"],
    }

    response = await client.post("/events/workshop", data=form)

    assert response.status_code == 303
    manage = await client.get(response.headers["location"])
    assert manage.status_code == 200 and manage.headers["cache-control"] == "no-store"
    assert "Thank you! You are registered." in manage.text
    assert "Maria Santos" in manage.text and "Confirmed" in manage.text


async def test_a_form_with_mistakes_comes_back_with_the_input_and_the_errors(
    client: httpx.AsyncClient, event: Event
) -> None:
    page = await client.get("/events/workshop?lang=en")
    form = {
        "csrf_token": csrf_token(page.text),
        "name": "Kim Minji",
        "email": "not-an-email",
        "organization": "이주민과 함께",
    }

    response = await client.post("/events/workshop", data=form)

    assert response.status_code == 422
    assert 'value="Kim Minji"' in response.text and 'value="이주민과 함께"' in response.text, "input is kept"
    assert "Not a valid e-mail address" in response.text
    assert re.search(r'id="sessions-error">[^<]+<', response.text), "the missing session choice is explained"


async def test_the_waiting_list_position_shows_on_the_manage_page(client: httpx.AsyncClient, event: Event) -> None:
    locations = []
    for n in range(3):
        page = await client.get("/events/workshop?lang=en")
        form = {"csrf_token": csrf_token(page.text), "name": f"P{n}", "email": f"p{n}@example.org", "sessions": "day1"}
        locations.append((await client.post("/events/workshop", data=form)).headers["location"])

    third = await client.get(locations[2])

    assert "Waiting list, position 2" in third.text


async def test_cancelling_asks_first_then_frees_the_seat(client: httpx.AsyncClient, event: Event) -> None:
    page = await client.get("/events/workshop?lang=en")
    form = {"csrf_token": csrf_token(page.text), "name": "A", "email": "a@example.org", "sessions": "day1"}
    manage_url = (await client.post("/events/workshop", data=form)).headers["location"].split("?")[0]

    question = await client.get(manage_url + "/cancel")
    assert "Cancel your registration?" in question.text
    done = await client.post(manage_url + "/cancel", data={"csrf_token": csrf_token(question.text)})

    assert done.status_code == 303
    assert "Your registration has been cancelled." in (await client.get(done.headers["location"])).text
    assert (await client.get("/api/v1/events/workshop")).json()["sessions"][0]["remaining"] == 1


async def test_a_form_without_its_csrf_token_is_refused(client: httpx.AsyncClient, event: Event) -> None:
    await client.get("/events/workshop")

    response = await client.post(
        "/events/workshop",
        data={"name": "A", "email": "a@example.org", "sessions": "day1"},
        headers={"accept": "text/html"},
    )

    assert response.status_code == 403
    assert "<html" in response.text


async def test_the_language_follows_the_query_then_the_cookie_then_the_browser(
    client: httpx.AsyncClient, event: Event
) -> None:
    by_default = await client.get("/")
    by_browser = await client.get("/", headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.5"})
    chosen = await client.get("/?lang=en")
    remembered = await client.get("/")

    assert '<html lang="ja">' in by_default.text
    assert '<html lang="ko">' in by_browser.text
    assert '<html lang="en">' in chosen.text and "tsudoi_lang=en" in chosen.headers["set-cookie"]
    assert '<html lang="en">' in remembered.text


async def test_an_unknown_page_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/events/nothing-here", headers={"accept": "text/html"})

    assert response.status_code == 404 and "<html" in response.text


async def test_pages_carry_security_headers(client: httpx.AsyncClient, event: Event) -> None:
    response = await client.get("/events/workshop")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def decoded_svg_qr(svg: str, scale: int = 8) -> list[str]:
    """The page's QR code drawn as its SVG says (each `M x y h w` run a dark rectangle, one module
    high, on the white square of the viewBox), then read by a real decoder."""
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))  # type: ignore[union-attr]
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)", svg):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle([left, top, left + int(width) * scale - 1, top + scale - 1], fill=0)
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


class _Inputs(HTMLParser):
    """The attributes of every input and textarea of a page, by id."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str | None]] = {}
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.update(name for name, _value in attrs)
        if tag in ("input", "textarea"):
            fields = dict(attrs)
            self.fields[str(fields.get("id"))] = fields


async def test_fields_with_a_problem_keep_required_and_are_marked_invalid(client: httpx.AsyncClient) -> None:
    await make_event(capacity=1)
    await add_question(
        await get_event("workshop", include_hidden=True),
        QuestionInput.model_validate({"code": "needs", "label": "Needs", "kind": "short_text", "required": True}),
    )
    page = await client.get("/events/workshop?lang=en")

    answer = await client.post("/events/workshop", data={"csrf_token": csrf_token(page.text), "email": "x"})
    parsed = _Inputs()
    parsed.feed(answer.text)

    name, email, needs = parsed.fields["f-name"], parsed.fields["f-email"], parsed.fields["q-needs"]
    assert "required" in name and name.get("aria-invalid") == "true", name
    assert "required" in email and email.get("aria-invalid") == "true", email
    assert "required" in needs and needs.get("aria-invalid") == "true", needs
    run_together = [
        name for name in parsed.names if "aria-" in name[1:] or name.startswith("required") and name != "required"
    ]
    assert run_together == [], f"two attributes run together: {run_together}"


async def test_a_confirmed_participant_finds_the_badge_and_its_qr_code_on_their_page(
    client: httpx.AsyncClient, event: Event
) -> None:
    page = await client.get("/events/workshop?lang=en")
    form = {"csrf_token": csrf_token(page.text), "name": "Ana", "email": "ana@example.org", "sessions": "day1"}
    own = await client.get((await client.post("/events/workshop", data=form)).headers["location"])

    svg = re.search(r'<div class="qr">(<svg.*?</svg>)</div>', own.text, re.S)
    badge = re.search(r'href="([^"]+/badge\.pdf)"', own.text)
    assert svg and badge, "the QR code and the badge's download are on the page"
    pdf = await client.get(badge.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert decoded_svg_qr(svg.group(1)) == decoded_qr_texts(pdf.content), "the screen and the badge show one code"


async def test_someone_only_on_the_waiting_list_is_told_so_plainly(client: httpx.AsyncClient, event: Event) -> None:
    async def register(n: int) -> str:
        page = await client.get("/events/workshop?lang=en")
        form = {"csrf_token": csrf_token(page.text), "name": f"P{n}", "email": f"p{n}@example.org", "sessions": "day1"}
        return (await client.get((await client.post("/events/workshop", data=form)).headers["location"])).text

    first, second = await register(1), await register(2)

    assert "Thank you! You are registered." in first and "You are on the waiting list" not in first
    assert "Thank you! You are registered." not in second, "a waiting seat is not a registration confirmed"
    assert "You are on the waiting list" in second and "Waiting list, position 1" in second
    assert "goes to the first person on the waiting list" in second, "what happens when a seat frees"
    assert '<div class="qr">' not in second, "no badge until a seat is confirmed"
