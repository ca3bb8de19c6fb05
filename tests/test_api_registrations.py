"""The registration API as the contract describes it, through the real app over ASGI."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from events.settings import RateLimit
from tests.conftest import make_app, running
from tests.factories import event_data, staff_token


async def create_event(client: httpx.AsyncClient, token: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/events", json=event_data(**kwargs), headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def organizer(app: Starlette) -> str:
    return await staff_token()


async def register(client: httpx.AsyncClient, body: Any, slug: str = "workshop", **kwargs: Any) -> httpx.Response:
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return await client.post(f"/api/v1/events/{slug}/registrations", content=content, **kwargs)


async def test_registering_answers_the_contract_shape(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer, capacity=1)

    response = await register(
        client, {"name": "山田 花子", "email": "hanako@example.org", "sessions": ["day1", "day2"]}
    )

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) >= {"code", "status", "sessions", "links"}
    assert len(body["code"]) == 8 and body["code"].isalnum() and body["code"].isupper()
    assert body["status"] == "confirmed"
    assert body["sessions"] == [{"code": "day1", "status": "confirmed"}, {"code": "day2", "status": "confirmed"}]
    for name in ("manage", "api", "badge", "calendar"):
        assert body["links"][name].startswith("http://testserver/"), f"{name} link is absolute"
    secret = body["links"]["api"].rsplit("/", 1)[1]
    assert len(secret) >= 22 and body["code"] not in secret, "the secret is long and not derived from the code"


async def test_the_registration_link_shows_and_cancels_it(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer, capacity=1)
    first = (await register(client, {"name": "First", "email": "first@example.org", "sessions": ["day1"]})).json()
    second = (await register(client, {"name": "Second", "email": "second@example.org", "sessions": ["day1"]})).json()
    assert second["status"] == "waitlisted"

    shown = await client.get(first["links"]["api"])
    cancelled = await client.post(first["links"]["api"] + "/cancel")
    promoted = await client.get(second["links"]["api"])

    assert shown.status_code == 200 and shown.json()["name"] == "First"
    assert shown.json()["sessions"][0] == {
        "code": "day1",
        "title": "Day 1",
        "status": "confirmed",
        "checked_in_at": None,
    }
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert promoted.json()["status"] == "confirmed", "the waiting person got the freed seat at once"


async def test_an_unknown_or_malformed_link_is_not_found(client: httpx.AsyncClient) -> None:
    for secret in ("x" * 32, "short", "%00", "../../etc/passwd"):
        response = await client.get(f"/api/v1/registrations/{secret}")
        assert response.status_code == 404, secret
        assert response.json()["error"] == "not_found"


async def test_the_same_email_twice_is_a_conflict(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)
    await register(client, {"name": "A", "email": "same@example.org", "sessions": ["day1"]})

    response = await register(client, {"name": "B", "email": " SAME@example.org", "sessions": ["day2"]})

    assert response.status_code == 409
    assert response.json()["error"] == "already_registered"


async def test_unknown_fields_never_choose_code_status_or_seat(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer, capacity=0)

    response = await register(
        client,
        {
            "name": "Sneaky",
            "email": "s@example.org",
            "sessions": ["day1"],
            "status": "confirmed",
            "code": "AAAAAAAA",
            "event_id": 99,
        },
    )

    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted" and response.json()["code"] != "AAAAAAAA"


async def test_an_unknown_event_is_not_found(client: httpx.AsyncClient) -> None:
    response = await register(client, {"name": "A", "email": "a@example.org", "sessions": ["day1"]}, slug="nope")

    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "   ", "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "x" * 10_000, "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "Nul\x00Byte", "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "Bell\x07", "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "Right\u202eto left", "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": ["a list"], "email": "a@example.org", "sessions": ["day1"]}, "name"),
        ({"name": "A", "email": "not-an-email", "sessions": ["day1"]}, "email"),
        ({"name": "A", "email": "a@example.org\r\nBcc: x@example.org", "sessions": ["day1"]}, "email"),
        ({"name": "A", "email": "a" * 250 + "@example.org", "sessions": ["day1"]}, "email"),
        ({"name": "A", "email": "a@example.org", "sessions": ["day9"]}, "sessions"),
        ({"name": "A", "email": "a@example.org", "sessions": []}, "sessions"),
        ({"name": "A", "email": "a@example.org", "sessions": "day1"}, "sessions"),
        ({"name": "A", "email": "a@example.org", "sessions": ["day1"], "language": "fr"}, "language"),
        ({"name": "A", "email": "a@example.org", "sessions": ["day1"], "organization": "o" * 201}, "organization"),
        ({"name": "A", "email": "a@example.org", "sessions": ["day1"], "category": "vip"}, "category"),
    ],
)
async def test_bad_input_gets_a_422_naming_the_field(
    client: httpx.AsyncClient, organizer: str, body: dict[str, Any], field: str
) -> None:
    await create_event(client, organizer)

    response = await register(client, body)

    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"] == "invalid" and payload["message"]
    assert field in payload["fields"], f"expected a message for {field}, got {payload['fields']}"


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[]",
        b'"text"',
        b"null",
        b"[" * 5000 + b"]" * 5000,
        '{"name": "\udcff"}'.encode("utf-8", "surrogatepass"),
    ],
)
async def test_malformed_bodies_get_a_422(client: httpx.AsyncClient, organizer: str, raw: bytes) -> None:
    await create_event(client, organizer)

    response = await register(client, raw)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


async def test_a_body_over_64_kib_gets_a_413(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)
    body = json.dumps({"name": "A", "email": "a@example.org", "sessions": ["day1"], "pad": "x" * 100 * 1024})

    response = await register(client, body)

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


async def test_a_streamed_body_over_64_kib_gets_a_413(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)

    async def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 8192

    response = await client.post("/api/v1/events/workshop/registrations", content=chunks())

    assert response.status_code == 413


async def test_public_registration_is_rate_limited_per_address(settings: Any) -> None:
    app = make_app(settings, registration_rate=RateLimit(3, 60))
    async with running(app):
        token = await staff_token()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            await create_event(client, token)
            answers = [
                (await register(client, {"name": "A", "email": f"p{n}@example.org", "sessions": ["day1"]})).status_code
                for n in range(5)
            ]
            limited = await register(client, {"name": "A", "email": "p9@example.org", "sessions": ["day1"]})
            with_token = await register(
                client, {"name": "A", "email": "staff-entered@example.org", "sessions": ["day1"]}, headers=auth(token)
            )

    assert answers == [201, 201, 201, 429, 429]
    assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    assert with_token.status_code == 201, "requests with a staff token are not limited"


async def test_staff_list_shows_email_to_organizers_but_not_to_door_staff(
    client: httpx.AsyncClient, organizer: str
) -> None:
    await create_event(client, organizer)
    await register(
        client,
        {"name": "Tanaka Yuki", "organization": "Minato Center", "email": "yuki@example.org", "sessions": ["day1"]},
    )
    await register(client, {"name": "Maria Santos", "email": "maria@example.org", "sessions": ["day2"]})
    door = await staff_token(role="door")  # type: ignore[arg-type]

    as_organizer = await client.get("/api/v1/events/workshop/registrations", headers=auth(organizer))
    as_door = await client.get("/api/v1/events/workshop/registrations?q=minato", headers=auth(door))

    assert as_organizer.status_code == 200 and len(as_organizer.json()) == 2
    assert {row["email"] for row in as_organizer.json()} == {"yuki@example.org", "maria@example.org"}
    assert as_door.status_code == 200
    assert [row["name"] for row in as_door.json()] == ["Tanaka Yuki"]
    assert "email" not in as_door.json()[0] and "yuki@example.org" not in as_door.text


async def test_staff_list_finds_a_person_by_typed_code(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)
    code = (await register(client, {"name": "Kim", "email": "kim@example.org", "sessions": ["day1"]})).json()["code"]

    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    response = await client.get("/api/v1/events/workshop/registrations", params={"q": typed}, headers=auth(organizer))

    assert [row["code"] for row in response.json()] == [code]


async def test_staff_routes_need_a_valid_token(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)

    missing = await client.get("/api/v1/events/workshop/registrations")
    wrong = await client.get("/api/v1/events/workshop/registrations", headers=auth("tsd_not-a-real-token"))
    malformed = await client.get("/api/v1/events/workshop/registrations", headers={"Authorization": "Basic abc"})

    assert [r.status_code for r in (missing, wrong, malformed)] == [401, 401, 401]
    assert all(r.json()["error"] == "unauthenticated" for r in (missing, wrong, malformed))


async def test_registration_outside_the_window_is_a_409(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer, registration_closes_at="2000-01-01T00:00:00+09:00")

    response = await register(client, {"name": "Late", "email": "late@example.org", "sessions": ["day1"]})

    assert response.status_code == 409 and response.json()["error"] == "registration_closed"


async def test_a_door_account_limited_to_another_event_sees_nothing_of_this_one(
    client: httpx.AsyncClient, organizer: str
) -> None:
    from events.program.models import Event
    from events.staff.models import Role, StaffAccount
    from events.staff.service import issue_token, save_staff

    await create_event(client, organizer, slug="workshop")
    await create_event(client, organizer, slug="symposium")
    account: StaffAccount = await save_staff("door-b@example.org", Role.DOOR)
    account.event = await Event.get(slug="symposium")  # type: ignore[assignment]
    await account.save()
    token = await issue_token(account)

    own = await client.get("/api/v1/events/symposium/registrations", headers=auth(token))
    other = await client.get("/api/v1/events/workshop/registrations", headers=auth(token))

    assert own.status_code == 200
    assert other.status_code == 403 and other.json()["error"] == "forbidden"


async def test_a_draft_event_is_hidden_from_the_public(client: httpx.AsyncClient, organizer: str) -> None:
    await create_event(client, organizer)
    await client.patch("/api/v1/events/workshop", json={"status": "draft"}, headers=auth(organizer))

    listed = await client.get("/api/v1/events")
    shown = await client.get("/api/v1/events/workshop")
    registered = await register(client, {"name": "A", "email": "a@example.org", "sessions": ["day1"]})

    assert listed.json() == []
    assert shown.status_code == 404 and registered.status_code == 404
