"""The schema: built by migrations, kept in step with the models, backed by database rules."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import MigrationExecutor

from events import database
from events.program.models import Session
from events.registrations.models import Seat, SeatStatus
from events.settings import Settings
from tests import postgres
from tests.factories import make_event, make_registration

pytestmark = pytest.mark.usefixtures("db")

ALL_MIGRATIONS = [
    f"models.{path.stem}" for path in sorted((Path(database.__file__).parent / "migrations").glob("0*.py"))
]


async def test_the_models_match_the_migrations() -> None:
    config = database.tortoise_config(Settings(database_url="sqlite:///unused.db"))
    from tortoise import Tortoise

    detector = MigrationAutodetector(Tortoise.apps, config["apps"])  # type: ignore[arg-type]

    changes = await detector.changes()

    assert changes == [], (
        "a model changed without a migration: run tortoise makemigrations (see CONTRIBUTING in README)"
    )


async def test_migrating_again_changes_nothing_and_keeps_the_data(settings: Settings) -> None:
    event = await make_event()
    await make_registration(event, 1)

    applied = await database.migrate(settings)

    assert applied == []
    assert await database.pending_migrations(settings) == []
    assert await Seat.all().count() == 1


async def test_the_database_itself_refuses_an_overbooked_session() -> None:
    event = await make_event(capacity=1)
    session = await Session.get(event=event, code="day1")

    with pytest.raises((IntegrityError, OperationalError)):
        await Session.filter(id=session.id).update(confirmed_count=2)

    assert (await Session.get(id=session.id)).confirmed_count == 0


async def test_the_database_refuses_a_session_that_ends_before_it_starts() -> None:
    event = await make_event()
    start = datetime(2030, 1, 1, tzinfo=UTC)

    with pytest.raises((IntegrityError, OperationalError)):
        await Session.create(event=event, code="bad", title="Bad", starts_at=start, ends_at=start - timedelta(hours=1))


async def test_the_database_refuses_a_second_seat_in_the_same_session() -> None:
    event = await make_event()
    result = await make_registration(event, 1, ["day1"])
    session = await Session.get(event=event, code="day1")

    with pytest.raises(IntegrityError):
        await Seat.create(registration=result.registration, session=session, status=SeatStatus.WAITLISTED)


async def test_the_database_refuses_two_active_registrations_for_one_email() -> None:
    from events.registrations.models import Registration

    event = await make_event()
    first = await make_registration(event, 1, email="dup@example.org")
    copy = await Registration.get(id=first.registration.id)

    with pytest.raises(IntegrityError):
        await Registration.create(
            event=event,
            code="XXXXXXXX",
            secret="s" * 32,
            name="Copy",
            email="dup@example.org",
            active_email=copy.active_email,
            category="participant",
            status=copy.status,
        )


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(settings: Settings) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite pragmas: this run uses PostgreSQL")
    client = connections.get("default")

    journal = await client.execute_query_dict("PRAGMA journal_mode")
    timeout = await client.execute_query_dict("PRAGMA busy_timeout")
    foreign_keys = await client.execute_query_dict("PRAGMA foreign_keys")

    assert list(journal[0].values()) == ["wal"]
    assert list(timeout[0].values()) == [database.SQLITE_BUSY_TIMEOUT_MS]
    assert list(foreign_keys[0].values()) == [1]


async def test_every_migration_is_recorded(settings: Settings) -> None:
    executor = MigrationExecutor(connections.get("default"), database.tortoise_config(settings)["apps"])

    assert await executor.plan() == []


@asynccontextmanager
async def empty_database(settings: Settings, tmp_path: Path) -> AsyncIterator[Settings]:
    """A new, unmigrated database of the run's engine, connected for the block."""
    from tortoise import Tortoise

    async with AsyncExitStack() as stack:
        if settings.is_sqlite:
            url = f"sqlite:///{tmp_path}/empty.db"
        else:
            url = await stack.enter_async_context(postgres.throwaway_database_async())
        empty = Settings(database_url=url, secret_key="x")
        await Tortoise.close_connections()
        await database.connect(empty)
        try:
            yield empty
        finally:
            await database.disconnect()


async def test_a_database_without_the_schema_has_pending_migrations(settings: Settings, tmp_path: Path) -> None:
    async with empty_database(settings, tmp_path) as empty:
        assert await database.pending_migrations(empty) == ALL_MIGRATIONS


