"""Making and dropping throwaway PostgreSQL databases for tests that need PostgreSQL itself."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import pytest

SERVER_URL = os.environ.get("TSUDOI_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


async def _admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(SERVER_URL, timeout=3)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _new_name() -> str:
    return f"tsudoi_test_{uuid.uuid4().hex[:12]}"


def _url(name: str) -> str:
    return f"{SERVER_URL.rsplit('/', 1)[0]}/{name}"


def _skip(exc: BaseException) -> None:
    pytest.skip(f"PostgreSQL is not reachable at {SERVER_URL} ({exc}); this test needs it.")


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new empty database for a synchronous test; dropped afterwards."""
    name = _new_name()
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        _skip(exc)
    try:
        yield _url(name)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def throwaway_database_async() -> AsyncIterator[str]:
    """The same, for a test already running in an event loop."""
    name = _new_name()
    try:
        await _admin(f'CREATE DATABASE "{name}"')
    except (TimeoutError, OSError) as exc:
        _skip(exc)
    try:
        yield _url(name)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
