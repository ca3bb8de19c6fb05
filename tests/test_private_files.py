"""Every file that holds the database (the SQLite file and those beside it, a backup, the copy a
restore keeps, the demo's, a moved event's) is readable by its owner only, whatever the umask."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tortoise import connections

from events import database
from events.demo import DEMO_SLUG
from events.settings import Settings
from tests.conftest import tsudoi
from tests.factories import make_event


def mode(path: Path) -> str:
    return f"{path.stat().st_mode & 0o777:04o}"


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask, under which a file anyone may read is made unless the app says otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


async def test_a_new_sqlite_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tsudoi.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key="test")
    await database.connect(settings)
    try:
        await database.migrate(settings)
        await make_event()  # something written: the -wal and -shm files are there while connected
        wal, shm = path.with_name("tsudoi.db-wal"), path.with_name("tsudoi.db-shm")

        modes = {file.name: mode(file) for file in (path, wal, shm)}
    finally:
        await database.disconnect()

    assert modes == {"tsudoi.db": "0600", "tsudoi.db-wal": "0600", "tsudoi.db-shm": "0600"}, modes


async def test_a_database_others_could_read_is_tightened_at_start_and_said_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    if not settings.is_sqlite:
        pytest.skip("a PostgreSQL database is no file of ours")
    path = settings.sqlite_path
    assert path is not None
    path.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="tsudoi.db"):
        for _start in range(2):
            await database.connect(settings)
            await connections.get("default").execute_query("SELECT 1")
            await database.disconnect()

    said = [record.getMessage() for record in caplog.records if record.name == "tsudoi.db"]
    assert mode(path) == "0600"
    assert len(said) == 1 and "could read" in said[0] and "0644" in said[0], said


def run(*args: str, database_url: str, cwd: Path) -> str:
    result = tsudoi(*args, cwd=cwd, env={"DATABASE_URL": database_url, "TSUDOI_SECRET_KEY": ""})
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_a_backup_and_the_copy_a_restore_keeps_are_private(db: Settings, tmp_path: Path) -> None:
    """On PostgreSQL the backup is pg_dump's file; on SQLite, a copy of the database file."""
    await make_event()
    backup_file = tmp_path / "backups" / "tsudoi.backup"
    backup_file.parent.mkdir()

    await asyncio.to_thread(run, "backup", str(backup_file), database_url=db.database_url, cwd=tmp_path)
    said = await asyncio.to_thread(
        run, "restore", str(backup_file), "--yes", database_url=db.database_url, cwd=tmp_path
    )

    assert mode(backup_file) == "0600"
    if db.is_sqlite:
        kept = [path for path in tmp_path.iterdir() if ".before-restore-" in path.name]
        assert len(kept) == 1 and kept[0].name in said, said
        assert mode(kept[0]) == "0600", "the copy of what the restore replaced"


def test_the_demo_database_and_an_event_moved_into_a_new_file_are_private(tmp_path: Path) -> None:
    run("demo", "--no-serve", database_url="", cwd=tmp_path)
    moved = tmp_path / "moved.db"

    run("move-event", DEMO_SLUG, f"sqlite://{moved.name}", database_url="sqlite://tsudoi-demo.db", cwd=tmp_path)

    assert mode(tmp_path / "tsudoi-demo.db") == "0600"
    assert mode(moved) == "0600"
