"""The door's cost in the serving thread, without the network: main-thread CPU per scan.

    python -m bench.door_cpu [--people 1000] [--scans 6000] [--clients 32] [--profile] [--postgres URL]

The app runs in this process (its lifespan, its real SQLite database, the group commit), and 32
tasks send check-ins straight to its ASGI callable, so what is measured is the app's own work per
scan (routing, middleware, auth, validation, the door's service, JSON) and the event loop's, not
uvicorn's or the client's. `time.thread_time()` of the serving thread divided by the scans it
answered is the figure, steadier on a shared machine than a rate; `--profile` adds cProfile's
table of where that thread spent it. wrk against a real server (`bench.checkin`) stays the
measure of record: this one is for finding what to remove.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench._server import fill, machine, tsudoi
from bench.ceiling import postgres_database
from bench.checkin import person
from events.app import create_app
from events.settings import Settings


def scope_for(path: str, token: str, body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def scan(app: Any, token: str, code: str, device: str) -> int:
    body = json.dumps({"scan": code, "session": "day1", "device": device}).encode()
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client keeps the connection open
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_for("/api/v1/events/bench/checkins", token, body), receive, send)
    return status


async def run(settings: Settings, token: str, codes: list[str], scans: int, clients: int, profile: bool) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for code in codes[:50]:  # warm: first requests load memories and compile statements
            await scan(app, token, code, "warm")
        profiler = cProfile.Profile() if profile else None
        statuses: list[int] = []

        async def client(n: int) -> None:
            for i in range(n, scans, clients):
                statuses.append(await scan(app, token, codes[i % len(codes)], f"door-{n}"))

        started, cpu, all_cpu = time.perf_counter(), time.thread_time(), time.process_time()
        if profiler:
            profiler.enable()
        await asyncio.gather(*(client(n) for n in range(clients)))
        if profiler:
            profiler.disable()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - started
        others = time.process_time() - all_cpu - cpu
    failed = sum(1 for status in statuses if status >= 300)
    print(
        f"{len(statuses)} scans, {clients} at a time: {cpu / len(statuses) * 1e6:.0f} µs of the serving "
        f"thread's CPU per scan (and {others / len(statuses) * 1e6:.0f} µs in its other threads), "
        f"{len(statuses) / wall:,.0f} scans/s in this process; non-2xx: {failed}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(
            int(os.environ.get("LINES", "40"))
        )
    if failed:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--scans", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--profile", action="store_true", help="print cProfile's table for the serving thread")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's maintenance database URL")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        workdir = Path(folder)
        url = stack.enter_context(postgres_database(args.postgres)) if args.postgres else f"sqlite:///{workdir}/door.db"
        settings = Settings(database_url=url, secret_key="bench")
        registered = asyncio.run(fill(settings, args.people, person))
        env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench"}
        token = tsudoi("staff", "add", "door@example.org", "--role", "door", "--token", env=env, cwd=workdir).split()[
            -1
        ]
        codes = [registration.code for registration in registered]
        asyncio.run(run(settings, token, codes, args.scans, args.clients, args.profile))


if __name__ == "__main__":
    main()
