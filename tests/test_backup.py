"""`tsudoi backup` and `tsudoi restore`, run as an organizer runs them, on the suite's engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.registrations import privacy
from events.settings import Settings
from tests.conftest import tsudoi
from tests.factories import make_registration
from tests.test_privacy import busy_event, every_row


def run(*args: str, settings: Settings, cwd: Path) -> tuple[int, str, str]:
    """As a cron job runs it: DATABASE_URL and no secret key (a backup signs nothing)."""
    result = tsudoi(*args, cwd=cwd, env={"DATABASE_URL": settings.database_url, "TSUDOI_SECRET_KEY": ""})
    return result.returncode, result.stdout, result.stderr


async def test_a_restore_brings_back_every_row_as_it_was_backed_up(db: Settings, tmp_path: Path) -> None:
    event, people = await busy_event()
    before = await every_row()
    assert sum(len(rows) for rows in before.values()) > 50, "a database with something in every part"
    backup_file = tmp_path / "backup.dump"

    code, out, err = await asyncio.to_thread(run, "backup", str(backup_file), settings=db, cwd=tmp_path)
    assert code == 0, err
    assert backup_file.stat().st_size > 0 and "Backed up" in out
    # Afterwards, things happen that the restore must undo.
    await privacy.purge_event(event)
    await make_registration(event, 99, ["lecture"], name="Added Later")
    assert await every_row() != before

    code, out, err = await asyncio.to_thread(run, "restore", str(backup_file), "--yes", settings=db, cwd=tmp_path)

    assert code == 0, err
    assert await every_row() == before, "every row of every table is back, and nothing else"


async def test_a_restore_asks_before_it_replaces_anything(db: Settings, tmp_path: Path) -> None:
    await busy_event()
    backup_file = tmp_path / "backup.dump"
    await asyncio.to_thread(run, "backup", str(backup_file), settings=db, cwd=tmp_path)
    before = await every_row()

    code, _out, err = await asyncio.to_thread(run, "restore", str(backup_file), settings=db, cwd=tmp_path)

    assert code == 2 and "--yes" in err
    assert await every_row() == before


@pytest.mark.usefixtures("db")
async def test_a_file_that_is_no_backup_is_refused(settings: Settings, tmp_path: Path) -> None:
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not a database\n")

    code, _out, err = await asyncio.to_thread(run, "restore", str(stranger), "--yes", settings=settings, cwd=tmp_path)

    assert code == 1 and "is not" in err and "backup" in err
