"""Tortoise's asyncpg client, with a transaction that gives its connection back when cancelled.

Tortoise's pooled transaction takes a connection from the pool and then begins; a task cancelled
between the two (a client that went away, a shutdown) never returns that connection, and after
enough of them every request waits for a connection that will not come back.

Its pool also skips asyncpg's reset query on every release (see `PooledConnection`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections

from events.batching import Batcher

#: Batches of one kind running at once in a process: enough to keep both of a small server's cores
#: busy, few enough that each batch gathers many scans.
BATCHES_IN_FLIGHT = 4


class CancellationSafeTransactionContext(TransactionContextPooled):
    async def __aenter__(self) -> TransactionalDBClient:
        await self.ensure_connection()
        pool = self.client._parent._pool
        connection = await pool.acquire()
        self.client._connection = connection
        token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(token)
            await pool.release(connection)
            raise
        self.token = token
        return self.client


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pool connection given back without asyncpg's reset query.

    By default every release sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`,
    one more round trip for each query run outside a transaction: a third of the door's scan time.
    Tsudoi takes advisory locks only for a transaction (released when it ends, before the
    connection goes back; the migrations' lock is on a connection of its own), keeps no cursors,
    listens on no pooled connection and sets no session settings, so there is nothing to reset; an
    open transaction is still rolled back by asyncpg itself (`Connection.reset` ends it whatever the query says).
    """

    def get_reset_query(self) -> str:
        return ""


class PostgresClient(AsyncpgDBClient):
    connection_class = PooledConnection

    def batcher(self, flush: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> Batcher[Any, Any]:
        """This connection's batcher for `flush` (see `events.batching`), made on first use."""
        batchers: dict[Any, Batcher[Any, Any]] = self.__dict__.setdefault("_batchers", {})
        if flush not in batchers:
            batchers[flush] = Batcher(flush, max_in_flight=BATCHES_IN_FLIGHT)
        return batchers[flush]

    def turns(self, key: object) -> asyncio.Lock:
        """A first-come, first-served queue in this process for writes that would wait on the same
        rows' locks (an event's registrations take its sessions' rows). Waiting here, in order,
        instead of in the database keeps the server's lock manager quiet and a late arrival from
        overtaking (docs/benchmarks.md: a higher rate, a fifth of the tail). Between processes the rows'
        own locks still decide."""
        queues: dict[object, asyncio.Lock] = self.__dict__.setdefault("_turns", {})
        if key not in queues:
            queues[key] = asyncio.Lock()
        return queues[key]

    def _in_transaction(self) -> TransactionContext:
        return CancellationSafeTransactionContext(TransactionWrapper(self), self._pool_init_lock)


client_class = PostgresClient
