"""Registration throughput and latency through the API against `tsudoi serve` (issue 2's target:
at least 300 registrations/s with 16 concurrent clients on SQLite, p99 under 100 ms).

    python bench/registration.py [--clients 16] [--requests 4000] [--database-url URL]
                                 [--smtp off|up|down|hang]

`--smtp` (issue 7: a registration never waits on the mail server) gives the server an SMTP
server: `up` is a real one (aiosmtpd, in this process) that takes every message, so the mail
worker composes and sends each confirmation (badge PDF and calendar) during the run; `down` is
a port where nothing listens; `hang` accepts connections and never answers, the worst case.

The clients run in this process (asyncio + httpx, one keep-alive connection each) on the same
machine as the server, so they share its cores: the figure is what the whole box does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench._server import Server, fail_on_errors, machine, summary, tsudoi
from tests.factories import event_data


async def run(url: str, token: str, clients: int, requests: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as admin:
        created = await admin.post("/api/v1/events", json=event_data("bench", capacity=requests // 2), headers=headers)
        assert created.status_code == 201, created.text

    counter = iter(range(requests))
    latencies: list[float] = []
    failures: dict[int, int] = {}

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=httpx.Limits(max_connections=1)) as client:
            for n in counter:
                body = json.dumps(
                    {
                        "name": f"参加者 {n}",
                        "email": f"bench{n}@example.org",
                        "organization": "Bench",
                        "sessions": ["day1", "reception"],
                    }
                )
                start = time.perf_counter()
                response = await client.post(
                    "/api/v1/events/bench/registrations", content=body, headers={"content-type": "application/json"}
                )
                latencies.append(time.perf_counter() - start)
                if response.status_code != 201:
                    failures[response.status_code] = failures.get(response.status_code, 0) + 1

    # Warm up (connections, caches), then measure.
    began = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    print(
        f"registrations: {len(latencies)} in {elapsed:.2f} s with {clients} clients "
        f"= {len(latencies) / elapsed:.0f}/s; {summary(latencies)}; non-201: {failures or 'none'}"
    )
    fail_on_errors(sum(failures.values()), "registrations")


def run_wrk(url: str, token: str, clients: int, seconds: int) -> None:
    with httpx.Client(base_url=url, timeout=30) as admin:
        created = admin.post(
            "/api/v1/events", json=event_data("bench", capacity=100_000), headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201, created.text
    script = Path(__file__).with_name("registration.lua")
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--latency", "-s", str(script), url]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, "BENCH_SLUG": "bench"}
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\n\s+50%\s+(\S+)", output)
    p99 = re.search(r"\n\s+99%\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(output)
    print(
        f"registrations (wrk, {clients} connections, {seconds} s): {rate.group(1) if rate else '?'}/s; "
        f"p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}; "
        f"non-2xx: {errors.group(1) if errors else 'none'}"
    )
    fail_on_errors(int(errors.group(1)) if errors else 0, "registrations")


class Blackhole:
    """A TCP port that accepts connections and never says a word (an SMTP server that hangs)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def stop(self) -> None:
        self.socket.close()


class Collector:
    """An SMTP server that takes every message and counts them."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.received = 0
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received += 1
        return "250 OK"

    def stop(self) -> None:
        self.controller.stop()


def mail_server(mode: str) -> tuple[dict[str, str], Collector | Blackhole | None]:
    """The SMTP settings for the server, and what stands behind them."""
    if mode == "off":
        return {}, None
    behind: Collector | Blackhole | None
    if mode == "up":
        behind = Collector()
        port = behind.port
    elif mode == "hang":
        behind = Blackhole()
        port = behind.port
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        behind = None
    return {"TSUDOI_SMTP_HOST": "127.0.0.1", "TSUDOI_SMTP_PORT": str(port), "TSUDOI_SMTP_SECURITY": "none"}, behind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--synchronous", default="FULL", help="TSUDOI_SQLITE_SYNCHRONOUS for the server")
    parser.add_argument(
        "--load",
        choices=["python", "wrk"],
        default="python",
        help="load generator: python (httpx, in this process) or wrk (C, needs the wrk package; less CPU)",
    )
    parser.add_argument("--seconds", type=int, default=15, help="duration of a wrk run")
    parser.add_argument(
        "--smtp", choices=["off", "up", "down", "hang"], default="off", help="the mail server behind the app"
    )
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        env = {
            "DATABASE_URL": args.database_url or f"sqlite:///{workdir}/bench.db",
            "TSUDOI_SECRET_KEY": "bench",
            "TSUDOI_REGISTRATION_RATE": "0",
            "TSUDOI_SQLITE_SYNCHRONOUS": args.synchronous,
        }
        smtp_env, behind = mail_server(args.smtp)
        env.update(smtp_env)
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}, synchronous={args.synchronous}, smtp: {args.smtp}")
        token = tsudoi(
            "staff", "add", "bench@example.org", "--role", "organizer", "--token", env=env, cwd=workdir
        ).split()[-1]
        server = Server(env, workdir)
        try:
            if args.load == "wrk":
                run_wrk(server.url, token, args.clients, args.seconds)
            else:
                asyncio.run(run(server.url, token, args.clients, args.requests))
        finally:
            server.stop()
            if isinstance(behind, Collector):
                print(f"the mail server received {behind.received} message(s) during the run")
            if behind is not None:
                behind.stop()


if __name__ == "__main__":
    main()
