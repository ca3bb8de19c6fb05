"""The public event page with 10,000 registrations in the database (issue 2's target: p50 under 20 ms).

    python bench/event_page.py [--registrations 10000] [--requests 500]

Fills a new SQLite database through the registration service, then serves it with `tsudoi serve`
and times sequential GETs of the HTML page and of its JSON twin from one client.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench._server import Server, machine, summary
from events import database
from events.registrations.schemas import RegistrationInput
from events.registrations.service import register
from events.settings import Settings
from tests.factories import make_event


async def fill(settings: Settings, count: int) -> None:
    await database.connect(settings)
    try:
        await database.migrate(settings)
        event = await make_event("bench", capacity=count // 2)
        await event.fetch_related("sessions")
        began = time.perf_counter()
        for n in range(count):
            sessions = ["day1", "day2", "lecture", "reception"][: 1 + n % 4]
            await register(event, RegistrationInput(name=f"参加者 {n}", email=f"p{n}@example.org", sessions=sessions))
        print(f"filled {count} registrations in {time.perf_counter() - began:.1f} s")
    finally:
        await database.disconnect()


def measure(url: str, path: str, requests: int) -> None:
    latencies = []
    with httpx.Client(base_url=url) as client:
        for _ in range(20):
            client.get(path)
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - start)
            assert response.status_code == 200
    print(f"GET {path}: {requests} sequential requests; {summary(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir}/bench.db"
        asyncio.run(fill(Settings(database_url=url, secret_key="bench"), args.registrations))
        server = Server({"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench"}, workdir)
        try:
            measure(server.url, "/events/bench", args.requests)
            measure(server.url, "/api/v1/events/bench", args.requests)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
