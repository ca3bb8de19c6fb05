"""Changes every worker must hear of at once: a token revoked, an account changed, an event edited.

Two things are kept in memory for a moment because the door reads them on every scan: an API
token's account (`staff.service`, 5 s) and an event with its sessions (`RecentEvents`, 2 s). A
change made through one process is forgotten there at once (`announce`). With several workers on
PostgreSQL the others must forget it too: `announce` also sends a NOTIFY on `tsudoi_changes`,
delivered when the change commits, and each worker's `Listener` keeps one connection LISTENing
and forgets what it hears within milliseconds.

Nothing depends on a notice arriving. While a worker on PostgreSQL is not listening (not yet
connected, or the connection was lost) its memories are not used at all (`trusted()` is False)
and every request reads the database; when it listens again the memories start empty, since
notices may have been missed in between.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import asyncpg
from tortoise import connections

from events.database import execute, own_connection

log = logging.getLogger("tsudoi.changes")

CHANNEL = "tsudoi_changes"
APPLICATION_NAME = "tsudoi changes"  # how the listening connections show in pg_stat_activity
TOKEN = "token"  # key: the token's hash
STAFF = "staff"  # key: the account's id
EVENT = "event"  # key: the event's slug

#: How often a listening connection is checked (a connection lost without a word is found then).
CHECK_SECONDS = 10.0


_memories: weakref.WeakSet[Recent[Any]] = weakref.WeakSet()
_listening = 0  # listeners of this process whose connection is up

V = TypeVar("V")


class Recent(Generic[V]):
    """Values read from the database by key, kept `max_age` seconds, forgotten when a change is announced.

    One load at a time per key: when a copy expires under load, the requests that notice it at once
    wait for one query instead of sending one each. A load that began before an announcement is not
    kept (it may have read the row as it was), nor is a load that found nothing (None). `forgets`
    says which kept entries an announcement (topic, key) makes stale.
    """

    def __init__(
        self,
        load: Callable[[str], Awaitable[V]],
        *,
        max_age: float,
        forgets: Callable[[str, str, str, V], bool],
        size: int = 1000,
    ) -> None:
        self.load = load
        self.max_age = max_age
        self.forgets = forgets
        self.size = size
        self.values: dict[str, tuple[float, V]] = {}
        self.loading: dict[str, asyncio.Future[V]] = {}
        self.announced = 0  # announcements so far
        _memories.add(self)

    async def get(self, key: str) -> V:
        if not trusted():
            return await self.load(key)
        kept = self.values.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.max_age:
            return kept[1]
        loading = self.loading.get(key)
        if loading is None:
            loading = self.loading[key] = asyncio.ensure_future(self._load(key))
        return await asyncio.shield(loading)

    async def _load(self, key: str) -> V:
        since, announced_before = time.monotonic(), self.announced
        try:
            value = await self.load(key)
        finally:
            self.loading.pop(key, None)
        if value is not None and self.announced == announced_before:
            if len(self.values) >= self.size:
                self.values.clear()
            self.values[key] = (since, value)
        return value

    def forget(self, topic: str, key: str) -> None:
        self.announced += 1
        for kept_key, (_since, value) in list(self.values.items()):
            if self.forgets(topic, key, kept_key, value):
                self.values.pop(kept_key, None)

    def forget_everything(self) -> None:
        self.announced += 1
        self.values.clear()


def _on_postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


def trusted() -> bool:
    """May a memory answer? On SQLite (one process) always; on PostgreSQL while this process listens."""
    return _listening > 0 or not _on_postgres()


def state() -> str:
    """For `/readyz`: "listening", "not listening" (memories unused meanwhile), or "one process" (SQLite)."""
    if not _on_postgres():
        return "one process"
    return "listening" if _listening > 0 else "not listening"


def _forget(topic: str, key: str) -> None:
    for memory in list(_memories):
        memory.forget(topic, key)


def _forget_everything() -> None:
    for memory in list(_memories):
        memory.forget_everything()


async def announce(topic: str, key: str | int) -> None:
    """Forget `key` of `topic` here now, and in every worker when the current transaction commits."""
    _forget(topic, str(key))
    if _on_postgres():
        await execute("SELECT pg_notify(?, ?)", [CHANNEL, f"{topic}:{key}"])


def _heard(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
    topic, _, key = payload.partition(":")
    _forget(topic, key)


class Listener:
    """This worker's ear on `tsudoi_changes` (PostgreSQL only): one connection, reopened when lost."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if _on_postgres():
            self.task = asyncio.create_task(self._run(), name="tsudoi-changes")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._listen()
                log.warning("the connection listening for changes was closed; reconnecting")
                delay = 0.5
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("not listening for changes (%s); memories unused until reconnected", type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _listen(self) -> None:
        """Listen on one connection until it is lost (checked every `CHECK_SECONDS`)."""
        global _listening
        connection = await own_connection(APPLICATION_NAME, timeout=CHECK_SECONDS)
        lost = asyncio.Event()
        up = False
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(CHANNEL, _heard)
            _forget_everything()  # notices sent while nobody listened are lost: start afresh
            _listening += 1
            up = True
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), CHECK_SECONDS)
                except TimeoutError:
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), CHECK_SECONDS)
        finally:
            if up:
                _listening -= 1
            connection.terminate()
