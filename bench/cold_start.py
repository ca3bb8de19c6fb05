"""A fresh machine, from `tsudoi serve` to its first badge, and the door while a big batch renders.

    python -m bench.cold_start [--people 10000] [--clients 8] [--seconds 10]

Issue 14's figures, all from one run on a new HOME with empty caches:
- seconds from starting `tsudoi serve` to its accepting connections, and from then to the first
  badge PDF (registered through the API, then downloaded);
- check-ins per second in the first seconds after start against a minute later (no first-run
  work may slow the door);
- resident memory of the serving process and of its PDF worker processes at rest;
- a 10,000-badge batch: its time, the PDF worker's peak memory, and the door's scan latency
  meanwhile against the same scans at rest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._server import fill, free_port, machine, memory_mb, percentile, summary, tsudoi
from events.registrations.schemas import RegistrationInput
from events.settings import Settings

NAMES = ["角田 直子", "김민준", "Nguyễn Thị Hoa", "山﨑 髙橋", "Maria dela Cruz"]


def person(n: int) -> RegistrationInput:
    return RegistrationInput(name=f"{NAMES[n % len(NAMES)]} {n}", email=f"p{n}@example.org", sessions=["day1", "day2"])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


async def scans(url: str, token: str, codes: list[str], clients: int, seconds: float, session: str) -> list[float]:
    """Scan codes with `clients` concurrent clients for `seconds`; return each scan's latency."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    failures = 0

    async def loop(offset: int) -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            n = offset * 7919
            while time.perf_counter() < deadline:
                n += 1
                body = {"scan": codes[n % len(codes)], "session": session, "device": f"door-{offset}"}
                start = time.perf_counter()
                response = await client.post("/api/v1/events/bench/checkins", json=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                failures += response.status_code not in (200, 201)

    await asyncio.gather(*(loop(n) for n in range(clients)))
    if failures:
        sys.exit(f"{failures} scans were not answered 200 or 201: the figures would be of errors")
    return latencies


def rate(latencies: list[float], seconds: float) -> str:
    return f"{len(latencies) / seconds:,.0f}/s, {summary(latencies)}"


async def during_batch(url: str, token: str, codes: list[str], clients: int) -> tuple[float, list[float]]:
    """The 10,000-badge batch, with the door scanning the whole time it renders."""
    done = asyncio.Event()
    latencies: list[float] = []

    async def door() -> None:
        while not done.is_set():
            latencies.extend(await scans(url, token, codes, clients, 1.0, "day2"))

    scanning = asyncio.create_task(door())
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        start = time.perf_counter()
        response = await client.get(
            "/api/v1/events/bench/badges.pdf?layout=a4-8up", headers={"Authorization": f"Bearer {token}"}
        )
        elapsed = time.perf_counter() - start
    done.set()
    await scanning
    if response.status_code != 200:
        sys.exit(f"the batch answered {response.status_code}")
    return elapsed, latencies


async def first_badge(url: str) -> float:
    """Seconds to register one person and download their badge."""
    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=900) as client:
        registered = await client.post(
            "/api/v1/events/bench/registrations",
            json={"name": "角田 直子", "email": "first@example.org", "sessions": ["day1"]},
        )
        if registered.status_code != 201:
            sys.exit(f"registering answered {registered.status_code}")
        badge = await client.get(registered.json()["links"]["badge"])
        if badge.status_code != 200 or not badge.content.startswith(b"%PDF"):
            sys.exit(f"the badge answered {badge.status_code}")
    return time.perf_counter() - start


async def first_seconds(
    url: str, token: str, codes: list[str], clients: int, seconds: float
) -> tuple[float, list[float]]:
    """The first badge, and the door's scans for `seconds` beside it, both from the first moment."""
    badge = asyncio.create_task(first_badge(url))
    early = await scans(url, token, codes, clients, seconds, "day1")
    return await badge, early


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8, help="concurrent door clients")
    parser.add_argument("--seconds", type=float, default=10, help="length of each check-in window")
    parser.add_argument("--later", type=float, default=60, help="seconds after start of the second window")
    parser.add_argument(
        "--source", type=Path, help="serve this checkout (e.g. a worktree of the previous commit) to compare in one run"
    )
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        home = workdir / "home"
        home.mkdir()
        url = f"sqlite:///{workdir}/bench.db"
        env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench", "HOME": str(home), "TSUDOI_REGISTRATION_RATE": "0"}
        served = {**env, "PYTHONPATH": str(args.source.resolve())} if args.source else env
        people = asyncio.run(fill(Settings(database_url=url, secret_key="bench"), args.people, person))
        codes = [registration.code for registration in people]
        token = tsudoi("staff", "add", "bench@example.org", "--role", "organizer", "--token", env=env, cwd=workdir)
        token = token.split()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (workdir / "server.log").open("wb")
        began = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "events.cli", "serve", "--port", str(port)],
            env={**os.environ, **served},
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                        break
                except OSError:
                    if server.poll() is not None:
                        sys.exit((workdir / "server.log").read_text())
                    time.sleep(0.01)
            accepting = time.perf_counter()
            print(f"start to accepting connections: {accepting - began:.2f} s")
            first_badge, early = asyncio.run(first_seconds(base, token, codes, args.clients, args.seconds))
            print(f"accepting to first badge (register + download): {first_badge:.2f} s")
            print(
                f"check-ins in the first {args.seconds:.0f} s ({args.clients} clients, the first badge asked "
                f"meanwhile): {rate(early, args.seconds)}"
            )
            pids = children(server.pid)
            print(
                f"memory at rest: server {memory_mb(server.pid, 'VmRSS'):.0f} MB resident; PDF workers "
                + ", ".join(f"{memory_mb(pid, 'VmRSS'):.0f} MB" for pid in pids)
            )
            time.sleep(max(0.0, began + args.later - time.perf_counter()))
            later = asyncio.run(scans(base, token, codes, args.clients, args.seconds, "day1"))
            print(f"check-ins {args.later:.0f} s after start: {rate(later, args.seconds)}")
            print(f"early / later rate: {len(early) / max(1, len(later)):.2f}")
            seconds, during = asyncio.run(during_batch(base, token, codes, args.clients))
            peaks = {pid: memory_mb(pid, "VmHWM") for pid in children(server.pid)}
            print(f"batch of {args.people:,} badges (a4-8up): {seconds:.1f} s")
            print(f"door during the batch: {rate(during, seconds)}")
            print(f"p99 during / at rest: {percentile(during, 0.99) / percentile(later, 0.99):.2f}")
            print(
                f"peak memory (VmHWM): server {memory_mb(server.pid, 'VmHWM'):.0f} MB; PDF workers "
                + ", ".join(f"{peak:.0f} MB" for peak in peaks.values())
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
