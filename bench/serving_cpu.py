"""What a request costs the serving thread, without the network: its CPU per door scan or registration.

    python -m bench.serving_cpu door [--people 1000] [--requests 6000] [--clients 32] [--postgres URL] [--profile]
    python -m bench.serving_cpu door-page [--people 1000] [--requests 6000] [--clients 32] [--postgres URL] [--profile]
    python -m bench.serving_cpu registration [--requests 3000] [--clients 16] [--postgres URL] [--profile]

The app runs in this process (its lifespan, a real database: a new SQLite file, or a new database
on the PostgreSQL server given, the group commit), and `--clients` tasks send requests straight to
its ASGI callable: door check-ins (a door account's token, each code scanned once, then again),
the same from the scanner page (`door-page`: a door account signed in through the sign-in form,
its session cookie and CSRF header on every scan), or registrations (a new person each, two
sessions). What is measured is the app's own work per
request (routing, middleware, auth, validation, the service, JSON) and the event loop's, not
uvicorn's or a client's. `time.thread_time()` of the serving thread divided by the requests it
answered is the figure (with the CPU of the process's other threads: on SQLite the database's),
steadier on a shared machine than a rate; `--profile` adds cProfile's table of where the serving
thread spent it (`SORT=cumulative`, `LINES=80` to change it). wrk against a real server
(`bench.checkin`, `bench.registration`) stays the measure of record: this one is for finding what
to remove.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench._server import fill, machine, tsudoi
from bench.ceiling import postgres_database
from bench.checkin import person
from events.app import create_app
from events.settings import RateLimit, Settings

Request = tuple[str, dict[str, Any]]  # path, JSON body
Headers = list[tuple[bytes, bytes]]
#: The signed-in door account of `door-page`, and the password it signs in with.
PAGE_ACCOUNT = ("door-page@example.org", "bench door password")


def scope_for(path: str, credentials: Headers, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"), *credentials]
    headers.append((b"content-length", str(len(body)).encode()))
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
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def post(app: Any, credentials: Headers, path: str, data: dict[str, Any]) -> int:
    """One request to the app, as uvicorn would hand it over; the answer's status."""
    body = json.dumps(data).encode()
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

    await app(scope_for(path, credentials, body), receive, send)
    return status


def bearer(token: str) -> Headers:
    return [(b"authorization", f"Bearer {token}".encode())]


async def scanner_page_session(app: Any) -> Headers:
    """Sign the door account in through the form, as a phone does, and open the scanner page: the
    session cookie and the CSRF header every scan of the page sends."""
    import re

    import httpx

    email, password = PAGE_ACCOUNT
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
        form = await http.get("/staff/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, "the sign-in form has a CSRF token"
        data = {"csrf_token": csrf.group(1), "email": email, "password": password, "next": "/staff/"}
        signed_in = await http.post("/staff/login", data=data)
        assert signed_in.status_code == 303, f"the door account signs in: {signed_in.status_code}"
        page = await http.get("/staff/events/bench/scan?session=day1")
        token = re.search(r'data-csrf="([^"]+)"', page.text)
        assert page.status_code == 200 and token, "the scanner page opens, with its CSRF token"
        cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    return [(b"cookie", cookie.encode()), (b"x-csrf-token", token.group(1).encode())]


async def measure(
    settings: Settings,
    credentials: Callable[[Any], Awaitable[Headers]],
    requests: Iterator[Request],
    count: int,
    clients: int,
    profile: bool,
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        token = await credentials(app)
        for path, data in itertools.islice(requests, 50):  # warm: memories loaded, statements compiled
            await post(app, token, path, data)
        profiler = cProfile.Profile() if profile else None
        statuses: list[int] = []
        measured = itertools.islice(requests, count)  # shared by the clients: each takes the next

        async def client() -> None:
            for path, data in measured:
                statuses.append(await post(app, token, path, data))

        started, cpu, all_cpu = time.perf_counter(), time.thread_time(), time.process_time()
        if profiler:
            profiler.enable()
        await asyncio.gather(*(client() for _ in range(clients)))
        if profiler:
            profiler.disable()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - started
        others = time.process_time() - all_cpu - cpu
    failed = sum(1 for status in statuses if status >= 300)
    print(
        f"{len(statuses)} requests, {clients} at a time: {cpu / len(statuses) * 1e6:.0f} µs of the serving "
        f"thread's CPU per request (and {others / len(statuses) * 1e6:.0f} µs in its other threads), "
        f"{len(statuses) / wall:,.0f}/s in this process; non-2xx: {failed}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "tottime")).print_stats(
            int(os.environ.get("LINES", "40"))
        )
    if failed:
        raise SystemExit(1)


def door_scans(codes: list[str], path: str = "/api/v1/events/bench/checkins") -> Iterator[Request]:
    """Each code scanned, then each again (already checked in), round and round."""
    for n in itertools.count():
        yield path, {"scan": codes[n % len(codes)], "session": "day1", "device": "door-1"}


async def no_credentials(app: Any) -> Headers:
    return []


def constant(headers: Headers) -> Callable[[Any], Awaitable[Headers]]:
    async def credentials(app: Any) -> Headers:
        return headers

    return credentials


def registrations() -> Iterator[Request]:
    for n in itertools.count():
        person = {"name": f"参加者 {n}", "email": f"p{n}@example.org", "organization": "Bench"}
        yield "/api/v1/events/bench/registrations", {**person, "sessions": ["day1", "reception"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["door", "door-page", "registration"])
    parser.add_argument("--people", type=int, default=1000, help="registrations to scan (door)")
    parser.add_argument("--requests", type=int, help="default: 6000 scans or 3000 registrations")
    parser.add_argument("--clients", type=int, help="default: 32 at the door, 16 registering")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's maintenance database URL")
    parser.add_argument("--profile", action="store_true", help="print cProfile's table for the serving thread")
    args = parser.parse_args()
    door = args.what in ("door", "door-page")
    print(machine())
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        workdir = Path(folder)
        url = (
            stack.enter_context(postgres_database(args.postgres)) if args.postgres else f"sqlite:///{workdir}/bench.db"
        )
        settings = Settings(database_url=url, secret_key="bench", registration_rate=RateLimit.parse("0", "rate"))
        credentials: Callable[[Any], Awaitable[Headers]] = no_credentials
        requests: Callable[[], Iterator[Request]]
        if door:
            codes = [registration.code for registration in asyncio.run(fill(settings, args.people, person))]
            env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench"}
            if args.what == "door":
                token = tsudoi(
                    "staff", "add", "door@example.org", "--role", "door", "--token", env=env, cwd=workdir
                ).split()[-1]
                credentials = constant(bearer(token))
                requests = lambda: door_scans(codes)  # noqa: E731
            else:
                email, password = PAGE_ACCOUNT
                tsudoi("staff", "add", email, "--role", "door", "--password", password, env=env, cwd=workdir)
                credentials = scanner_page_session
                requests = lambda: door_scans(codes, "/staff/events/bench/scan")  # noqa: E731
        else:
            asyncio.run(fill(settings, 0, person))  # the event alone
            requests = registrations
        count = args.requests or (6000 if door else 3000)
        clients = args.clients or (32 if door else 16)
        asyncio.run(measure(settings, credentials, requests(), count, clients, args.profile))


if __name__ == "__main__":
    main()
