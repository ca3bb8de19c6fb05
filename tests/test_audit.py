"""The audit trail: staff changes and downloads are recorded, door scans and page views are not."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from events.settings import Settings
from events.staff.audit import AuditEntry
from events.staff.models import Role
from events.templating import datetime_in
from tests.conftest import make_app, running, sign_in
from tests.factories import event_data, staff_token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_changes_and_downloads_are_recorded_with_who_what_and_where(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    organizer = await staff_token(Role.ORGANIZER, "chief@example.org")
    door = await staff_token(Role.DOOR, "door@example.org")
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    registered = await client.post(
        "/api/v1/events/workshop/registrations", json={"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    )

    await client.patch("/api/v1/events/workshop", json={"title": "Renamed"}, headers=auth(organizer))
    await client.get("/api/v1/events/workshop/participants.csv", headers=auth(organizer))
    await client.get("/api/v1/events/workshop", headers=auth(organizer))  # a look, not a change
    await client.post(
        "/api/v1/events/workshop/checkins",
        json={"scan": registered.json()["code"], "session": "day1", "device": "door-A"},
        headers=auth(door),
    )
    await client.patch("/api/v1/events/workshop", json={"title": ""}, headers=auth(organizer))  # refused: 422

    trail = [(e.staff_email, e.method, e.action, e.event_slug, e.status) for e in await AuditEntry.all().order_by("id")]
    assert trail == [
        ("chief@example.org", "POST", "api_events", "", 201),
        ("chief@example.org", "PATCH", "api_event", "workshop", 200),
        ("chief@example.org", "GET", "api_participants_csv", "workshop", 200),
    ], "the change and the download; not the look, the door's scan, the refused change or the anonymous registration"


async def test_a_staff_pages_change_is_recorded_and_organizers_read_the_trail(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    organizer = await staff_token(Role.ORGANIZER, "chief@example.org")
    await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
    await sign_in(client)

    page = await client.get("/staff/audit")

    assert page.status_code == 200 and "api_events" in page.text and "chief@example.org" in page.text


async def test_door_staff_cannot_read_the_trail(app: Starlette, client: httpx.AsyncClient) -> None:
    await sign_in(client, Role.DOOR)

    page = await client.get("/staff/audit")

    assert page.status_code == 403


async def test_the_trail_shows_its_times_in_the_configured_zone(settings: Settings) -> None:
    async with running(make_app(settings, timezone="America/Sao_Paulo")) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            organizer = await staff_token(Role.ORGANIZER, "chief@example.org")
            await client.post("/api/v1/events", json=event_data(), headers=auth(organizer))
            entry = await AuditEntry.get(action="api_events")
            await sign_in(client)

            page = await client.get("/staff/audit?lang=en")

    shown = datetime_in(entry.at, "America/Sao_Paulo")
    assert "(America/Sao_Paulo)" in page.text, "the zone is named in the column's heading"
    assert shown in page.text, f"the entry's time in that zone, {shown}"
