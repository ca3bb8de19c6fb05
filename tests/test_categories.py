"""Participant categories: staff-only ones are never offered to the public, and the default one is
named in the reader's language, on the page and on the badge."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from events.badges.service import participant_badge
from events.errors import InvalidInput
from events.program.models import Event
from events.registrations.schemas import RegistrationInput, WalkInInput
from events.registrations.service import register
from tests.conftest import csrf_token
from tests.factories import event_data, make_event, staff_token
from tests.test_badges import page_text

CATEGORIES = [
    "individual_member",
    {"code": "staff", "label": "スタッフ / Staff", "staff_only": True},
    {"code": "guest", "label": "Guest"},
]
KEY = "test-secret-key"


@pytest.fixture
async def event(app: Starlette) -> Event:
    return await make_event(categories=CATEGORIES)


async def test_the_public_form_and_event_offer_no_staff_only_category(client: httpx.AsyncClient, event: Event) -> None:
    form = await client.get("/events/workshop?lang=en")
    public = (await client.get("/api/v1/events/workshop")).json()

    assert 'value="guest"' in form.text and 'value="staff"' not in form.text, "the form offers public categories"
    assert [category["code"] for category in public["categories"]] == ["individual_member", "guest", "participant"]


async def test_registering_with_a_staff_only_category_is_refused_to_the_public(
    client: httpx.AsyncClient, event: Event
) -> None:
    body = {"name": "Ana", "email": "ana@example.org", "sessions": ["day1"], "category": "staff"}
    page = await client.get("/events/workshop?lang=en")

    api = await client.post("/api/v1/events/workshop/registrations", json=body)
    form = await client.post("/events/workshop", data={"csrf_token": csrf_token(page.text), **body, "sessions": "day1"})

    assert api.status_code == 422 and "category" in api.json()["fields"], api.text
    assert "staff" not in api.json()["fields"]["category"].split(": ")[1].lower(), "the choices named are public ones"
    assert form.status_code == 422


async def test_the_desk_may_give_a_staff_only_category(event: Event) -> None:
    walk_in = WalkInInput.model_validate({"name": "Speaker", "sessions": ["day1"], "category": "staff"})
    public = RegistrationInput.model_validate({"name": "A", "email": "a@example.org", "sessions": ["day1"]})

    registered = await register(event, walk_in)
    with pytest.raises(InvalidInput):
        await register(event, public.model_copy(update={"category": "staff"}))

    assert registered.registration.category == "staff"


async def test_staff_see_and_keep_staff_only_categories_through_the_api(
    client: httpx.AsyncClient, event: Event
) -> None:
    headers = {"Authorization": f"Bearer {await staff_token()}"}

    patched = await client.patch("/api/v1/events/workshop", json={"title": "改題"}, headers=headers)

    staff = next(category for category in patched.json()["categories"] if category["code"] == "staff")
    assert staff == {"code": "staff", "label": "スタッフ / Staff", "staff_only": True}


async def test_the_default_category_cannot_be_staff_only(client: httpx.AsyncClient, app: Starlette) -> None:
    headers = {"Authorization": f"Bearer {await staff_token()}"}
    data = event_data(categories=[{"code": "participant", "label": "Participant", "staff_only": True}])

    answer = await client.post("/api/v1/events", json=data, headers=headers)

    assert answer.status_code == 422 and "categories" in answer.json()["fields"], answer.text


DEFAULT_LABELS = [("ja", "参加者"), ("ko", "참가자"), ("tl", "Kalahok"), ("en", "Participant")]


@pytest.mark.parametrize(("language", "label"), DEFAULT_LABELS)
async def test_the_default_category_is_named_in_the_readers_language_on_the_form_and_the_badge(
    client: httpx.AsyncClient, event: Event, language: str, label: str
) -> None:
    form = await client.get(f"/events/workshop?lang={language}")
    data = {"name": "Ana", "email": f"ana-{language}@example.org", "sessions": ["day1"], "language": language}
    registered = await register(event, RegistrationInput.model_validate(data))
    registered.registration.event = event

    badge = page_text(await participant_badge(registered.registration, KEY))

    assert f">{label}</option>" in form.text, f"the form offers {label!r}"
    assert label in badge, f"the badge's band says {label!r}"
