"""The database: Tortoise configuration, connecting, migrating, and transactions that retry.

Capacity and check-in rules rely on two things from here: write transactions on SQLite take
the write lock when they begin (see `events.sqlite_backend`), and on PostgreSQL a transaction
that loses a deadlock or serialization race is run again from the start.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.executor import MigrationExecutor
from tortoise.models import Model
from tortoise.transactions import in_transaction

from events import private_files
from events.settings import Settings

log = logging.getLogger("tsudoi.db")

MODEL_MODULES = [
    "events.program.models",
    "events.registrations.models",
    "events.staff.models",
    "events.checkin.models",
    "events.questions.models",
    "events.mail.models",
    "events.money.models",
    "events.members.models",
    "events.certificates.models",
    "events.ratelimit",
    "events.staff.audit",
]
MIGRATIONS_MODULE = "events.migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
RETRIES = 4

T = TypeVar("T")


class DatabaseBusy(Exception):
    """The database stayed locked or kept losing races; the client should try again shortly."""


def tortoise_config(settings: Settings) -> dict[str, Any]:
    """The Tortoise configuration for `settings.database_url`."""
    if settings.is_sqlite:
        path = settings.sqlite_path
        connection: dict[str, Any] = {
            "engine": "events.sqlite_backend",
            "credentials": {
                "file_path": str(path) if path else ":memory:",
                "journal_mode": "WAL",
                "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
                "synchronous": settings.sqlite_synchronous,
                "foreign_keys": "ON",
            },
        }
    else:
        connection = expand_db_url(settings.database_url)
        connection["engine"] = "events.postgres_backend"
        connection["credentials"].update(minsize=settings.db_pool_min, maxsize=settings.db_pool_max)
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def connect(settings: Settings) -> None:
    """Open the ORM for this process. The context is global so every request task sees it.

    Tortoise keeps each table's INSERT and DELETE statements built for the first database a
    process used, by connection name only; a process that opens the other engine (`tsudoi
    move-to-postgres`, `move-event`, their tests) must not reuse SQLite's `?` on PostgreSQL.
    """
    if settings.sqlite_path is not None:
        _private_database(settings.sqlite_path)
    global _engine
    if _engine is not None and _engine != settings.is_sqlite:
        EXECUTOR_CACHE.clear()
    _engine = settings.is_sqlite
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


_engine: bool | None = None  # whether the last database connected was SQLite


def _private_database(path: Path) -> None:
    """An SQLite database holds every name and address: its files are their owner's alone. A new
    one is made so before SQLite opens it (which makes its -wal and -shm files alike); one found
    readable by others is tightened and said so, once (the next start finds it private)."""
    loosened = [(file, mode) for file in private_files.sqlite_files(path) if (mode := private_files.tighten(file))]
    if loosened:
        log.warning(
            "other users of this machine could read %s; now only its owner can",
            ", ".join(f"{file} (mode {mode:04o})" for file, mode in loosened),
        )
    if not path.exists():
        private_files.create(path)


async def disconnect() -> None:
    await Tortoise.close_connections()


async def own_connection(application_name: str, timeout: float = 10.0) -> asyncpg.Connection:
    """PostgreSQL: a connection outside the pool, with the pool's settings (host, user, TLS …), for
    work that must hold a session of its own: listening for changes, the migration lock."""
    client = connections.get("default")
    pool_only = {"min_size", "max_size", "connection_class", "loop"}
    options = {name: value for name, value in client._template.items() if name not in pool_only}
    options.setdefault("timeout", timeout)
    options["server_settings"] = {**(options.get("server_settings") or {}), "application_name": application_name}
    return await asyncpg.connect(password=client.password, **options)


#: The advisory lock that lets one process at a time migrate a PostgreSQL database ("tsudoi").
MIGRATION_LOCK = 0x747375646F69


@asynccontextmanager
async def _one_migrator_at_a_time(settings: Settings) -> AsyncIterator[None]:
    """Two machines (or a machine and `tsudoi migrate`) starting together on PostgreSQL: the second
    waits for the first, then finds nothing left to do, instead of failing half-way on a table the
    first has just made. SQLite's own write lock already does this for its one file."""
    if settings.is_sqlite:
        yield
        return
    connection = await own_connection("tsudoi migrate")
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await connection.close()  # the lock goes with the session


def _executor(settings: Settings) -> MigrationExecutor:
    return MigrationExecutor(connections.get("default"), tortoise_config(settings)["apps"])


