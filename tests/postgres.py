"""Making and dropping throwaway PostgreSQL databases for tests that need PostgreSQL itself."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SERVER_URL = os.environ.get("TSUDOI_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


async def _admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(SERVER_URL, timeout=3)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"tsudoi_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        pytest.skip(f"PostgreSQL is not reachable at {SERVER_URL} ({exc}); this test needs it.")
    base = SERVER_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
