"""Files that hold personal data (an SQLite database, a backup) are their owner's alone.

Made 0600 from the moment they exist, whatever the umask: SQLite and `pg_dump` create their files
as the umask allows (0644 with the usual 022, so every user of the machine could read every name),
so the file is made first, empty, and they write into it. SQLite gives the -wal and -shm files it
makes beside a database the database file's own permissions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE = 0o600
#: The group's and other users' bits.
SHARED = 0o077


def create(path: Path) -> None:
    """Make `path` an empty file only its owner may read and write, or make the file there so (its
    contents kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)
    finally:
        os.close(descriptor)


def tighten(path: Path) -> int | None:
    """Take the group's and other users' access away from an existing file; its mode before, when
    it had any (None for a file already private, or none there)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None
    if not mode & SHARED:
        return None
    os.chmod(path, mode & ~SHARED)
    return mode


def sqlite_files(database: Path) -> list[Path]:
    """A database file and the files SQLite keeps beside it."""
    return [database, *(database.with_name(database.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
