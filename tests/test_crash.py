"""A worker killed with SIGKILL in the middle of a burst of registrations loses nothing it acknowledged
and leaves nothing half-written (on the suite's engine)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx

from events.program.models import Session
from events.registrations.models import Registration, Seat, SeatStatus
from events.settings import Settings
from tests.conftest import organizer_token
from tests.factories import event_data

PEOPLE = 300
CLIENTS = 24
KILL_AFTER = 40


async def test_a_killed_worker_keeps_every_acknowledged_registration_whole(
    db: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(db.database_url, tmp_path)
    server = live_server_factory(db.database_url)
    acknowledged: list[str] = []
    enough = asyncio.Event()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        created = await client.post(
            "/api/v1/events", json=event_data(capacity=100), headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
        numbers = iter(range(PEOPLE))

        async def register_some() -> None:
            for n in numbers:
                body = {"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1", "reception"]}
                try:
                    answer = await client.post("/api/v1/events/workshop/registrations", json=body)
                except httpx.TransportError:
                    return  # the server is gone
                if answer.status_code == 201:
                    acknowledged.append(answer.json()["code"])
                    if len(acknowledged) >= KILL_AFTER:
                        enough.set()

        clients = [asyncio.create_task(register_some()) for _ in range(CLIENTS)]
        await asyncio.wait_for(enough.wait(), timeout=60)
        os.kill(server.process.pid, signal.SIGKILL)  # mid-burst: requests are in flight
        await asyncio.wait_for(asyncio.gather(*clients), timeout=60)
    server.process.wait(timeout=10)
    assert len(acknowledged) < PEOPLE, "the kill came in the middle of the burst"

    stored = {registration.code: registration for registration in await Registration.all()}
    missing = [code for code in acknowledged if code not in stored]
    assert not missing, f"acknowledged but lost: {missing}"
    for registration in stored.values():
        seats = await Seat.filter(registration=registration).count()
        assert seats == 2, f"{registration.code} is half-written: {seats} seat(s) of 2"
    for session in await Session.all():
        confirmed = await Seat.filter(session=session, status=SeatStatus.CONFIRMED).count()
        assert session.confirmed_count == confirmed, f"{session.code}: the counter matches the seats"
