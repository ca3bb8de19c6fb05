"""Check-in throughput against `tsudoi serve` (issue 4's target: at least 1,000 scans/s with 32
concurrent clients, p99 under 50 ms, on SQLite and on PostgreSQL).

    python -m bench.checkin [--people 5000] [--seconds 15] [--database-url URL] [--load wrk|python]
                            [--workers N] [--scan-ids]

Fills the database with registrations through the service, then scans their codes: each code once
(an insert), then again (already checked in), the mix a door sees when people come back in.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench._server import Server, fail_on_errors, fill, machine, summary, tsudoi
from events.registrations.schemas import RegistrationInput
from events.settings import Settings


def person(n: int) -> RegistrationInput:
    return RegistrationInput(name=f"P {n}", email=f"p{n}@example.org", sessions=["day1"])


@dataclass(frozen=True)
class Measured:
    rate: float
    #: Milliseconds.
    p50: float
    p99: float
    #: CPU per request, in microseconds, when measured: the server's serving thread (its event
    #: loop), and all its other threads together (on SQLite, the database's).
    serving_us: float | None = None
    others_us: float | None = None


def _ms(text: str) -> float:
    """wrk's latency (`812.00us`, `13.52ms`, `1.20s`) in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, token: str, codes_file: Path, clients: int, seconds: int, scan_ids: bool) -> Measured:
    script = Path(__file__).with_name("checkin.lua")
    command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--latency", "-s", str(script), url]
    env = {**os.environ, "CODES_FILE": str(codes_file), "TOKEN": token, "SCAN_IDS": "1" if scan_ids else "0"}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\n\s+50%\s+(\S+)", output)
    p99 = re.search(r"\n\s+99%\s+(\S+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    print(
        f"check-ins (wrk, {clients} connections, {seconds} s): {rate.group(1) if rate else '?'}/s; "
        f"p50 {p50.group(1) if p50 else '?'}, p99 {p99.group(1) if p99 else '?'}; "
        f"non-2xx: {errors.group(1) if errors else 'none'}"
    )
    fail_on_errors(int(errors.group(1)) if errors else 0, "check-ins")
    if not (rate and p50 and p99):
        raise SystemExit("wrk printed no figures:\n" + output)
    return Measured(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)))


async def run_python(url: str, token: str, codes: list[str], clients: int, seconds: int) -> None:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    async def client_loop(offset: int) -> None:
        nonlocal failures
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            n = offset * 7919
            while time.perf_counter() < deadline:
                n += 1
                body = {"scan": codes[n % len(codes)], "session": "day1", "device": f"door-{offset}"}
                start = time.perf_counter()
                response = await client.post("/api/v1/events/bench/checkins", json=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                failures += response.status_code not in (200, 201)

    began = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    elapsed = time.perf_counter() - began
    print(
        f"check-ins (python, {clients} clients): {len(latencies) / elapsed:.0f}/s; {summary(latencies)}; "
        f"non-2xx: {failures}"
    )
    fail_on_errors(failures, "check-ins")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--load", choices=["wrk", "python"], default="wrk")
    parser.add_argument("--synchronous", default="FULL", help="TSUDOI_SQLITE_SYNCHRONOUS for the server")
    parser.add_argument("--profile", metavar="SVG", help="run the server under py-spy and write a flame graph")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only)")
    parser.add_argument("--scan-ids", action="store_true", help="send a scan_id with each scan (the scanner page does)")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        url = args.database_url or f"sqlite:///{workdir}/bench.db"
        env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench", "TSUDOI_SQLITE_SYNCHRONOUS": args.synchronous}
        people = asyncio.run(fill(Settings(database_url=url, secret_key="bench"), args.people, person))
        codes = [registration.code for registration in people]
        codes_file = workdir / "codes.txt"
        codes_file.write_text("\n".join(codes) + "\n")
        token = tsudoi("staff", "add", "door@example.org", "--role", "door", "--token", env=env, cwd=workdir).split()[
            -1
        ]
        server = Server(env, workdir, profile=args.profile, workers=args.workers)
        try:
            if args.load == "wrk":
                run_wrk(server.url, token, codes_file, args.clients, args.seconds, args.scan_ids)
            else:
                asyncio.run(run_python(server.url, token, codes, args.clients, args.seconds))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