async def test_upgrading_an_older_database_keeps_its_data(settings: Settings, tmp_path: Path) -> None:
    from tortoise.migrations.executor import MigrationTarget

    from events.database import execute, fetch

    async with empty_database(settings, tmp_path) as old:
        executor = MigrationExecutor(connections.get("default"), database.tortoise_config(old)["apps"])
        await executor.migrate([MigrationTarget(app_label="models", name="0001_initial")])
        # Rows as the first schema knew them (the models describe the newest schema, so plain SQL).
        now, start, end = "2030-01-01 00:00:00+00:00", "2030-01-02 01:00:00+00:00", "2030-01-02 08:00:00+00:00"
        await execute(
            'INSERT INTO "event" ("slug", "title", "description", "starts_on", "ends_on", "timezone", "venue", '
            '"city", "categories", "status", "created_at", "updated_at") '
            "VALUES ('old', 'Old event', '', '2030-01-02', '2030-01-02', 'Asia/Tokyo', '', '', '[]', "
            "'published', ?, ?)",
            [now, now] if settings.is_sqlite else [datetime.fromisoformat(now)] * 2,
        )
        times = [start, end] if settings.is_sqlite else [datetime.fromisoformat(start), datetime.fromisoformat(end)]
        await execute(
            'INSERT INTO "session" ("event_id", "code", "title", "description", "kind", "starts_at", "ends_at", '
            '"location", "capacity", "confirmed_count", "position") '
            "VALUES (1, 'day1', 'Day 1', '', 'day', ?, ?, '', 10, 0, 0)",
            times,
        )

        applied = await database.migrate(old)

        assert applied == ALL_MIGRATIONS[1:]
        rows = await fetch('SELECT "code", "title", "sequence" FROM "session"', [])
        assert [(row["code"], row["title"], row["sequence"]) for row in rows] == [("day1", "Day 1", 0)], (
            "the upgrade kept the rows and gave new columns their defaults"
        )


async def test_three_processes_migrating_one_new_postgresql_database_at_once_all_succeed(
    postgres_url: str, tmp_path: Path
) -> None:
    # Two app machines and an operator's `tsudoi migrate` starting together on a new version.
    env = {**os.environ, "DATABASE_URL": postgres_url, "TSUDOI_SECRET_KEY": "x"}
    command = [sys.executable, "-m", "events.cli", "migrate"]
    processes = [
        await asyncio.create_subprocess_exec(*command, cwd=tmp_path, env=env, stdout=PIPE, stderr=STDOUT)
        for _ in range(3)
    ]

    outputs = [(await process.communicate())[0].decode() for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], "\n---\n".join(outputs)
    assert sum("migration(s) applied" in output for output in outputs) == 1, "one applies, the others wait"
    assert sum("already current" in output for output in outputs) == 2, outputs


async def test_the_scan_log_and_the_outbox_keep_their_unique_rules_after_every_migration() -> None:
    """On SQLite a migration that only changed descriptions once rebuilt these tables without their
    indexes; 0023 put them back. A scan_id repeated by one device, or a second message of one kind
    for one registration and session, is refused by the database itself."""
    from events.checkin.models import Result, ScanLog
    from events.mail.models import MailKind, OutboxMessage

    event = await make_event()
    registration = (await make_registration(event, 1)).registration
    scan = {"event": event, "device": "door-A", "scan_id": "s-1", "result": Result.OK, "scanned_at": datetime.now(UTC)}
    mail = {
        "event": event,
        "registration": registration,
        "kind": MailKind.REMINDER,
        "recipient": "a@example.org",
        "session_code": "day1",
        "base_url": "http://testserver",
        "next_attempt_at": datetime.now(UTC),
    }
    await ScanLog.create(**scan)
    await OutboxMessage.create(**mail)

    with pytest.raises(IntegrityError):
        await ScanLog.create(**scan)
    with pytest.raises(IntegrityError):
        await OutboxMessage.create(**mail)


