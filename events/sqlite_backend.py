"""Tortoise's SQLite client, with write transactions that take the write lock up front.

Tortoise begins transactions with a plain (deferred) `BEGIN`. A deferred transaction that reads
and then writes fails at once with SQLITE_BUSY when another process (a `tsudoi` command run
while the server serves) committed in between, whatever `busy_timeout` says. `BEGIN IMMEDIATE`
takes the write lock at the start, so a competing writer waits up to `busy_timeout` instead.

It also releases the client's lock when a task is cancelled while the transaction is being
opened; Tortoise's own context would keep it, and every later query would hang.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class CancellationSafeTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        token = None
        try:
            await self.ensure_connection()
            token = get_connections().set(self.connection_name, self.connection)
            await self.connection.begin()
        except BaseException:
            if token is not None:
                get_connections().reset(token)
            self._trxlock.release()
            raise
        self.token = token
        return self.connection  # type: ignore[no-any-return]


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return CancellationSafeTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    return ImmediateSqliteClient


def run_transaction(connection: sqlite3.Connection, work: Any) -> Any:
    """BEGIN IMMEDIATE, `work(connection)`, COMMIT (or ROLLBACK), all in the connection's own thread."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
    except BaseException:
        connection.rollback()
        raise
    connection.commit()
    return result


async def in_writer_thread(client: SqliteClient, work: Any) -> Any:
    """Run a short write transaction in one trip to aiosqlite's thread, under the client's lock.

    A transaction through the ORM costs a round trip between the event loop and that thread for each
    statement, and holds the only SQLite connection for all of them; the door's check-in does this
    for every scan. Integrity errors come back as Tortoise's, like every other query's.
    """
    from tortoise.exceptions import IntegrityError, OperationalError

    async with client.acquire_connection() as connection:
        try:
            return await connection._execute(run_transaction, connection._conn, work)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(exc) from exc
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc) from exc
