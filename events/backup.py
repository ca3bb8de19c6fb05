"""Backups: a whole database to one file and back, while the app keeps serving.

SQLite uses its online backup API (a consistent copy even while the server writes); PostgreSQL
uses `pg_dump`'s custom format and `pg_restore`, which must be installed beside `tsudoi` and of
the server's major version or newer. A restore first keeps a copy of what it replaces (SQLite)
or runs in one transaction (PostgreSQL), so a failed restore leaves the database as it was.
Every file written here holds the whole database: only its owner may read it (`private_files`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from events import private_files
from events.settings import Settings

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """Says what went wrong in words for the person at the command line."""


def backup(settings: Settings, target: Path) -> int:
    """Write the whole database to `target`; returns its size in bytes."""
    target = target.resolve()
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a folder; name a file to write the backup to.")
    partial = target.with_name(target.name + ".partial")
    try:
        if settings.is_sqlite:
            _sqlite_backup(_existing(_sqlite_file(settings)), partial)
        else:
            private_files.create(partial)  # pg_dump writes into it, keeping its mode
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial)], settings)
        partial.replace(target)  # only a complete backup takes the name
    except OSError as exc:
        raise BackupError(f"Cannot write the backup to {target}: {exc.strerror or exc}.") from None
    return target.stat().st_size


def restore(settings: Settings, source: Path) -> Path | None:
    """Replace the database's contents with the backup in `source`.

    Returns where the replaced SQLite database was kept (None for PostgreSQL, whose restore is one
    transaction). Refuses a file that is not a backup of this kind of database.
    """
    if not source.is_file():
        raise BackupError(f"There is no file {source}.")
    head = source.open("rb").read(16)
    if settings.is_sqlite:
        if not head.startswith(SQLITE_HEADER):
            raise BackupError(f"{source} is not an SQLite backup (this database is SQLite).")
        database = _sqlite_file(settings)
        kept = database.with_name(f"{database.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        if database.exists():
            _sqlite_backup(database, kept)
        _sqlite_backup(source, database)
        return kept if database.exists() and kept.exists() else None
    if not head.startswith(PG_DUMP_HEADER):
        raise BackupError(f"{source} is not a PostgreSQL backup made by `tsudoi backup` (pg_dump's custom format).")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(source),
        ],
        settings,
    )
    return None


def _sqlite_file(settings: Settings) -> Path:
    path = settings.sqlite_path
    if path is None:
        raise BackupError("An in-memory database has nothing to back up.")
    return path


def _existing(database: Path) -> Path:
    if not database.is_file():
        raise BackupError(f"There is no SQLite database at {database}: check DATABASE_URL.")
    return database


def _sqlite_backup(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup API: consistent even while another process writes."""
    private_files.create(target)
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy, pages=1024)
    finally:
        copy.close()
        origin.close()


def _run(command: list[str], settings: Settings) -> None:
    """Run a PostgreSQL client tool against the configured database (password through the environment)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed; install PostgreSQL's client tools (e.g. postgresql-client).")
    url = urlsplit(settings.database_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    connection = [
        "--host",
        url.hostname or "localhost",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
    ]
    name = url.path.lstrip("/")
    target = ["--dbname", name]
    result = subprocess.run([*command[:1], *connection, *target, *command[1:]], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
