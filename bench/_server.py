"""Shared pieces of the benchmarks: a real `tsudoi serve` in a subprocess and latency statistics."""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from events import database
from events.registrations.models import Registration
from events.registrations.schemas import RegistrationInput
from events.registrations.service import register
from events.settings import Settings
from tests.factories import make_event

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def tsudoi(*args: str, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "events.cli", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class Server:
    def __init__(
        self, env: dict[str, str], cwd: Path, port: int | None = None, profile: str | None = None, workers: int = 1
    ) -> None:
        """Start `tsudoi serve` on a free port (or `port`, which must be free); with `profile`, under
        py-spy, writing a flame graph (.svg) or stacks (.txt) on stop.

        It is ready when its own process answers /readyz: a server already listening on the port
        (a demo left running) would be measured instead, so the port must be free before, and the
        socket answering must belong to the process started here."""
        port = port or free_port()
        if listening_inodes(port):
            raise RuntimeError(f"port {port} is taken: another server would be measured")
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = (cwd / "server.log").open("wb")
        command = [sys.executable, "-m", "events.cli", "serve", "--port", str(port), "--workers", str(workers)]
        if profile:
            form = "raw" if profile.endswith(".txt") else "flamegraph"
            command = ["py-spy", "record", "--rate", "250", "--format", form, "-o", profile, "--", *command]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            cwd=cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}); see {cwd / 'server.log'}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        if not listening_inodes(port) & socket_inodes(process_tree(self.process.pid)):
            self.stop()
            raise RuntimeError(f"what answers on port {port} is not the server started here")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=20)
        self.log.close()


async def fill(settings: Settings, count: int, person: Callable[[int], RegistrationInput]) -> list[Registration]:
    """A new event `bench` (sessions without a capacity) and `count` registrations, `person(n)` each,
    made through the registration service as the API makes them."""
    await database.connect(settings)
    try:
        await database.migrate(settings)
        event = await make_event("bench", capacity=None)
        await event.fetch_related("sessions")
        return [(await register(event, person(n))).registration for n in range(count)]
    finally:
        await database.disconnect()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_inodes(port: int) -> set[str]:
    """The inodes of the sockets listening on this TCP port (IPv4 and IPv6), from /proc/net."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.add(fields[9])
    return found


def process_tree(pid: int) -> set[int]:
    """`pid` and its descendants (uvicorn's workers, py-spy's child)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, added = {pid}, True
    while added:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        added = bool(children)
    return tree


def socket_inodes(pids: set[int]) -> set[str]:
    """The inodes of every socket these processes hold open."""
    inodes: set[str] = set()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        inodes |= {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}
    return inodes


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user and system) each thread of a process has used so far, by thread id."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        used[int(task.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def fail_on_errors(count: int, what: str) -> None:
    """A run with any answer other than 2xx measured errors, not the work: say so and exit non-zero."""
    if count:
        sys.exit(f"{count} {what} were not answered 2xx: the figures above are not of the work; see server.log")


def memory_mb(pid: int, field: str) -> float:
    """A process's memory figure from /proc (VmRSS now, VmHWM its peak), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies_s: list[float]) -> str:
    ms = [value * 1000 for value in latencies_s]
    return (
        f"p50 {percentile(ms, 0.50):.1f} ms, p90 {percentile(ms, 0.90):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms, mean {statistics.fmean(ms):.1f} ms"
    )
