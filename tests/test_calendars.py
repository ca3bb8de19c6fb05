"""Calendars: real .ics files, parsed back with icalendar."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import ics
import pytest
from dateutil.tz import tzical
from icalendar import Calendar
from starlette.applications import Starlette

from events.settings import Settings
from tests.conftest import make_app, running
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


# "Add to calendar" links on the event page and the participant's own page


def calendar_links(html: str) -> list[str]:
    block = re.search(r'<p class="calendar-links">(.*?)</p>', html, re.S)
    assert block, "the page has its calendar links"
    return re.findall(r'href="([^"]+)"', block.group(1))


async def test_the_event_page_offers_the_feed_as_a_download_and_as_a_webcal_subscription(settings: Settings) -> None:
    app = make_app(settings, base_url="https://tsudoi.example.org")
    transport = httpx.ASGITransport(app=app)
    async with running(app), httpx.AsyncClient(transport=transport, base_url="https://tsudoi.example.org") as client:
        await client.post("/api/v1/events", json=event_data(), headers=auth(await staff_token()))

        page = await client.get("/events/workshop?lang=en")
        subscribe, download = calendar_links(page.text)
        feed = await client.get(urlsplit(subscribe).path)

    assert subscribe == "webcal://tsudoi.example.org/events/workshop/calendar.ics", "built from the base URL"
    assert download == "https://tsudoi.example.org/events/workshop/calendar.ics"
    assert feed.status_code == 200 and len(events_of(feed.content)) == 4, "the subscription is the event's feed"


async def test_the_manage_page_offers_the_participants_own_calendar(client: httpx.AsyncClient, organizer: str) -> None:
    person = {"name": "A", "email": "a@example.org", "sessions": ["lecture"]}
    links = (await client.post("/api/v1/events/workshop/registrations", json=person)).json()["links"]

    page = await client.get(links["manage"] + "?lang=en")
    [download] = calendar_links(page.text)
    own = await client.get(download)

    assert download == links["calendar"]
    summaries = [str(item["summary"]) for item in events_of(own.content).values()]
    assert own.status_code == 200 and summaries == ["Evening lecture · 全国ワークショップ"], "only their session"


# The rule: calendars parse back with the right instants in icalendar and in a second, independent
# parser: `ics` (TatSu grammar, arrow and dateutil; it reads a TZID by its name, as Google and Apple
# Calendar do). Clients that read the file's own VTIMEZONE instead (Outlook) are checked with
# dateutil's RFC 5545 VTIMEZONE reader.

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# Daylight saving time starts in New York at 02:00 on Sunday 10 March 2030 (clocks go to 03:00).
SESSIONS = {
    "before": (datetime(2030, 3, 9, 10), datetime(2030, 3, 9, 17)),
    "overnight": (datetime(2030, 3, 9, 22), datetime(2030, 3, 10, 10)),
    "after": (datetime(2030, 3, 11, 10), datetime(2030, 3, 11, 17)),
}
Instants = dict[str, tuple[datetime, datetime]]


def session_code(uid: object) -> str:
    return str(uid).split("@")[0].rsplit("-", 1)[1]


def instants_by_icalendar(feed: bytes) -> Instants:
    return {
        session_code(item["uid"]): (item["dtstart"].dt.astimezone(UTC), item["dtend"].dt.astimezone(UTC))
        for item in Calendar.from_ical(feed).walk("VEVENT")
    }


def instants_by_ics(feed: bytes) -> Instants:
    return {
        session_code(item.uid): (item.begin.datetime.astimezone(UTC), item.end.datetime.astimezone(UTC))
        for item in ics.Calendar(feed.decode("utf-8")).events
    }


def in_utc(zone: ZoneInfo | tzinfo, sessions: dict[str, tuple[datetime, datetime]]) -> Instants:
    return {
        code: (start.replace(tzinfo=zone).astimezone(UTC), end.replace(tzinfo=zone).astimezone(UTC))
        for code, (start, end) in sessions.items()
    }


def event_in(zone: ZoneInfo, sessions: dict[str, tuple[datetime, datetime]]) -> dict[str, Any]:
    return event_data(
        starts_on="2030-03-09",
        ends_on="2030-03-11",
        timezone=str(zone),
        sessions=[
            {
                "code": code,
                "title": code.title(),
                "starts_at": start.replace(tzinfo=zone).isoformat(),
                "ends_at": end.replace(tzinfo=zone).isoformat(),
            }
            for code, (start, end) in sessions.items()
        ],
    )


async def feed_for(client: httpx.AsyncClient, zone: ZoneInfo, sessions: dict[str, tuple[datetime, datetime]]) -> bytes:
    created = await client.post("/api/v1/events", json=event_in(zone, sessions), headers=auth(await staff_token()))
    assert created.status_code == 201, created.text
    return (await client.get("/events/workshop/calendar.ics")).content


@pytest.mark.parametrize("parse", [instants_by_icalendar, instants_by_ics], ids=["icalendar", "ics"])
@pytest.mark.parametrize("zone", [TOKYO, NEW_YORK], ids=str)
async def test_both_parsers_read_the_right_instants_in_tokyo_and_across_a_dst_change(
    app: Starlette, client: httpx.AsyncClient, zone: ZoneInfo, parse: Any
) -> None:
    feed = await feed_for(client, zone, SESSIONS)

    instants = parse(feed)

    assert instants == in_utc(zone, SESSIONS)
    start, end = instants["overnight"]
    hours = 11 if zone is NEW_YORK else 12
    assert end - start == timedelta(hours=hours), "22:00 to 10:00 lasts 11 hours the night New York's clocks go forward"


@pytest.mark.parametrize("zone", [TOKYO, NEW_YORK], ids=str)
async def test_the_files_own_vtimezone_gives_the_same_instants(
    app: Starlette, client: httpx.AsyncClient, zone: ZoneInfo
) -> None:
    feed = await feed_for(client, zone, SESSIONS)

    described = tzical(io.StringIO(feed.decode("utf-8"))).get(str(zone))

    assert in_utc(described, SESSIONS) == in_utc(zone, SESSIONS)
