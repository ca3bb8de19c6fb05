"""Moving a whole SQLite database into an empty PostgreSQL one, for a network that outgrows SQLite.

Both ends are brought to the same migration first; then every table is copied, parents before
children (by their foreign keys), with its ids, and PostgreSQL's id sequences are moved past the
copied ids. Values travel as text and are cast by PostgreSQL to each column's own type, so
SQLite's loose storage (times as text, booleans as 0/1, JSON as text) arrives typed. All in one
transaction: a failed move leaves the target as empty as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from graphlib import TopologicalSorter
from pathlib import Path

from tortoise import connections
from tortoise.transactions import in_transaction

from events import database
from events.settings import Settings

#: The ORM's own bookkeeping, which the target's migration writes itself.
SKIPPED = frozenset({"tortoise_migrations"})
BATCH = 500


class MoveError(Exception):
    """Says what stands in the way, in words for the person at the command line."""


def _tables_in_order(source: sqlite3.Connection) -> list[str]:
    names = [
        row[0]
        for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if row[0] not in SKIPPED
    ]
    graph = {
        name: {row[2] for row in source.execute(f'PRAGMA foreign_key_list("{name}")') if row[2] != name}
        for name in names
    }
    return list(TopologicalSorter(graph).static_order())


async def move(
    source: Settings, target: Settings, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of `source` (SQLite) into `target` (an empty PostgreSQL database); rows per table."""
    path = source.sqlite_path
    if path is None or not Path(path).is_file():
        raise MoveError(f"There is no SQLite database at {path}.")
    if target.is_sqlite:
        raise MoveError("The target must be a PostgreSQL database (postgres://…).")
    # The source at the current schema too, so both have the same tables and columns.
    await database.connect(source)
    try:
        await database.migrate(source)
    finally:
        await database.disconnect()
    copied: dict[str, int] = {}
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    await database.connect(target)
    try:
        await database.migrate(target)
        client = connections.get("default")
        if (await client.execute_query_dict('SELECT count(*) AS n FROM "event"'))[0]["n"]:
            raise MoveError("The target database already holds events; move into an empty database only.")
        types = {
            (row["table_name"], row["column_name"]): row["data_type"]
            for row in await client.execute_query_dict(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public'"
            )
        }
        async with in_transaction() as connection:
            for table in _tables_in_order(reader):
                cursor = reader.execute(f'SELECT * FROM "{table}"')
                columns = [description[0] for description in cursor.description]
                casts = ", ".join(f"${n}::text::{types[(table, column)]}" for n, column in enumerate(columns, 1))
                names = ", ".join(f'"{column}"' for column in columns)
                insert = f'INSERT INTO "{table}" ({names}) VALUES ({casts})'
                count = 0
                while rows := cursor.fetchmany(BATCH):
                    await connection.execute_many(insert, [[_text(value) for value in row] for row in rows])
                    count += len(rows)
                copied[table] = count
                if progress:
                    progress(table, count)
                if "id" in columns and count:
                    await connection.execute_query(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max("id") FROM "{table}"))'
                    )
    finally:
        await database.disconnect()
        reader.close()
    return copied


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    return str(value)
