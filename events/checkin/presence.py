"""Who is inside now, for sessions whose door scans people out as well as in.

Attendance is untouched: the first entry is the check-in and counts once. Presence is separate: a
row per person and session that each entry turns on and each exit turns off, with conditional
statements (on only if off, off only if on), and the session's `inside_now` counter moved in the
same transaction only when the row changed. So 30 exits of one person at once count one, the
counter never goes below zero, and it always equals the rows that are on. The peak is raised by
the same statement that raises the count, so no two entries can both miss it.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from events import clock, logs
from events.database import atomic, execute, fetch
from events.program.models import Event, Session

logger = logging.getLogger("tsudoi.checkin")

#: Seconds between two closings of the rooms of ended sessions while the app serves.
CLOSE_EVERY = 60.0

ENTER = (
    'INSERT INTO "presence" ("registration_id", "session_id", "inside", "changed_at") VALUES (?, ?, TRUE, ?) '
    'ON CONFLICT ("registration_id", "session_id") DO UPDATE SET "inside" = TRUE, "changed_at" = excluded."changed_at" '
    'WHERE "presence"."inside" = FALSE RETURNING "id"'
)
LEAVE = (
    'UPDATE "presence" SET "inside" = FALSE, "changed_at" = ? '
    'WHERE "registration_id" = ? AND "session_id" = ? AND "inside" = TRUE RETURNING "id"'
)
#: One more inside; the peak (and when it was reached) raised in the same statement.
COUNT_IN = (
    'UPDATE "session" SET "inside_now" = "inside_now" + 1, '
    '"peak_at" = CASE WHEN "inside_now" + 1 > "peak_inside" THEN ? ELSE "peak_at" END, '
    '"peak_inside" = CASE WHEN "inside_now" + 1 > "peak_inside" THEN "inside_now" + 1 ELSE "peak_inside" END '
    'WHERE "id" = ? RETURNING "inside_now"'
)
COUNT_OUT = 'UPDATE "session" SET "inside_now" = "inside_now" - 1 WHERE "id" = ? RETURNING "inside_now"'
INSIDE = 'SELECT "inside_now" FROM "session" WHERE "id" = ?'
EMPTY_ROOM = 'UPDATE "presence" SET "inside" = FALSE, "changed_at" = ? WHERE "session_id" = ? AND "inside" = TRUE'
OCCUPANCY = (
    'SELECT "id", "inside_now", "peak_inside", "peak_at", "ends_at" FROM "session" '  # noqa: ISC001
    'WHERE "event_id" = ? AND "exits" = TRUE'
)
NOBODY_INSIDE = 'UPDATE "session" SET "inside_now" = 0 WHERE "id" = ?'
#: Every event's sessions that have ended with someone still counted inside.
ENDED_NOT_EMPTY = 'SELECT "id" FROM "session" WHERE "exits" = TRUE AND "inside_now" > 0 AND "ends_at" <= ?'


@dataclass(frozen=True)
class Moved:
    #: False when nothing changed: they were inside already (an entry) or not inside (an exit).
    changed: bool
    inside: int


async def enter(registration_id: int, session: Session, moment: datetime | None = None) -> Moved:
    """Count the person in (in its own transaction, or the caller's)."""
    at = moment or clock.now()

    async def work() -> Moved:
        if not await fetch(ENTER, [registration_id, session.id, at]):
            return Moved(False, await _inside(session))
        rows = await fetch(COUNT_IN, [at, session.id])
        return Moved(True, int(rows[0]["inside_now"]))

    return await atomic(work)


async def leave(registration_id: int, session: Session, moment: datetime | None = None) -> Moved:
    """Count the person out; `changed` is False (nothing counted) when they were not inside."""
    at = moment or clock.now()

    async def work() -> Moved:
        if not await fetch(LEAVE, [at, registration_id, session.id]):
            return Moved(False, await _inside(session))
        rows = await fetch(COUNT_OUT, [session.id])
        return Moved(True, int(rows[0]["inside_now"]))

    return await atomic(work)


async def _inside(session: Session) -> int:
    rows = await fetch(INSIDE, [session.id])
    return int(rows[0]["inside_now"]) if rows else 0


@dataclass(frozen=True)
class Occupancy:
    inside: int
    peak: int
    peak_at: datetime | None


async def occupancy(event: Event) -> dict[int, Occupancy]:
    """Each session's figures as they are now (read fresh, not from a cached event); sessions that
    have ended are emptied first: everyone still inside is counted out when the room closes. (The
    `RoomCloser` does the same every minute; this makes a read exact in between.)"""
    rows = await fetch(OCCUPANCY, [event.id])
    now = clock.now()
    found: dict[int, Occupancy] = {}
    for row in rows:
        session_id, inside = int(row["id"]), int(row["inside_now"])
        ends_at = row["ends_at"]
        if isinstance(ends_at, str):
            ends_at = datetime.fromisoformat(ends_at)
        if inside and ends_at <= now:
            await _empty(session_id, now)
            inside = 0
        peak_at = row["peak_at"]
        if isinstance(peak_at, str):
            peak_at = datetime.fromisoformat(peak_at)
        found[session_id] = Occupancy(inside, int(row["peak_inside"]), peak_at)
    return found


async def close_ended_rooms(now: datetime | None = None) -> int:
    """Count everyone out of every session that has ended, in every event, so the rooms' stored
    counts stay right without anyone reading them (`RoomCloser` runs this while the app serves).
    How many rooms were emptied."""
    at = now or clock.now()
    ended = await fetch(ENDED_NOT_EMPTY, [at])
    for row in ended:
        await _empty(int(row["id"]), at)
    return len(ended)


async def _empty(session_id: int, now: datetime) -> None:
    async def work() -> None:
        await execute(EMPTY_ROOM, [now, session_id])
        await execute(NOBODY_INSIDE, [session_id])

    await atomic(work)


class RoomCloser:
    """Closes the rooms of ended sessions (`close_ended_rooms`) when the app starts, then every
    `every` seconds. Each process of a PostgreSQL deployment runs one: closing twice changes nothing."""

    def __init__(self, every: float = CLOSE_EVERY) -> None:
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """The first closing done, before the app answers; the next ones on a timer."""
        await self._close()
        self._task = asyncio.create_task(self._run(), name="tsudoi-rooms")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self._close()

    async def _close(self) -> None:
        try:
            await close_ended_rooms()
        except Exception as exc:  # the database went away for a moment, say: the next round tries again
            logs.log_error(logger, exc, "closing the rooms of ended sessions failed")


def nearly_full(session: Session, inside: int) -> bool:
    """At 90% of the room's limit or more: the door is warned."""
    return session.room_limit is not None and inside * 10 >= session.room_limit * 9
