"""Changes every worker hears: a revoked token stops working in every process at once, and a worker
that may have missed a notice reads the database instead of its memory."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx

from events.changes import APPLICATION_NAME
from events.staff.service import TOKEN_MEMORY_SECONDS
from tests.conftest import LiveServer, organizer_token
from tests.factories import event_data

#: How long a change may take to reach another worker: well under the memory's own lifetime, so a
#: passing test cannot be the memory simply running out.
HEARD_WITHIN = 1.0
assert HEARD_WITHIN < TOKEN_MEMORY_SECONDS


async def worker_of(client: httpx.AsyncClient) -> int:
    return int((await client.get("/healthz")).json()["worker"])


async def pinned_clients(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """Clients of one kept-alive connection each, with the worker process that connection reached."""
    while True:
        client = httpx.AsyncClient(base_url=url, timeout=10, limits=httpx.Limits(max_connections=1))
        yield client, await worker_of(client)


def listening(server: LiveServer, workers: int) -> None:
    """Wait until the server's workers listen for changes (they connect just after starting)."""
    deadline = time.monotonic() + 15
    heard: set[int] = set()
    while len(heard) < workers and time.monotonic() < deadline:
        with httpx.Client(base_url=server.url, timeout=5) as client:  # a new connection each time
            if client.get("/readyz").json().get("changes") == "listening":
                heard.add(client.get("/healthz").json()["worker"])
    assert len(heard) == workers, f"every worker listens for changes: {heard}"


async def refused_within(client: httpx.AsyncClient, path: str, token: str, seconds: float) -> float:
    """Ask until the token is refused; how long that took (or fail after `seconds`)."""
    began = time.monotonic()
    while True:
        answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        if answer.status_code == 401:
            return time.monotonic() - began
        assert answer.status_code == 200, answer.text
        assert time.monotonic() - began < seconds, f"still accepted after {seconds} s"


async def test_a_token_revoked_through_one_worker_is_refused_by_the_other_at_once(
    postgres_url: str, tmp_path: Path, live_server_factory: type[LiveServer]
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url, args=("--workers", "2"))
    listening(server, workers=2)
    headers = {"Authorization": f"Bearer {token}"}
    async with contextlib.AsyncExitStack() as stack:
        clients: dict[int, httpx.AsyncClient] = {}
        async for client, worker in pinned_clients(server.url):
            stack.push_async_callback(client.aclose)
            clients.setdefault(worker, client)
            if len(clients) == 2:
                break
        (one, first), (other, second) = clients.items()
        created = await first.post("/api/v1/events", json=event_data(), headers=headers)
        assert created.status_code == 201, created.text
        path = "/api/v1/events/workshop/attendance"
        for client in (first, second):  # both workers now remember the token
            assert (await client.get(path, headers=headers)).status_code == 200
        assert (await second.get(path)).status_code == 401, "the path needs the token"

        revoked = await first.delete("/api/v1/tokens/current", headers=headers)

        assert revoked.status_code == 204
        took = await refused_within(second, path, token, HEARD_WITHIN)
        assert took < HEARD_WITHIN, f"worker {other} heard worker {one}'s revocation in {took:.3f} s"
    assert "Traceback" not in server.stop()


async def test_a_worker_that_lost_its_listening_connection_reads_the_database_instead(
    postgres_url: str, tmp_path: Path, live_server_factory: type[LiveServer]
) -> None:
    token = organizer_token(postgres_url, tmp_path)
    server = live_server_factory(postgres_url)
    listening(server, workers=1)
    headers = {"Authorization": f"Bearer {token}"}
    path = "/api/v1/events/workshop/attendance"
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        assert (await client.post("/api/v1/events", json=event_data(), headers=headers)).status_code == 201
        assert (await client.get(path, headers=headers)).status_code == 200
        assert (await client.get(path)).status_code == 401, "the path needs the token"
        database = await asyncpg.connect(postgres_url)
        try:
            # Revoked behind the app's back, with no notice: the memory still answers (the control).
            await database.execute("UPDATE api_token SET revoked_at = now()")
            assert (await client.get(path, headers=headers)).status_code == 200, "remembered, as designed"

            killed = await database.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = $1 AND datname = current_database()",  # not another run's server
                APPLICATION_NAME,
            )
            assert killed == 1, "the worker's listening connection"

            took = await refused_within(client, path, token, HEARD_WITHIN)
        finally:
            await database.close()

    assert took < HEARD_WITHIN, "a worker that may have missed notices does not trust what it remembers"
    assert "Traceback" not in server.stop()
