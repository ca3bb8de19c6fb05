"""Tortoise's SQLite client, with write transactions that take the write lock up front.

Tortoise begins transactions with a plain (deferred) `BEGIN`. A deferred transaction that reads
and then writes fails at once with SQLITE_BUSY when another process (a `tsudoi` command run
while the server serves) committed in between, whatever `busy_timeout` says. `BEGIN IMMEDIATE`
takes the write lock at the start, so a competing writer waits up to `busy_timeout` instead.

It also releases the client's lock when a task is cancelled while the transaction is being
opened; Tortoise's own context would keep it, and every later query would hang.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionContext, SqliteTransactionWrapper
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError
from tortoise.models import Model

from events.database import db_values


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            if self._connection.in_transaction:  # left open by a failure: end it (the connection is ours, locked)
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
    _group_commit: GroupCommit | None = None

    def _in_transaction(self) -> TransactionContext:
        return CancellationSafeTransactionContext(ImmediateTransactionWrapper(self), self._lock)

    @property
    def group_commit(self) -> GroupCommit:
        if self._group_commit is None:
            self._group_commit = GroupCommit(self)
        return self._group_commit


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


def _converted(exc: BaseException) -> BaseException:
    """sqlite3's errors as Tortoise's, like every other query's."""
    from tortoise.exceptions import IntegrityError, OperationalError

    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return OperationalError(exc)
    return exc


Work = Callable[[sqlite3.Connection], Any]
T = TypeVar("T")
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


def run_batch(connection: sqlite3.Connection, batch: list[Work]) -> list[Outcome]:
    """Each `work` in its own savepoint of the transaction in progress: one commit (one fsync) for the lot.

    A work that raises is rolled back to its savepoint and reported alone; the others still commit.
    """

    def one(work: Work) -> Outcome:
        connection.execute("SAVEPOINT work")
        try:
            result = work(connection)
        except Exception as exc:
            connection.execute("ROLLBACK TO work")
            connection.execute("RELEASE work")
            return False, exc
        connection.execute("RELEASE work")
        return True, result

    return [one(work) for work in batch]


class GroupCommit:
    """Short writes that arrive while a transaction runs go together in the next one (a group commit).

    The door sends many small, independent writes at once; on SQLite each commit is an fsync and
    there is one connection, so committing them one by one makes every scan wait for all the fsyncs
    before it. Here a scan waits for at most the transaction in progress and its own, whatever the
    load, and each write still succeeds or fails alone (savepoints).
    """

    def __init__(self, client: SqliteClient) -> None:
        self.client = client
        self.pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self.flushing: asyncio.Task[None] | None = None

    async def run(self, work: Work) -> Any:
        """`work(connection)` in the next transaction of the connection's thread; its result or its error."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append((work, future))
        if self.flushing is None:
            self.flushing = asyncio.create_task(self._flush())
        # A waiter that goes away (client disconnected) leaves its write to complete with the others.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                works = [work for work, _ in batch]
                try:
                    outcomes = await in_writer_thread(self.client, lambda c, works=works: run_batch(c, works))
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(_converted(exc))
                    continue
                except BaseException:
                    for _, future in batch:
                        future.cancel()
                    raise
                for (_, future), (succeeded, value) in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if succeeded:
                        future.set_result(value)
                    else:
                        future.set_exception(_converted(value))
        finally:
            self.flushing = None


async def _in_thread(connection: Any, work: Callable[[sqlite3.Connection], T]) -> T:
    """`work(connection)` in one trip to aiosqlite's thread; integrity errors come back as
    Tortoise's, like every other query's."""
    try:
        result: T = await connection._execute(work, connection._conn)
    except (sqlite3.IntegrityError, sqlite3.OperationalError) as exc:
        raise _converted(exc) from exc
    return result


async def in_this_transaction(work: Callable[[sqlite3.Connection], T]) -> T:
    """`work(connection)` in the transaction in progress, in one trip to the connection's thread:
    several statements as plain sqlite3 calls, where each through the ORM would be a trip of its own
    (each trip waits its turn on a busy event loop while the transaction holds the only writer)."""
    return await _in_thread(connections.get("default")._connection, work)


async def in_writer_thread(client: SqliteClient, work: Any) -> Any:
    """Run a short write transaction in one trip to aiosqlite's thread, under the client's lock.

    A transaction through the ORM costs a round trip between the event loop and that thread for each
    statement, and holds the only SQLite connection for all of them; the door's check-in does this
    for every scan. Integrity errors come back as Tortoise's, like every other query's.
    """
    async with client.acquire_connection() as connection:
        return await _in_thread(connection, lambda db: run_transaction(db, work))


Insert = tuple[str, list[str]]


def insert_statement(model: type[Model]) -> Insert:
    """The ORM's own INSERT for this model, and the fields whose values it takes in order."""
    executor = model._meta.db.executor_class(model=model, db=model._meta.db)
    return executor.insert_query, executor.regular_columns


def insert(db: sqlite3.Connection, instance: Model, statement: Insert) -> None:
    """Write a new model instance as `Model.save` does (its fields' own conversions, `auto_now`
    times set on it), as one plain call in the database's thread; it gets its id."""
    query, columns = statement
    instance.pk = db.execute(query, db_values(instance, columns)).lastrowid
    instance._saved_in_db = True
