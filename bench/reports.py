"""Report speed against `tsudoi serve` (issue 5's targets, on SQLite and on PostgreSQL): an event of
10,000 registrations over 6 sessions with 40,000 check-ins; attendance JSON under 200 ms,
participants.csv under 1 s, the PDF report under 2 s.

    python -m bench.reports [--people 10000] [--database-url URL] [--repeat 10]

Registrations go through the registration service (so seat counts are what the service keeps);
the 40,000 check-ins are inserted with one SQL statement per batch, as the door would have left
them (this benchmark times reading them back, not making them).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench._server import Server, machine, summary, tsudoi
from events import clock, database
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.registrations.schemas import RegistrationInput
from events.registrations.service import register
from events.settings import Settings
from tests.factories import event_data

SESSIONS = ["day1", "lecture", "reception", "day2", "symposium", "closing"]
INSERT_CHECKINS = (
    'INSERT INTO "checkin" ("registration_id", "session_id", "checked_in_at", "created_at", "device", "source") '
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def six_sessions() -> dict[str, object]:
    """The test workshop's four sessions and two more on the second day."""
    data = event_data("bench", capacity=None)
    sessions = data["sessions"]
    day2 = sessions[3]
    for code, hours in (("symposium", 4), ("closing", 6)):
        starts = datetime.fromisoformat(day2["starts_at"]) + timedelta(hours=hours)
        kind = "symposium" if code == "symposium" else "other"
        sessions.append(
            {
                **day2,
                "code": code,
                "title": code.title(),
                "kind": kind,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
            }
        )
    return data


async def fill(settings: Settings, people: int) -> None:
    await database.connect(settings)
    try:
        await database.migrate(settings)
        await create_event(EventInput.model_validate(six_sessions()))
        event: Event = await get_event("bench")
        started = time.perf_counter()
        ids = []
        for n in range(people):
            data = RegistrationInput(name=f"参加者 {n}", email=f"p{n}@example.org", sessions=SESSIONS)
            ids.append((await register(event, data)).registration.id)
            if n and n % 2000 == 0:
                print(f"  {n} registrations ({time.perf_counter() - started:.0f} s)", flush=True)
        sessions = {session.code: session for session in event.sessions}  # type: ignore[attr-defined]
        base = clock.start_of_day(event.starts_on, event.timezone)
        rows = []
        for n, registration_id in enumerate(ids):
            for k, code in enumerate(SESSIONS):
                if (n + k) % 3 != 0:  # four sessions of six each: 40,000 for 10,000 people
                    moment = (base + timedelta(hours=9 + k, seconds=n % 3600)).astimezone(UTC)
                    rows.append([registration_id, sessions[code].id, moment, moment, "door-A", "scan"])
        for start in range(0, len(rows), 1000):
            await database.execute_many(INSERT_CHECKINS, rows[start : start + 1000])
        print(f"  filled: {people} registrations, {len(rows)} check-ins ({time.perf_counter() - started:.0f} s)")
    finally:
        await database.disconnect()


def timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    latencies = []
    for _ in range(repeat):
        start = time.perf_counter()
        answer = client.get(path)
        latencies.append(time.perf_counter() - start)
        answer.raise_for_status()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = args.database_url or f"sqlite:///{workdir}/bench.db"
        env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench"}
        asyncio.run(fill(Settings(database_url=url, secret_key="bench"), args.people))
        token = tsudoi("staff", "add", "org@example.org", "--role", "organizer", "--token", env=env, cwd=workdir)
        server = Server(env, workdir)
        try:
            headers = {"Authorization": f"Bearer {token.split()[-1]}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                for path, target in (
                    ("/api/v1/events/bench/attendance", "< 200 ms"),
                    ("/api/v1/events/bench/attendance.csv", ""),
                    ("/api/v1/events/bench/participants.csv", "< 1 s"),
                    ("/api/v1/events/bench/participants.xlsx", ""),
                    ("/api/v1/events/bench/report.pdf", "< 2 s"),
                ):
                    timed(client, path, 1)  # warm-up: fonts, statement caches
                    size = len(client.get(path).content)
                    print(
                        f"{path} ({size:,} bytes){' target ' + target if target else ''}: "
                        f"{summary(timed(client, path, args.repeat))}"
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
