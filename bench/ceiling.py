"""The door against the ceiling of its own stack (issue 18): `bench/limit_probe.py` and Tsudoi, in
the same run, with the same load, and Tsudoi's figures as ratios of the probe's.

    python -m bench.ceiling [--people 3000] [--seconds 15] [--clients 32] [--postgres URL] [--baseline DIR]

SQLite always: the probe's `frame` (no database: the HTTP floor) and `db` modes, then Tsudoi with
typed codes and with scan ids (what the scanner page sends). With `--postgres
postgres://…/postgres` also the probe's `pg` mode and Tsudoi on PostgreSQL, each on a new database
made for the run and dropped after. Targets: at least 70% of the probe's rate, p99 at most 2× the
probe's. A shared machine drifts: only the ratios within one run mean anything. Each row also gives
the server's CPU per scan, its serving thread's (the event loop, which runs out first) and its other
threads' (the database's), read from /proc: where Tsudoi and the probe differ is where the rate goes. `--baseline DIR`
(a checkout of an earlier commit, e.g. `git worktree add /tmp/base <commit>`) runs that commit's
Tsudoi too, right before this one's, on the same load, for a before-and-after in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx

from bench._server import Server, fill, machine, thread_cpu, tsudoi
from bench.checkin import Measured, person, run_wrk
from events.settings import Settings

PROBE = Path(__file__).with_name("limit_probe.py")
RATE_TARGET = 0.70
P99_TARGET = 2.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def probe_server(*args: str) -> Iterator[tuple[str, int]]:
    """The probe on a free port, until the block ends; its URL and process id."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(PROBE), *args[:1], args[1], str(port), *args[2:]])
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.post(url, json={}, timeout=1).status_code == 401:  # answers, and is the probe
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the probe did not start")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    name = f"tsudoi_bench_{secrets.token_hex(4)}"
    base = server.rsplit("/", 1)[0]
    subprocess.run(["psql", server, "-q", "-c", f'CREATE DATABASE "{name}"'], check=True)
    try:
        yield f"{base}/{name}"
    finally:
        subprocess.run(["psql", server, "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=False)


def tsudoi_door(
    url: str, workdir: Path, people: int, clients: int, seconds: int, code: Path | None = None
) -> tuple[Measured, Measured]:
    """Tsudoi on `url` (the server from the checkout `code`, else this one): typed codes, then scan ids."""
    env = {"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "bench", "TSUDOI_SQLITE_SYNCHRONOUS": "FULL"}
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
    registered = asyncio.run(fill(Settings(database_url=url, secret_key="bench"), people, person))
    codes_file = workdir / "tsudoi.codes"
    codes_file.write_text("\n".join(r.code for r in registered) + "\n")
    token = tsudoi("staff", "add", "door@example.org", "--role", "door", "--token", env=env, cwd=workdir).split()[-1]
    server = Server(env, workdir)
    try:
        pid = server.process.pid
        typed = with_cpu(pid, seconds, lambda: run_wrk(server.url, token, codes_file, clients, seconds, False))
        with_ids = with_cpu(pid, seconds, lambda: run_wrk(server.url, token, codes_file, clients, seconds, True))
    finally:
        server.stop()
    return typed, with_ids


def probe_run(server: tuple[str, int], codes: Path, clients: int, seconds: int) -> Measured:
    url, pid = server
    return with_cpu(pid, seconds, lambda: run_wrk(url, "probe-door-token", codes, clients, seconds, scan_ids=False))


def with_cpu(pid: int, seconds: int, run: Callable[[], Measured]) -> Measured:
    """`run`'s figures with the server's CPU per request: its serving thread (the process's first,
    running the event loop) and its other threads. Where the probe and Tsudoi differ in these is
    where the rate goes: the serving thread is the one that runs out."""
    before = thread_cpu(pid)
    measured = run()
    after = thread_cpu(pid)
    requests = measured.rate * seconds
    used = {thread: after[thread] - before.get(thread, 0.0) for thread in after}
    serving = used.pop(pid, 0.0)
    return replace(measured, serving_us=1e6 * serving / requests, others_us=1e6 * sum(used.values()) / requests)


def versions(baseline: Path | None) -> list[tuple[str, Path | None]]:
    """What to measure: the baseline checkout first when there is one, then this one."""
    if baseline is None:
        return [("", None)]
    return [(f" {git_head(baseline)} (baseline)", baseline), (f" {git_head(Path(__file__).parents[1])}", None)]


def git_head(checkout: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return result.stdout.strip() or checkout.name


def cpu(measured: Measured) -> str:
    return f"{measured.serving_us or 0:.0f} µs | {measured.others_us or 0:.0f} µs"


def verdict(name: str, measured: Measured, ceiling: Measured) -> str:
    rate, p99 = measured.rate / ceiling.rate, measured.p99 / ceiling.p99
    met = rate >= RATE_TARGET and p99 <= P99_TARGET
    return (
        f"| {name} | {measured.rate:,.0f} | {measured.p50:.1f} ms | {measured.p99:.1f} ms | {cpu(measured)} | "
        f"{rate:.2f}× | {p99:.2f}× | {'met' if met else 'not met'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server's maintenance database URL")
    parser.add_argument("--baseline", metavar="DIR", type=Path, help="a checkout of an earlier commit to measure too")
    args = parser.parse_args()
    print(machine())
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        probe_db = workdir / "probe.db"
        subprocess.run([sys.executable, str(PROBE), "fill", str(probe_db), str(args.people)], check=True)
        codes = Path(f"{probe_db}.codes")
        print("probe, frame (no database):")
        with probe_server("serve", str(probe_db), "frame") as server:
            frame = probe_run(server, codes, args.clients, args.seconds)
        print("probe, db (SQLite):")
        with probe_server("serve", str(probe_db), "db") as server:
            ceiling = probe_run(server, codes, args.clients, args.seconds)
        rows += [
            f"| probe frame (HTTP floor) | {frame.rate:,.0f} | {frame.p50:.1f} ms | {frame.p99:.1f} ms | {cpu(frame)} "
            "| | | |",
            f"| probe db, SQLite | {ceiling.rate:,.0f} | {ceiling.p50:.1f} ms | {ceiling.p99:.1f} ms | {cpu(ceiling)} "
            "| 1× | 1× | |",
        ]
        for label, code in versions(args.baseline):
            print(f"Tsudoi{label}, SQLite (typed codes, then scan ids):")
            folder = workdir / f"sqlite{label.strip().replace(' ', '-')}"
            folder.mkdir()
            typed, with_ids = tsudoi_door(
                f"sqlite:///{folder}/tsudoi.db", folder, args.people, args.clients, args.seconds, code
            )
            rows += [
                verdict(f"Tsudoi{label} SQLite, typed codes", typed, ceiling),
                verdict(f"Tsudoi{label} SQLite, scan ids", with_ids, ceiling),
            ]
        if args.postgres:
            with postgres_database(args.postgres) as probe_url:
                pg_codes = workdir / "probe-pg.codes"
                subprocess.run(
                    [sys.executable, str(PROBE), "fill-pg", probe_url, str(args.people), str(pg_codes)], check=True
                )
                print("probe, pg (PostgreSQL):")
                with probe_server("serve-pg", probe_url) as server:
                    pg_ceiling = probe_run(server, pg_codes, args.clients, args.seconds)
            rows.append(
                f"| probe pg | {pg_ceiling.rate:,.0f} | {pg_ceiling.p50:.1f} ms | {pg_ceiling.p99:.1f} ms "
                f"| {cpu(pg_ceiling)} | 1× | 1× | |"
            )
            for label, code in versions(args.baseline):
                with postgres_database(args.postgres) as tsudoi_url:
                    print(f"Tsudoi{label}, PostgreSQL (typed codes, then scan ids):")
                    pg_workdir = workdir / f"pg{label.strip().replace(' ', '-')}"
                    pg_workdir.mkdir()
                    pg_typed, pg_ids = tsudoi_door(
                        tsudoi_url, pg_workdir, args.people, args.clients, args.seconds, code
                    )
                rows += [
                    verdict(f"Tsudoi{label} PostgreSQL, typed codes", pg_typed, pg_ceiling),
                    verdict(f"Tsudoi{label} PostgreSQL, scan ids", pg_ids, pg_ceiling),
                ]
    print()
    print(
        "| what | scans/s | p50 | p99 | serving thread CPU/scan | other threads CPU/scan | rate ÷ probe | p99 ÷ probe "
        f"| target (≥{RATE_TARGET:.0%}, ≤{P99_TARGET:g}×) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print("\n".join(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
