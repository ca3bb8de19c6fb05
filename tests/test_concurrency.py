"""Capacity under real load: many clients at once against `tsudoi serve` on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from events.settings import Settings
from tests.conftest import organizer_token
from tests.factories import event_data

SEATS = 10
CLIENTS = 60


async def burst(url: str, token: str) -> tuple[list[httpx.Response], dict[str, Any], list[dict[str, Any]]]:
    """Create the event, then fire 60 registrations released at the same instant."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=CLIENTS), timeout=30) as client:
        created = await client.post("/api/v1/events", json=event_data(capacity=SEATS), headers=headers)
        assert created.status_code == 201, created.text
        start = asyncio.Event()

        async def one(n: int) -> httpx.Response:
            await start.wait()
            body = {"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1"]}
            return await client.post("/api/v1/events/workshop/registrations", json=body)

        tasks = [asyncio.create_task(one(n)) for n in range(CLIENTS)]
        await asyncio.sleep(0.05)
        start.set()
        answers = await asyncio.gather(*tasks)
        event = (await client.get("/api/v1/events/workshop")).json()
        people = [(await client.get(a.json()["links"]["api"])).json() for a in answers if a.status_code == 201]
    return answers, event, people


def assert_exactly_ten_confirmed(
    answers: list[httpx.Response], event: dict[str, Any], people: list[dict[str, Any]]
) -> None:
    failures = [a.text for a in answers if a.status_code != 201]
    assert not failures, f"every request succeeds, no 5xx: {failures[:3]}"
    statuses = [a.json()["status"] for a in answers]
    assert statuses.count("confirmed") == SEATS and statuses.count("waitlisted") == CLIENTS - SEATS
    assert event["sessions"][0]["confirmed"] == SEATS and event["sessions"][0]["remaining"] == 0
    assert len({person["code"] for person in people}) == CLIENTS
    positions = sorted(p["sessions"][0]["waitlist_position"] for p in people if p["status"] == "waitlisted")
    assert positions == list(range(1, CLIENTS - SEATS + 1)), "the waiting list is gapless"


@pytest.mark.usefixtures("db")
async def test_sixty_clients_at_once_get_exactly_ten_seats(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)

    answers, event, people = await burst(server.url, token)

    assert_exactly_ten_confirmed(answers, event, people)
    assert "Traceback" not in server.stop()


async def test_sixty_clients_at_once_get_exactly_ten_seats_on_postgresql(
    postgres_url: str, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url)

    answers, event, people = await burst(server.url, token)

    assert_exactly_ten_confirmed(answers, event, people)
    assert "Traceback" not in server.stop()


async def scan_burst(url: str, token: str) -> tuple[list[httpx.Response], list[httpx.Response]]:
    """30 devices scan one badge at once; then 32 clients check in 500 different people."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=64), timeout=60) as client:
        created = await client.post("/api/v1/events", json=event_data(capacity=None), headers=headers)
        assert created.status_code == 201, created.text
        codes = []
        for n in range(500):
            body = {"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1"]}
            codes.append((await client.post("/api/v1/events/workshop/registrations", json=body)).json()["code"])
        url_path = "/api/v1/events/workshop/checkins"
        start = asyncio.Event()

        async def one(code: str, device: str) -> httpx.Response:
            await start.wait()
            return await client.post(
                url_path, json={"scan": code, "session": "day1", "device": device}, headers=headers
            )

        same = [asyncio.create_task(one(codes[0], f"door-{n}")) for n in range(30)]
        await asyncio.sleep(0.05)
        start.set()
        same_answers = await asyncio.gather(*same)

        queue = list(codes[1:])
        answers: list[httpx.Response] = []

        async def worker(device: str) -> None:
            while queue:
                answers.append(await one(queue.pop(), device))

        await asyncio.gather(*(worker(f"door-{n}") for n in range(32)))
    return same_answers, answers


def assert_counted_once(same: list[httpx.Response], many: list[httpx.Response]) -> None:
    results = [answer.json()["result"] for answer in same]
    assert results.count("ok") == 1 and results.count("already_checked_in") == 29, results
    assert [answer.status_code for answer in many].count(201) == 499, "every other badge counted once"


@pytest.mark.usefixtures("db")
async def test_door_scans_at_once_count_each_person_once(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)

    same, many = await scan_burst(server.url, token)

    assert_counted_once(same, many)
    assert "Traceback" not in server.stop()


async def test_door_scans_at_once_count_each_person_once_on_postgresql(
    postgres_url: str, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url)

    same, many = await scan_burst(server.url, token)

    assert_counted_once(same, many)
    assert "Traceback" not in server.stop()


async def workers_answering(url: str, tries: int = 40) -> set[int]:
    """The worker processes that answer fresh connections (each request on a new connection)."""
    pids = set()
    for _ in range(tries):
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            pids.add((await client.get("/healthz")).json()["worker"])
    return pids


async def test_two_workers_on_postgresql_keep_capacity_and_count_each_scan_once(
    postgres_url: str, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url, args=("--workers", "2"))
    assert len(await workers_answering(server.url)) == 2, "connections are spread over both workers"

    answers, event, people = await burst(server.url, token)
    assert_exactly_ten_confirmed(answers, event, people)
    assert "Traceback" not in server.stop()


async def test_two_workers_on_postgresql_count_thirty_scans_of_one_badge_once(
    postgres_url: str, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url, args=("--workers", "2"))
    assert len(await workers_answering(server.url)) == 2, "connections are spread over both workers"

    same, many = await scan_burst(server.url, token)

    assert_counted_once(same, many)
    assert "Traceback" not in server.stop()


async def test_the_registration_limit_is_one_limit_across_two_workers(
    postgres_url: str, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url, env={"TSUDOI_REGISTRATION_RATE": "5/hour"}, args=("--workers", "2"))
    assert len(await workers_answering(server.url)) == 2, "connections are spread over both workers"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as admin:
        created = await admin.post(
            "/api/v1/events", json=event_data(capacity=None), headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201

    answers = []
    for n in range(12):
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:  # a new connection each time
            body = {"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1"]}
            answers.append((await client.post("/api/v1/events/workshop/registrations", json=body)).status_code)

    assert answers.count(201) == 5 and answers.count(429) == 7, f"five in an hour, whichever worker: {answers}"
    assert "Traceback" not in server.stop()
