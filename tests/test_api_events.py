"""Setting up events through the API, and the OpenAPI document that describes it all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from tests.factories import event_data, staff_token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def organizer(app: Starlette) -> str:
    return await staff_token()


async def test_an_organizer_creates_a_published_event(client: httpx.AsyncClient, organizer: str) -> None:
    response = await client.post("/api/v1/events", json=event_data(capacity=150), headers=auth(organizer))

    assert response.status_code == 201, response.text
    event = response.json()
    assert event["slug"] == "workshop" and event["status"] == "published" and event["registration_open"] is True
    day1 = event["sessions"][0]
    assert day1 == {
        "code": "day1",
        "title": "Day 1",
        "kind": "day",
        "starts_at": day1["starts_at"],
        "ends_at": day1["ends_at"],
        "location": "",
        "capacity": 150,
        "confirmed": 0,
        "remaining": 150,
        "translations": {},
        "exits": False,
        "room_limit": None,
    }
    assert day1["starts_at"].endswith("T10:00:00+09:00"), "times are shown in the event's zone with the offset"
    assert event["sessions"][1]["capacity"] is None and event["sessions"][1]["remaining"] is None
    assert [c["code"] for c in event["categories"]] == ["individual_member", "non_member", "guest", "participant"]
    listed = (await client.get("/api/v1/events")).json()
    assert [e["slug"] for e in listed] == ["workshop"]


async def test_creating_an_event_needs_an_organizer(client: httpx.AsyncClient, organizer: str) -> None:
    door = await staff_token(role="door", email="door@example.org")  # type: ignore[arg-type]

    anonymous = await client.post("/api/v1/events", json=event_data())
    as_door = await client.post("/api/v1/events", json=event_data(), headers=auth(door))

    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthenticated"
    assert as_door.status_code == 403 and as_door.json()["error"] == "forbidden"


async def test_a_taken_slug_is_a_conflict(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    again = await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    assert again.status_code == 409 and again.json()["error"] == "slug_taken"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Has Spaces"}, "slug"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"ends_on": "2000-01-01"}, "ends_on"),
        ({"starts_on": "not a date"}, "starts_on"),
        ({"sessions": []}, "sessions"),
        ({"categories": [{"code": "bad code!"}]}, "categories.0"),
    ],
)
async def test_bad_event_input_names_the_field(
    client: httpx.AsyncClient, organizer: str, change: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/v1/events", json=event_data(**change), headers=auth(organizer))

    assert response.status_code == 422
    assert field in response.json()["fields"], response.json()


@pytest.mark.parametrize(
    ("session_change", "field"),
    [
        ({"starts_at": "2030-01-01T10:00:00"}, "sessions.0.starts_at"),
        ({"ends_at": "2000-01-01T10:00:00+09:00"}, "sessions.0.ends_at"),
        ({"capacity": -1}, "sessions.0.capacity"),
        ({"kind": "party"}, "sessions.0.kind"),
    ],
)
async def test_bad_session_input_names_the_field(
    client: httpx.AsyncClient, organizer: str, session_change: dict[str, Any], field: str
) -> None:
    data = event_data()
    data["sessions"][0].update(session_change)

    response = await client.post("/api/v1/events", json=data, headers=auth(organizer))

    assert response.status_code == 422
    assert field in response.json()["fields"], response.json()


async def test_capacity_cannot_go_below_the_confirmed_count(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(capacity=5), headers=auth(organizer))
    for n in range(3):
        await client.post(
            "/api/v1/events/workshop/registrations",
            json={"name": "P", "email": f"p{n}@example.org", "sessions": ["day1"]},
        )

    response = await client.patch(
        "/api/v1/events/workshop", json={"sessions": [{"code": "day1", "capacity": 2}]}, headers=auth(organizer)
    )

    assert response.status_code == 422
    assert "sessions.0.capacity" in response.json()["fields"]
    assert (await client.get("/api/v1/events/workshop")).json()["sessions"][0]["capacity"] == 5, "nothing changed"


async def test_raising_capacity_promotes_the_waiting_list_at_once(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(capacity=1), headers=auth(organizer))
    links = []
    for n in range(4):
        answer = await client.post(
            "/api/v1/events/workshop/registrations",
            json={"name": "P", "email": f"p{n}@example.org", "sessions": ["day1"]},
        )
        links.append(answer.json()["links"]["api"])

    response = await client.patch(
        "/api/v1/events/workshop",
        json={"title": "New title", "sessions": [{"code": "day1", "capacity": 3}]},
        headers=auth(organizer),
    )

    assert response.status_code == 200
    assert response.json()["title"] == "New title"
    assert response.json()["sessions"][0]["confirmed"] == 3 and response.json()["sessions"][0]["remaining"] == 0
    statuses = [(await client.get(link)).json()["status"] for link in links]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]


async def test_patch_adds_a_session_by_a_new_code(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    response = await client.patch(
        "/api/v1/events/workshop",
        json={
            "sessions": [
                {
                    "code": "tour",
                    "title": "Study tour",
                    "starts_at": "2030-05-01T09:00:00+09:00",
                    "ends_at": "2030-05-01T12:00:00+09:00",
                    "capacity": 20,
                }
            ]
        },
        headers=auth(organizer),
    )

    assert response.status_code == 200
    assert [s["code"] for s in response.json()["sessions"]][-1] == "tour"


# --- The OpenAPI document -------------------------------------------------------------------------


def _api_routes(app: Starlette) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/api/"):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((route.path, method.lower()))
        assert not (isinstance(route, Mount) and route.path.startswith("/api")), "no mounted sub-apps hide API routes"
    return found


async def test_the_openapi_document_is_valid_and_describes_every_api_route(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()

    validate(document)
    described = {
        (path, method) for path, item in document["paths"].items() for method in item if method != "parameters"
    }
    # The contract's routes outside /api/: the event's calendar feed and the health checks.
    outside_api = {("/events/{slug}/calendar.ics", "get"), ("/healthz", "get"), ("/readyz", "get")}
    assert _api_routes(app) | outside_api == described


def _check(document: dict[str, Any], path: str, method: str, response: httpx.Response) -> None:
    schema = document["paths"][path][method]["responses"][str(response.status_code)]["content"]["application/json"][
        "schema"
    ]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{method.upper()} {path} {response.status_code} breaks its schema: {errors[0].message}"


async def test_real_answers_match_the_openapi_document(client: httpx.AsyncClient, organizer: str) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    created = await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    registered = await client.post(
        "/api/v1/events/workshop/registrations", json={"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    )
    invalid = await client.post("/api/v1/events/workshop/registrations", json={"name": ""})
    link = registered.json()["links"]["api"]

    _check(document, "/api/v1/events", "post", created)
    _check(document, "/api/v1/events", "get", await client.get("/api/v1/events"))
    _check(document, "/api/v1/events/{slug}", "get", await client.get("/api/v1/events/workshop"))
    _check(document, "/api/v1/events/{slug}/registrations", "post", registered)
    _check(document, "/api/v1/events/{slug}/registrations", "post", invalid)
    _check(
        document,
        "/api/v1/events/{slug}/registrations",
        "get",
        await client.get("/api/v1/events/workshop/registrations", headers=auth(organizer)),
    )
    _check(document, "/api/v1/registrations/{secret}", "get", await client.get(link))
    attendance = await client.get("/api/v1/events/workshop/attendance", headers=auth(organizer))
    _check(document, "/api/v1/events/{slug}/attendance", "get", attendance)
    _check(document, "/api/v1/registrations/{secret}/cancel", "post", await client.post(link + "/cancel"))


async def test_a_wrong_method_is_a_405_naming_every_allowed_method(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/events")

    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


@pytest.mark.parametrize("body", [{"title": None}, {"sessions": None}, {"status": "archived"}, {"timezone": None}])
async def test_patch_refuses_null_where_a_value_is_needed(
    client: httpx.AsyncClient, organizer: str, body: dict[str, Any]
) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    response = await client.patch("/api/v1/events/workshop", json=body, headers=auth(organizer))

    assert response.status_code == 422, response.text
    assert (await client.get("/api/v1/events/workshop")).json()["title"] == "全国ワークショップ", "nothing changed"


async def test_patch_can_clear_the_registration_window_and_capacity(client: httpx.AsyncClient, organizer: str) -> None:
    data = event_data(registration_closes_at="2099-01-01T00:00:00+09:00")
    await client.post("/api/v1/events", json=data, headers=auth(organizer))

    response = await client.patch(
        "/api/v1/events/workshop",
        json={"registration_closes_at": None, "sessions": [{"code": "day1", "capacity": None}]},
        headers=auth(organizer),
    )

    assert response.status_code == 200
    assert response.json()["registration_closes_at"] is None
    assert response.json()["sessions"][0]["capacity"] is None


async def test_a_search_longer_than_200_characters_is_refused(client: httpx.AsyncClient, organizer: str) -> None:
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))

    response = await client.get(
        "/api/v1/events/workshop/registrations", params={"q": "x" * 201}, headers=auth(organizer)
    )

    assert response.status_code == 422 and "q" in response.json()["fields"]


async def test_every_door_answer_matches_the_openapi_document(client: httpx.AsyncClient, organizer: str) -> None:
    """Each `result` the door can meet, refusals included, validates against the document (a
    `unknown` answer is both a scan answer and an error, which `oneOf` refused)."""
    document = (await client.get("/api/v1/openapi.json")).json()
    data = event_data(capacity=1)
    data["sessions"][0]["exits"] = True
    await client.post("/api/v1/events", json=data, headers=auth(organizer))
    people = [
        (await client.post("/api/v1/events/workshop/registrations", json=body)).json()
        for body in (
            {"name": "Ana", "email": "ana@example.org", "sessions": ["day1", "reception"]},
            {"name": "Ben", "email": "ben@example.org", "sessions": ["day1"]},
            {"name": "Chi", "email": "chi@example.org", "sessions": ["lecture"]},
        )
    ]
    ana, ben, chi = (person["code"] for person in people)
    await client.post(people[2]["links"]["api"] + "/cancel")

    async def door(kind: str, body: dict[str, Any], slug: str = "workshop") -> httpx.Response:
        return await client.post(f"/api/v1/events/{slug}/{kind}", json=body, headers=auth(organizer))

    answers = {
        ("checkins", "ok"): await door("checkins", {"scan": ana, "session": "day1"}),
        ("checkins", "already_checked_in"): await door("checkins", {"scan": ana, "session": "day1"}),
        ("checkins", "not_registered"): await door("checkins", {"scan": ana, "session": "lecture"}),
        ("checkins", "waitlisted"): await door("checkins", {"scan": ben, "session": "day1"}),
        ("checkins", "cancelled"): await door("checkins", {"scan": chi, "session": "lecture"}),
        ("checkins", "unknown"): await door("checkins", {"scan": "ZZZZZZZZ", "session": "day1"}),
        ("checkins", "invalid"): await door("checkins", {"scan": ana, "session": "nope"}),
        ("checkins", "malformed"): await door("checkins", {"scan": 7}),
        ("checkins", "no such event"): await door("checkins", {"scan": ana, "session": "day1"}, slug="nope"),
        ("checkouts", "out"): await door("checkouts", {"scan": ana, "session": "day1"}),
        ("checkouts", "not_inside"): await door("checkouts", {"scan": ana, "session": "day1"}),
        ("checkouts", "unknown"): await door("checkouts", {"scan": "ZZZZZZZZ", "session": "day1"}),
        ("checkouts", "no exits"): await door("checkouts", {"scan": ana, "session": "reception"}),
        ("checkouts", "no such event"): await door("checkouts", {"scan": ana, "session": "day1"}, slug="nope"),
    }

    for (kind, result), answer in answers.items():
        if result in {"ok", "already_checked_in", "not_registered", "waitlisted", "cancelled", "unknown", "out"}:
            assert answer.json()["result"] == result, f"{kind} {result}: {answer.text}"
        _check(document, f"/api/v1/events/{{slug}}/{kind}", "post", answer)
