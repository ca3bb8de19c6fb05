"""Badge PDFs against `tsudoi serve` (issue 3's targets: one badge < 50 ms; 1,000 badges < 3 s;
10,000 badges < 30 s with the server's peak memory under 300 MB, other requests still answered).

    python -m bench.badges --people 1000
    python -m bench.badges --people 10000

Fills a new SQLite database through the registration service, then times one participant's
badge (sequential requests), and the organizer's batch for 1,000 and for every registration,
while a second client keeps asking for /healthz to see whether the server still answers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench._server import Server, fill, machine, memory_mb, summary, tsudoi
from events.registrations.schemas import RegistrationInput
from events.settings import Settings

NAMES = ["山田 花子", "김민지", "Maria dela Cruz", "Nguyễn Thị Lan", "王小明", "João Conceição"]


def person(n: int) -> RegistrationInput:
    return RegistrationInput(
        name=f"{NAMES[n % len(NAMES)]} {n}",
        email=f"p{n}@example.org",
        organization="移住者と連帯する会",
        sessions=["day1", "day2", "reception"][: 1 + n % 3],
    )


async def batch(url: str, token: str, query: str) -> tuple[float, int, list[float]]:
    """Download a batch while another client polls /healthz; return seconds, bytes, poll latencies."""
    done = asyncio.Event()
    polls: list[float] = []

    async def poll() -> None:
        async with httpx.AsyncClient(base_url=url) as client:
            while not done.is_set():
                start = time.perf_counter()
                await client.get("/healthz")
                polls.append(time.perf_counter() - start)
                await asyncio.sleep(0.05)

    poller = asyncio.create_task(poll())
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        start = time.perf_counter()
        response = await client.get(
            f"/api/v1/events/bench/badges.pdf?{query}", headers={"Authorization": f"Bearer {token}"}
        )
        elapsed = time.perf_counter() - start
    done.set()
    await poller
    assert response.status_code == 200, response.text
    return elapsed, len(response.content), polls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = f"sqlite:///{workdir}/bench.db"
        env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench"}
        secret = asyncio.run(fill(Settings(database_url=url, secret_key="bench"), args.people, person))[0].secret
        token = tsudoi(
            "staff", "add", "bench@example.org", "--role", "organizer", "--token", env=env, cwd=workdir
        ).split()[-1]
        server = Server(env, workdir)
        try:
            latencies = []
            with httpx.Client(base_url=server.url) as client:
                for _ in range(5):
                    client.get(f"/api/v1/registrations/{secret}/badge.pdf")
                for _ in range(args.requests):
                    start = time.perf_counter()
                    response = client.get(f"/api/v1/registrations/{secret}/badge.pdf")
                    latencies.append(time.perf_counter() - start)
                    assert response.status_code == 200
            print(f"one participant's badge (A6), {args.requests} sequential requests: {summary(latencies)}")
            seconds, size, polls = asyncio.run(batch(server.url, token, "layout=a4-8up"))
            print(
                f"batch of {args.people:,} badges (a4-8up): {seconds:.2f} s, {size / 1e6:.1f} MB; "
                f"/healthz meanwhile: {summary(polls)}"
            )
            print(f"server peak memory (VmHWM): {memory_mb(server.process.pid, 'VmHWM'):.0f} MB")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
