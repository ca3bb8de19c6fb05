"""SQLite's group commit: writes that wait together commit together, and each one fails alone."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError

from events.settings import Settings
from events.sqlite_backend import ImmediateSqliteClient

pytestmark = pytest.mark.usefixtures("db")


def sqlite_client(settings: Settings) -> ImmediateSqliteClient:
    if not settings.is_sqlite:
        pytest.skip("group commit is SQLite's (PostgreSQL batches scans its own way: events/checkin/batched.py)")
    client = connections.get("default")
    assert isinstance(client, ImmediateSqliteClient)
    return client


async def test_writes_waiting_together_share_one_transaction_and_a_failure_stays_alone(db: Settings) -> None:
    client = sqlite_client(db)
    await client.execute_script('CREATE TABLE "probe" ("n" INTEGER PRIMARY KEY)')

    def insert(n: int) -> object:
        def work(connection: sqlite3.Connection) -> int:
            connection.execute('INSERT INTO "probe" ("n") VALUES (?)', [n])
            return n

        return work

    # The first write starts a transaction; the next five queue behind it and go together.
    outcomes = await asyncio.gather(
        *(client.group_commit.run(insert(n)) for n in [1, 2, 3, 2, 4, 5]), return_exceptions=True
    )

    assert outcomes[:3] == [1, 2, 3] and outcomes[4:] == [4, 5], f"the good writes answer: {outcomes}"
    assert isinstance(outcomes[3], IntegrityError), "the duplicate fails, as Tortoise's error"
    rows = await client.execute_query_dict('SELECT "n" FROM "probe" ORDER BY "n"')
    assert [row["n"] for row in rows] == [1, 2, 3, 4, 5], "every other write committed"


async def test_a_write_whose_caller_went_away_still_commits(db: Settings) -> None:
    client = sqlite_client(db)
    await client.execute_script('CREATE TABLE "probe" ("n" INTEGER PRIMARY KEY)')

    def slow_first(connection: sqlite3.Connection) -> None:
        connection.execute('INSERT INTO "probe" ("n") VALUES (1)')

    def second(connection: sqlite3.Connection) -> None:
        connection.execute('INSERT INTO "probe" ("n") VALUES (2)')

    first = asyncio.create_task(client.group_commit.run(slow_first))
    waiter = asyncio.create_task(client.group_commit.run(second))
    await asyncio.sleep(0)
    waiter.cancel()
    await first
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await client.group_commit.run(lambda connection: None)  # the batch after it has run

    rows = await client.execute_query_dict('SELECT "n" FROM "probe" ORDER BY "n"')
    assert [row["n"] for row in rows] == [1, 2], "a scan whose phone lost the answer is still counted"
