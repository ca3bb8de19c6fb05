"""Calendars: real .ics files, parsed back with icalendar."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from icalendar import Calendar
from starlette.applications import Starlette

from tests.factories import event_data, staff_token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def organizer(app: Starlette, client: httpx.AsyncClient) -> str:
    token = await staff_token()
    await client.post("/api/v1/events", json=event_data(capacity=1), headers=auth(token))
    return token


def events_of(ics: bytes) -> dict[str, Any]:
    parsed = Calendar.from_ical(ics)
    return {str(item["uid"]): item for item in parsed.walk("VEVENT")}


async def test_the_event_feed_has_every_session_in_the_events_zone(client: httpx.AsyncClient, organizer: str) -> None:
    response = await client.get("/events/workshop/calendar.ics")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    assert [str(zone["tzid"]) for zone in parsed.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    items = events_of(response.content)
    assert len(items) == 4
    day1 = next(item for uid, item in items.items() if "-day1@" in uid)
    assert day1["dtstart"].dt.hour == 10 and str(day1["dtstart"].dt.tzinfo) == "Asia/Tokyo"
    assert "Day 1" in str(day1["summary"]) and str(day1["url"]).endswith("/events/workshop")
    assert "Civic Hall" in str(day1["location"])


async def test_a_participants_calendar_holds_their_sessions_waiting_ones_tentative(
    client: httpx.AsyncClient, organizer: str
) -> None:
    first = {"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    await client.post("/api/v1/events/workshop/registrations", json=first)
    second = {"name": "B", "email": "b@example.org", "sessions": ["day1", "lecture"]}
    links = (await client.post("/api/v1/events/workshop/registrations", json=second)).json()["links"]

    response = await client.get(links["calendar"])

    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    statuses = {
        str(item["summary"]).split(" · ")[0]: str(item["status"]) for item in events_of(response.content).values()
    }
    assert statuses == {"Day 1": "TENTATIVE", "Evening lecture": "CONFIRMED"}


async def test_changing_a_sessions_time_raises_its_sequence_and_keeps_its_uid(
    client: httpx.AsyncClient, organizer: str
) -> None:
    before = events_of((await client.get("/events/workshop/calendar.ics")).content)
    day1 = next(item for uid, item in before.items() if "-day1@" in uid)
    later = day1["dtstart"].dt.replace(hour=11).isoformat()

    await client.patch(
        "/api/v1/events/workshop", json={"sessions": [{"code": "day1", "starts_at": later}]}, headers=auth(organizer)
    )
    after = events_of((await client.get("/events/workshop/calendar.ics")).content)

    assert set(after) == set(before), "the same UIDs: calendar apps update, not duplicate"
    changed = next(item for uid, item in after.items() if "-day1@" in uid)
    assert int(changed["sequence"]) == int(day1["sequence"]) + 1
    assert changed["dtstart"].dt.hour == 11
