"""PostgreSQL: the door's scans that arrive together, looked up and counted by one statement each.

Each scan needs a look-up (who is this, what seat do they hold, did this device send this scan
before) and a write (count them in once, log the scan). Run one by one, the database's fixed
cost per statement is as large as the app's whole work per scan; here the scans in flight at the
same moment share one look-up and one write (`events.batching`), with the same rules as the
single-scan statements in `service`:

- the check-in is inserted only while the seat is confirmed, and the unique (registration,
  session) rule makes a second one "already checked in";
- a scan whose answer the batch cannot give (the seat changed since it was read, another
  statement counted the same person while this one ran, the same person or scan id twice in one
  batch, a batch that broke a rule) comes back as `None`, and its request takes the single-scan
  way, in its own transaction, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from tortoise import connections

from events import clock
from events.checkin.models import Result
from events.database import retried
from events.postgres_backend import PostgresClient
from events.registrations.models import SeatStatus


@dataclass(frozen=True)
class Wanted:
    """One scan's look-up: a registration code within an event, its seat in a session, an earlier scan."""

    event_id: int
    session_id: int
    code: str
    device: str
    scan_id: str | None


@dataclass(frozen=True)
class Found:
    person: dict[str, Any] | None
    sent_before: bool


LOOKUP_MANY = """
SELECT i."n", r."id", r."code", r."name", r."organization", r."category", r."status", r."secret",
    r."amount_due", s."status" AS "seat_status", l."id" AS "prior"
FROM unnest($1::int[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[])
    AS i("n", "event_id", "session_id", "code", "device", "scan_id")
LEFT JOIN "registration" r ON r."event_id" = i."event_id" AND r."code" = i."code"
LEFT JOIN "seat" s ON s."registration_id" = r."id" AND s."session_id" = i."session_id"
LEFT JOIN "scan_log" l ON l."event_id" = i."event_id" AND l."device" = i."device" AND l."scan_id" = i."scan_id"
"""


def _columns(items: list[Any], *names: str) -> list[list[Any]]:
    """The items' numbers in the batch, then one array per attribute: what `unnest` takes apart."""
    return [list(range(len(items))), *([getattr(item, name) for item in items] for name in names)]


async def _look_up(wanted: list[Wanted]) -> list[Found]:
    rows = await _fetch(LOOKUP_MANY, *_columns(wanted, "event_id", "session_id", "code", "device", "scan_id"))
    found = [Found(None, False)] * len(wanted)
    for row in rows:
        person = {name: row[name] for name in row.keys() if name not in ("n", "prior")}
        found[row["n"]] = Found(person if row["id"] is not None else None, row["prior"] is not None)
    return found


@dataclass(frozen=True)
class Write:
    """One decided scan: count it in when `count`, else log it with `result`."""

    event_id: int
    session_id: int
    registration_id: int | None
    device: str
    scan_id: str | None
    staff_id: int | None
    result: str
    moment: datetime
    source: str
    text: str
    count: bool


#: The `Write` attributes in `WRITE_MANY`'s order ($2 … $12; $1 numbers the batch).
WRITE_COLUMNS = (
    "event_id",
    "session_id",
    "registration_id",
    "device",
    "scan_id",
    "staff_id",
    "result",
    "moment",
    "source",
    "text",
    "count",
)


@dataclass(frozen=True)
class Written:
    result: Result
    checked_in_at: datetime | None
    device: str


