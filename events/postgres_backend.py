"""Tortoise's asyncpg client, with a transaction that gives its connection back when cancelled.

Tortoise's pooled transaction takes a connection from the pool and then begins; a task cancelled
between the two (a client that went away, a shutdown) never returns that connection, and after
enough of them every request waits for a connection that will not come back.
"""

from __future__ import annotations

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


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


class PostgresClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return CancellationSafeTransactionContext(TransactionWrapper(self), self._pool_init_lock)


client_class = PostgresClient