async def test_a_migrated_sqlite_database_has_every_index_the_models_declare(
    settings: Settings, tmp_path: Path
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's table rebuilds: this run uses PostgreSQL")
    script = (
        "import asyncio, sys\n"
        "from tortoise import Tortoise\n"
        "from events.database import MODEL_MODULES\n"
        "async def main():\n"
        "    await Tortoise.init(db_url='sqlite:///' + sys.argv[1], modules={'models': MODEL_MODULES})\n"
        "    await Tortoise.generate_schemas()\n"
        "    await Tortoise.close_connections()\n"
        "asyncio.run(main())\n"
    )
    fresh = tmp_path / "fresh.db"
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(fresh), stdout=PIPE, stderr=STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()

    def indexes(path: str) -> set[tuple[str, tuple[str, ...], int]]:
        import sqlite3

        with sqlite3.connect(path) as db:
            found = set()
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                if table.startswith(("sqlite_", "tortoise_")):
                    continue
                for row in db.execute(f'PRAGMA index_list("{table}")'):
                    columns = tuple(info[2] for info in db.execute(f'PRAGMA index_info("{row[1]}")'))
                    found.add((table, columns, int(row[2])))
            return found

    migrated = settings.database_url.removeprefix("sqlite://")
    missing = indexes(str(fresh)) - indexes(migrated)
    assert missing == set(), f"indexes the models declare that the migrated database lacks: {sorted(missing)}"


async def test_0028_mends_the_half_characters_sqlite_kept(settings: Settings, tmp_path: Path) -> None:
    """A lone surrogate kept on SQLite (JSON text escapes it; another program may have written its
    bytes into a text column) becomes U+FFFD on upgrade, and nothing else changes. PostgreSQL never
    held one: its jsonb refuses the escape."""
    from tortoise.migrations.executor import MigrationTarget

    from events.database import execute, fetch

    async with empty_database(settings, tmp_path) as old:
        executor = MigrationExecutor(connections.get("default"), database.tortoise_config(old)["apps"])
        await executor.migrate([MigrationTarget(app_label="models", name="0027_sign_in_links")])
        if not old.is_sqlite:
            with pytest.raises(Exception, match="surrogate"):
                await execute("SELECT CAST(? AS jsonb)", ['"\\ud800"'])
            assert (await database.migrate(old))[:1] == ["models.0028_lone_surrogates"]
            return
        await execute(
            'INSERT INTO "event" ("slug", "title", "description", "starts_on", "ends_on", "timezone", "venue", "city", '
            '"categories", "status", "translations", "created_at", "updated_at") VALUES (\'old\', \'Old\', \'\', '
            "'2030-01-02', '2030-01-02', 'Asia/Tokyo', '', '', ?, 'published', ?, '2030-01-01', '2030-01-01')",
            ['[{"code":"participant","label":"Guest \\udbff"}]', '{"en":{"title":"Pair \\ud83d\\ude00 kept"}}'],
        )
        await execute(
            'INSERT INTO "registration" ("event_id", "code", "secret", "name", "name_reading", "sort_name", "email", '
            '"active_email", "organization", "category", "language", "status", "created_at", "updated_at") '
            "VALUES (1, 'AAAAAAAA', 'secret-secret-secret-secret', 'Ana', '', 'Ana', '', NULL, "
            "CAST(X'4E474FEDA080' AS TEXT), 'participant', 'ja', 'confirmed', '2030-01-01', '2030-01-01')",
            [],
        )
        await execute(
            'INSERT INTO "question" ("event_id", "code", "label", "help_text", "kind", "required", "choices", '
            "\"position\", \"created_at\") VALUES (1, 'note', '한국어', '', 'long_text', 0, '[]', 0, '2030-01-01')",
            [],
        )
        await execute(
            'INSERT INTO "answer" ("registration_id", "question_id", "value") VALUES (1, 1, ?)', ['"a \\ud800"']
        )

        applied = await database.migrate(old)

        assert applied[:1] == ["models.0028_lone_surrogates"], "0028 comes first, after the 0027 the test stopped at"
        event = (await fetch('SELECT "categories", "translations" FROM "event"', []))[0]
        assert json.loads(event["categories"])[0]["label"] == "Guest \ufffd"
        assert json.loads(event["translations"]) == {"en": {"title": "Pair \U0001f600 kept"}}, "a pair is a character"
        assert (await fetch('SELECT "organization" FROM "registration"', []))[0]["organization"] == "NGO\ufffd"
        assert (await fetch('SELECT "label" FROM "question"', []))[0]["label"] == "한국어", "Hangul is left alone"
        assert json.loads((await fetch('SELECT "value" FROM "answer"', []))[0]["value"]) == "a \ufffd"
