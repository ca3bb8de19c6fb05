"""`tsudoi move-to-postgres`: an SQLite database moved whole into an empty PostgreSQL one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from events import database
from events.badges import tokens
from events.badges.service import identify
from events.checkin import service as checkin
from events.program.service import get_event
from events.reports.attendance import attendance
from events.reports.exports import write_csv
from events.reports.tables import participants_table
from events.settings import Settings
from events.staff.models import Role
from events.staff.service import save_staff
from tests.conftest import staff_via_cli, tsudoi
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
    """The id PostgreSQL gives the next registration (its sequence, read with SQL)."""
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


async def test_one_event_moves_into_a_database_that_holds_another_and_its_badges_still_scan(
    tmp_path: Path, postgres_url: str
) -> None:
    laptop = Settings(database_url=f"sqlite:///{tmp_path / 'laptop.db'}", secret_key="the laptop's key")
    await database.connect(laptop)
    try:
        await database.migrate(laptop)
        event, people = await busy_event()
        door = await save_staff("door@example.org", Role.DOOR)
        late = await checkin.check_in(event, people[8].code, "lecture", secret_key=KEY, device="door-B", staff=door)
        assert late.status_code == 201
        badge = tokens.badge_token(laptop.secret_key, event.id, people[0].code, people[0].secret, event.badge_key)
    finally:
        await database.disconnect()
    before = await figures_and_people(laptop)
    laptop_env = {"DATABASE_URL": laptop.database_url, "TSUDOI_SECRET_KEY": laptop.secret_key}
    server_env = {"DATABASE_URL": postgres_url, "TSUDOI_SECRET_KEY": "the network server's key"}
    # The network's server already runs another event (same sessions, so its ids are taken) and
    # has an account for the same door volunteer.
    definition = tsudoi("event", "export", "workshop", cwd=tmp_path, env=laptop_env).stdout
    (tmp_path / "other.yaml").write_text(definition.replace("slug: workshop", "slug: symposium"))
    assert tsudoi("event", "import", "other.yaml", cwd=tmp_path, env=server_env).returncode == 0
    staff_via_cli(postgres_url, tmp_path, "door@example.org", "door")

    moved = await asyncio.to_thread(tsudoi, "move-event", "workshop", postgres_url, cwd=tmp_path, env=laptop_env)

    assert moved.returncode == 0, moved.stderr
    assert "registration: 12 row(s)" in moved.stdout, moved.stdout
    server = replace(laptop, database_url=postgres_url, secret_key="the network server's key")
    assert await figures_and_people(server) == before, "the same figures and participants file there"
    await database.connect(server)
    try:
        moved_event = await get_event("workshop", include_hidden=True)
        other = await get_event("symposium", include_hidden=True)
        assert other.id == event.id and moved_event.id != event.id, "its id was taken there: it got a new one"
        found = await identify(moved_event, badge, server.secret_key)
        assert found is not None and found.code == people[0].code, "a badge printed on the laptop scans there"
        rows = await database.fetch(
            'SELECT a."email" FROM "checkin" c JOIN "staff_account" a ON a."id" = c."staff_id" '
            'JOIN "registration" r ON r."id" = c."registration_id" WHERE r."code" = ?',
            [people[8].code],
        )
        assert [row["email"] for row in rows] == ["door@example.org"], "the check-in keeps its author"
        assert len(other.sessions) == 4, "the other event is untouched"  # type: ignore[arg-type]
    finally:
        await database.disconnect()

    again = await asyncio.to_thread(tsudoi, "move-event", "workshop", postgres_url, cwd=tmp_path, env=laptop_env)
    assert again.returncode == 1 and "already holds an event 'workshop'" in again.stderr, again.stderr


async def test_one_event_moves_between_two_sqlite_files(tmp_path: Path) -> None:
    laptop = Settings(database_url=f"sqlite:///{tmp_path / 'laptop.db'}", secret_key=KEY)
    await database.connect(laptop)
    try:
        await database.migrate(laptop)
        await busy_event()
    finally:
        await database.disconnect()
    before = await figures_and_people(laptop)
    office = replace(laptop, database_url=f"sqlite:///{tmp_path / 'office.db'}")
    env = {"DATABASE_URL": laptop.database_url, "TSUDOI_SECRET_KEY": KEY}

    moved = await asyncio.to_thread(tsudoi, "move-event", "workshop", office.database_url, cwd=tmp_path, env=env)

    assert moved.returncode == 0, moved.stderr
    assert await figures_and_people(office) == before, "the same figures and participants file in the other file"


async def test_one_process_writes_through_the_orm_on_sqlite_then_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    # What the move commands do: the ORM's statements built for SQLite must not be reused on PostgreSQL.
    for url in (f"sqlite:///{tmp_path / 'first.db'}", postgres_url):
        settings = Settings(database_url=url, secret_key=KEY)
        await database.connect(settings)
        try:
            await database.migrate(settings)
            await save_staff("door@example.org", Role.DOOR)
            await busy_event()
        finally:
            await database.disconnect()
