"""Moving a whole SQLite database into an empty PostgreSQL one, for a network that outgrows SQLite,
or one event of it into a database that already holds others (`move_event`).

Both ends are brought to the same migration first; then every table is copied, parents before
children (by their foreign keys), with its ids, and PostgreSQL's id sequences are moved past the
copied ids. Values travel as text and are cast by PostgreSQL to each column's own type, so
SQLite's loose storage (times as text, booleans as 0/1, JSON as text) arrives typed. All in one
transaction: a failed move leaves the target as empty as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events import database
from events.settings import Settings

#: The ORM's own bookkeeping, which the target's migration writes itself.
SKIPPED = frozenset({"tortoise_migrations"})
BATCH = 500


class MoveError(Exception):
    """Says what stands in the way, in words for the person at the command line."""


def _foreign_keys(source: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(column, parent table) for each foreign key of `table`."""
    return [(row[3], row[2]) for row in source.execute(f'PRAGMA foreign_key_list("{table}")')]


def _tables_in_order(source: sqlite3.Connection) -> list[str]:
    names = [
        row[0]
        for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if row[0] not in SKIPPED
    ]
    graph = {name: {parent for _column, parent in _foreign_keys(source, name) if parent != name} for name in names}
    return list(TopologicalSorter(graph).static_order())


async def _migrated_source(source: Settings) -> Path:
    """The SQLite file, brought to the current schema, so both ends have the same tables and columns."""
    path = source.sqlite_path
    if path is None or not Path(path).is_file():
        raise MoveError(f"There is no SQLite database at {path}.")
    await database.connect(source)
    try:
        await database.migrate(source)
    finally:
        await database.disconnect()
    return Path(path)


async def move(
    source: Settings, target: Settings, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of `source` (SQLite) into `target` (an empty PostgreSQL database); rows per table."""
    if target.is_sqlite:
        raise MoveError("The target must be a PostgreSQL database (postgres://…).")
    path = await _migrated_source(source)
    copied: dict[str, int] = {}
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    await database.connect(target)
    try:
        await database.migrate(target)
        client = connections.get("default")
        if (await client.execute_query_dict('SELECT count(*) AS n FROM "event"'))[0]["n"]:
            raise MoveError("The target database already holds events; move into an empty database only.")
        types = await _column_types(target)
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


# Moving one event into a database that already holds others: its rows get new ids there, and every
# reference between them follows. Staff accounts stay where they are: a check-in or an audit entry
# by someone who has an account of the same e-mail address on the target keeps its author, others
# keep none (the audit entry keeps the address as text anyway).

#: Accounts and their tokens belong to a server, not to an event.
STAFF_TABLES = frozenset({"staff_account", "api_token"})


def _event_rows(
    source: sqlite3.Connection, table: str, keys: list[tuple[str, str]], slug: str, kept: dict[str, dict[int, int]]
) -> list[sqlite3.Row] | None:
    """The rows of `table` that belong to the event, or None when the table holds no event's data."""
    if table == "event":
        return list(source.execute('SELECT * FROM "event" WHERE "slug" = ?', [slug]))
    if table == "audit_entry":
        return list(source.execute('SELECT * FROM "audit_entry" WHERE "event_slug" = ?', [slug]))
    links = [(column, parent) for column, parent in keys if parent in kept]
    if not links:
        return None
    return [
        row
        for row in source.execute(f'SELECT * FROM "{table}" ORDER BY "id"')
        if any(row[column] in kept[parent] for column, parent in links)
    ]


@dataclass(frozen=True)
class MovedEvent:
    rows: dict[str, int]
    #: Its badges are signed for the source's server and the event's old id (TSD1): they will not scan.
    old_badges: bool


async def move_event(
    source: Settings, target: Settings, slug: str, progress: Callable[[str, int], None] | None = None
) -> MovedEvent:
    """Copy one event of `source` (SQLite), with everything that belongs to it, into `target`.

    One transaction on the target: a failed move adds nothing. The source is left as it was.
    """
    path = await _migrated_source(source)
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    reader.row_factory = sqlite3.Row
    copied: dict[str, int] = {}
    await database.connect(target)
    try:
        await database.migrate(target)
        event = reader.execute('SELECT "badge_key" FROM "event" WHERE "slug" = ?', [slug]).fetchone()
        if event is None:
            raise MoveError(f"There is no event {slug!r} in {path}.")
        if await database.fetch('SELECT 1 FROM "event" WHERE "slug" = ?', [slug]):
            raise MoveError(f"The target already holds an event {slug!r}; nothing was moved.")
        types = await _column_types(target)
        accounts_sql = 'SELECT "id", "email" FROM "staff_account"'
        emails = {row["id"]: row["email"] for row in reader.execute(accounts_sql)}
        accounts = {row["email"]: row["id"] for row in await database.fetch(accounts_sql, [])}
        kept: dict[str, dict[int, int]] = {}
        try:
            async with in_transaction() as connection:
                for table in _tables_in_order(reader):
                    if table in SKIPPED or table in STAFF_TABLES:
                        continue
                    keys = _foreign_keys(reader, table)
                    rows = _event_rows(reader, table, keys, slug, kept)
                    if rows is None:
                        continue
                    kept[table] = {}
                    for row in rows:
                        values = {column: row[column] for column in row.keys() if column != "id"}
                        for column, parent in keys:
                            if values.get(column) is None:
                                continue
                            if parent in kept:
                                values[column] = kept[parent].get(values[column])
                            elif parent == "staff_account":
                                values[column] = accounts.get(emails.get(values[column], ""))
                        kept[table][row["id"]] = await _insert(connection, target, table, values, types)
                    copied[table] = len(rows)
                    if progress:
                        progress(table, len(rows))
        except IntegrityError as exc:
            raise MoveError(f"The target refused a row ({exc}); nothing was moved.") from exc
    finally:
        await database.disconnect()
        reader.close()
    return MovedEvent(copied, old_badges=not event["badge_key"])


async def _column_types(target: Settings) -> dict[tuple[str, str], str]:
    """PostgreSQL's type of each column, to cast SQLite's text to (SQLite takes values as they are)."""
    if target.is_sqlite:
        return {}
    rows = await connections.get("default").execute_query_dict(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'"
    )
    return {(row["table_name"], row["column_name"]): row["data_type"] for row in rows}


async def _insert(
    connection: Any, target: Settings, table: str, values: dict[str, Any], types: dict[tuple[str, str], str]
) -> int:
    columns = list(values)
    names = ", ".join(f'"{column}"' for column in columns)
    if target.is_sqlite:
        marks = ", ".join("?" for _ in columns)
        arguments = [values[column] for column in columns]
    else:
        marks = ", ".join(f"${n}::text::{types[(table, column)]}" for n, column in enumerate(columns, 1))
        arguments = [_text(values[column]) for column in columns]
    rows = await connection.execute_query_dict(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING "id"', arguments
    )
    return int(rows[0]["id"])