# `earlier` reads the check-ins as they were when the statement began: empty for a row it inserts.
# The answer is NULL (the scan goes the single-scan way) when neither finds a check-in for a scan
# to count: the seat changed, or another statement's insert of the same row committed meanwhile.
WRITE_MANY = """
WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::text[], $6::text[], $7::int[],
        $8::text[], $9::timestamptz[], $10::text[], $11::text[], $12::bool[])
        AS t("n", "event_id", "session_id", "registration_id", "device", "scan_id", "staff_id", "result",
            "moment", "source", "text", "count")
), counted AS (
    INSERT INTO "checkin" ("registration_id", "session_id", "checked_in_at", "created_at", "device", "source",
        "staff_id")
    SELECT i."registration_id", i."session_id", i."moment", $13, i."device", i."source", i."staff_id"
    FROM input i
    WHERE i."count" AND EXISTS (SELECT 1 FROM "seat" s WHERE s."registration_id" = i."registration_id"
        AND s."session_id" = i."session_id" AND s."status" = $14)
    ORDER BY i."registration_id", i."session_id"
    ON CONFLICT ("registration_id", "session_id") DO NOTHING
    RETURNING "registration_id", "session_id", "checked_in_at", "device"
), answer AS (
    SELECT i."n",
        CASE WHEN NOT i."count" THEN i."result"
             WHEN c."registration_id" IS NOT NULL THEN 'ok'
             WHEN e."registration_id" IS NOT NULL THEN 'already_checked_in' END AS "result",
        COALESCE(c."checked_in_at", e."checked_in_at") AS "checked_in_at",
        COALESCE(c."device", e."device", '') AS "first_device"
    FROM input i
    LEFT JOIN counted c ON i."count" AND c."registration_id" = i."registration_id"
        AND c."session_id" = i."session_id"
    LEFT JOIN "checkin" e ON i."count" AND e."registration_id" = i."registration_id"
        AND e."session_id" = i."session_id"
), logged AS (
    INSERT INTO "scan_log" ("event_id", "session_id", "registration_id", "device", "scan_id", "staff_id",
        "result", "scanned_at", "created_at", "text")
    SELECT i."event_id", i."session_id", i."registration_id", i."device", i."scan_id", i."staff_id",
        a."result", i."moment", $13, i."text"
    FROM answer a JOIN input i ON i."n" = a."n"
    WHERE a."result" IS NOT NULL
)
SELECT "n", "result", "checked_in_at", "first_device" FROM answer
"""


def _once_each(writes: list[Write]) -> list[bool]:
    """Which writes may go into one statement: the first for each check-in and each device's scan id."""
    seen: set[tuple[Any, ...]] = set()
    chosen = []
    for write in writes:
        keys: list[tuple[Any, ...]] = []
        if write.count:
            keys.append(("checkin", write.registration_id, write.session_id))
        if write.scan_id is not None:
            keys.append(("scan", write.event_id, write.device, write.scan_id))
        fresh = not any(key in seen for key in keys)
        seen.update(keys)
        chosen.append(fresh)
    return chosen


async def _write(writes: list[Write]) -> list[Written | None]:
    chosen = _once_each(writes)
    batch = [write for write, take in zip(writes, chosen, strict=True) if take]

    # A cancellation holds the session's lock and wants the registration's key lock, which this
    # statement's foreign-key checks take in the other order: PostgreSQL aborts one side as a
    # deadlock, and the statement, atomic on its own, is run again.
    try:
        rows = await retried(
            lambda: _fetch(
                WRITE_MANY,
                *_columns(batch, *WRITE_COLUMNS),
                clock.now(),
                str(SeatStatus.CONFIRMED),
            )
        )
    except asyncpg.IntegrityConstraintViolationError:
        # A scan id this device sent at the same moment from another batch: each scan alone sorts it out.
        return [None] * len(writes)
    answers: list[Written | None] = [None] * len(batch)
    for row in rows:
        if row["result"] is not None:
            answers[row["n"]] = Written(Result(row["result"]), row["checked_in_at"], row["first_device"])
    given = iter(answers)
    return [next(given) if take else None for take in chosen]


async def _fetch(sql: str, *values: Any) -> list[Any]:
    client = connections.get("default")
    async with client.acquire_connection() as connection:
        return list(await connection.fetch(sql, *values))


async def look_up(client: PostgresClient, wanted: Wanted) -> Found:
    found: Found = await client.batcher(_look_up).submit(wanted)
    return found


async def write(client: PostgresClient, decided: Write) -> Written | None:
    written: Written | None = await client.batcher(_write).submit(decided)
    return written
