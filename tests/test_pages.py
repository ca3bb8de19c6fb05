"""The public pages, as a participant on a phone meets them (no JavaScript)."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from events.program.models import Event
from tests.conftest import csrf_token
from tests.factories import make_event


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
