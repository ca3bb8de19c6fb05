"""`tsudoi move-to-postgres`: an SQLite database moved whole into an empty PostgreSQL one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from events import database
from events.program.service import get_event
from events.reports.attendance import attendance
from events.reports.exports import write_csv
from events.reports.tables import participants_table
from events.settings import Settings
from tests.conftest import tsudoi
from tests.test_privacy import busy_event

KEY = "test-secret-key"


async def figures_and_people(settings: Settings) -> tuple[dict[str, object], bytes]:
    """What the organizers see of the workshop on that database: its figures and its participants file."""
    await database.connect(settings)
    try:
        event = await get_event("workshop", include_hidden=True)
        return await attendance(event), write_csv(await participants_table(event))
    finally:
        await database.disconnect()


async def next_registration_id(settings: Settings) -> int:
    """The id PostgreSQL gives the next registration. (Read with SQL: the ORM keeps its INSERTs
    built for the first engine a process used, and this test used SQLite first.)"""
    await database.connect(settings)
    try:
        rows = await database.fetch("SELECT nextval(pg_get_serial_sequence('registration', 'id')) AS id", [])
        return int(rows[0]["id"])
    finally:
        await database.disconnect()


async def test_a_moved_database_gives_the_same_figures_and_people(tmp_path: Path, postgres_url: str) -> None:
    source = Settings(database_url=f"sqlite:///{tmp_path / 'small-network.db'}", secret_key=KEY)
    await database.connect(source)
    try:
        await database.migrate(source)
        await busy_event()
    finally:
        await database.disconnect()
    before = await figures_and_people(source)
    env = {"DATABASE_URL": source.database_url, "TSUDOI_SECRET_KEY": KEY}

    moved = await asyncio.to_thread(tsudoi, "move-to-postgres", postgres_url, cwd=tmp_path, env=env)

    assert moved.returncode == 0, moved.stderr
    assert "registration: 12 row(s)" in moved.stdout, moved.stdout
    target = replace(source, database_url=postgres_url)
    after = await figures_and_people(target)
    assert after[0] == before[0], "every figure of the report is the same on PostgreSQL"
    assert after[1] == before[1], "and the participants file, byte for byte"
    assert await next_registration_id(target) == 13, "the next registration takes the next id, no clash"

    again = await asyncio.to_thread(tsudoi, "move-to-postgres", postgres_url, cwd=tmp_path, env=env)
    assert again.returncode == 1 and "already holds events" in again.stderr, "never into a database in use"