async def migrate(settings: Settings, progress: Callable[[str], None] | None = None) -> list[str]:
    """Apply every migration not yet applied; return their names. Never drops data."""

    def report(event: str, app_label: str, name: str) -> None:
        if progress and event == "apply_done":
            progress(f"{app_label}.{name}")

    async with _one_migrator_at_a_time(settings):
        executor = _executor(settings)
        names = _names(await executor.plan())
        await executor.migrate(progress=report)
    await refresh_statistics()
    return names


async def refresh_statistics() -> None:
    """Give SQLite's query planner fresh table statistics (milliseconds, sampled).

    Without them SQLite prefers a row's primary key to a covering index, and the attendance
    report's join reads every registration row instead of the index (about twice as slow with
    10,000 people). PostgreSQL's autovacuum keeps its own statistics.
    """
    client = connections.get("default")
    if client.capabilities.dialect == "sqlite":
        await client.execute_script("PRAGMA analysis_limit=1000; ANALYZE;")


async def pending_migrations(settings: Settings) -> list[str]:
    """Migrations the database has not applied yet (empty when the schema is current)."""
    return _names(await _executor(settings).plan())


def _names(plan: list[Any]) -> list[str]:
    return [f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward]


def _is_retryable(exc: BaseException) -> bool:
    """True for losing a race the database resolves by aborting one side: try the whole thing again."""
    chain: BaseException | None = exc
    while chain is not None:
        sqlstate = getattr(chain, "sqlstate", None)
        if sqlstate in {"40001", "40P01", "55P03"}:
            return True
        if "database is locked" in str(chain) or "database table is locked" in str(chain):
            return True
        chain = chain.__cause__ or chain.__context__
    return False


async def atomic(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in one transaction; run it again on a deadlock, serialization failure or lock timeout."""

    async def in_one_transaction() -> T:
        async with in_transaction():
            return await work()

    return await retried(in_one_transaction)


async def retried(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` (a transaction, or one statement that is atomic on its own) again when the
    database aborted it to settle a race: a deadlock, a serialization failure, a lock timeout."""
    for attempt in range(RETRIES):
        try:
            return await work()
        except Exception as exc:
            if not _is_retryable(exc):
                raise
            log.warning("transaction retried after %s (attempt %d)", type(exc).__name__, attempt + 1)
            await asyncio.sleep(0.005 * (2**attempt))
    raise DatabaseBusy("The database is busy; please try again in a moment.")


def supports_row_locks() -> bool:
    """PostgreSQL locks rows (SELECT … FOR UPDATE); SQLite locks the whole file for a write transaction."""
    return bool(connections.get("default").capabilities.support_for_update)


async def execute(sql: str, values: list[Any]) -> int:
    """Run one statement with `?` placeholders in the current transaction; return the rows an UPDATE or
    DELETE changed (for an INSERT's count use `fetch` with RETURNING: asyncpg's INSERT status misleads).

    For the few hot statements where building the query through the ORM costs more than running it.
    """
    client = connections.get("default")
    changed, _rows = await client.execute_query(_placeholders(sql, client), values)
    return int(changed)


async def execute_many(sql: str, rows: list[list[Any]]) -> None:
    """Run one statement with `?` placeholders once per row, in one transaction (bulk inserts)."""
    client = connections.get("default")
    await client.execute_many(_placeholders(sql, client), rows)


async def fetch(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """Run one statement with `?` placeholders and return its rows (a SELECT, or `INSERT … RETURNING`)."""
    client = connections.get("default")
    return list(await client.execute_query_dict(_placeholders(sql, client), values))


def db_values(instance: Model, names: Iterable[str]) -> list[Any]:
    """These fields of a model instance as `Model.save` writes them (each field's own conversion;
    `auto_now` times are set on the instance), for an INSERT written by hand."""
    fields = instance._meta.fields_map
    return [fields[name].to_db_value(getattr(instance, name), instance) for name in names]


def _placeholders(sql: str, client: Any) -> str:
    """PostgreSQL numbers its placeholders ($1, $2, …); SQLite takes `?`."""
    if client.capabilities.dialect != "postgres":
        return sql
    numbers = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _match: f"${next(numbers)}", sql)


async def make_migrations(name: str | None = None) -> list[str]:
    """Write a migration for every model change since the last one (a developer's command).

    Needs the ORM initialised (any database; nothing is read from it). Returns the files written.
    """
    from tortoise import Tortoise
    from tortoise.migrations.autodetector import MigrationAutodetector
    from tortoise.migrations.writer import format_migration_name

    apps = tortoise_config(Settings(database_url="sqlite://:memory:"))["apps"]
    writers = await MigrationAutodetector(Tortoise.apps, apps).changes()
    written = []
    for writer in writers:
        if name:
            writer.name = format_migration_name(int(writer.name.split("_", 1)[0]), name)
        written.append(str(writer.write()))
    return written
