"""Attendance figures: who registered, who came, per session and per day, in a few aggregate queries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from events import clock
from events.database import fetch
from events.program.models import Event

SEATS_BY_STATUS = (
    'SELECT "session_id", "status", COUNT(*) AS "n" FROM "seat" '
    'WHERE "session_id" IN ({ids}) GROUP BY "session_id", "status"'
)
REGISTRATIONS_BY_STATUS = 'SELECT "status", COUNT(*) AS "n" FROM "registration" WHERE "event_id" = ? GROUP BY "status"'
CHECKINS_BY_SESSION = (
    'SELECT c."session_id", COUNT(*) AS "n", '
    'SUM(CASE WHEN s."status" = \'confirmed\' THEN 1 ELSE 0 END) AS "of_confirmed" '
    'FROM "checkin" c LEFT JOIN "seat" s '
    'ON s."registration_id" = c."registration_id" AND s."session_id" = c."session_id" '
    'WHERE c."session_id" IN ({ids}) GROUP BY c."session_id"'
)
GUESTS_BY_SESSION = (
    'SELECT "session_id", COUNT(*) AS "n" FROM "guest_entry" WHERE "session_id" IN ({ids}) GROUP BY "session_id"'
)
DISTINCT_PEOPLE = 'SELECT COUNT(DISTINCT "registration_id") AS "n" FROM "checkin" WHERE "session_id" IN ({ids})'


def _marks(ids: list[int]) -> str:
    return ", ".join("?" for _ in ids)


async def _distinct_people(session_ids: list[int]) -> int:
    if not session_ids:
        return 0
    rows = await fetch(DISTINCT_PEOPLE.format(ids=_marks(session_ids)), session_ids)
    return int(rows[0]["n"] or 0)


async def attendance(event: Event) -> dict[str, Any]:
    """The contract's attendance figures for `event` (its sessions loaded)."""
    sessions = list(event.sessions)
    ids = [session.id for session in sessions]
    seats: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    checkins: dict[int, tuple[int, int]] = {}
    guests: dict[int, int] = {}
    if ids:
        for row in await fetch(SEATS_BY_STATUS.format(ids=_marks(ids)), ids):
            seats[row["session_id"]][row["status"]] = int(row["n"])
        for row in await fetch(CHECKINS_BY_SESSION.format(ids=_marks(ids)), ids):
            checkins[row["session_id"]] = (int(row["n"]), int(row["of_confirmed"] or 0))
        for row in await fetch(GUESTS_BY_SESSION.format(ids=_marks(ids)), ids):
            guests[row["session_id"]] = int(row["n"])
    registrations = {"confirmed": 0, "waitlisted": 0, "cancelled": 0}
    for row in await fetch(REGISTRATIONS_BY_STATUS, [event.id]):
        registrations[row["status"]] = int(row["n"])

    by_day: dict[date, list[int]] = defaultdict(list)
    for session in sessions:
        by_day[clock.local(session.starts_at, event.timezone).date()].append(session.id)

    rows = []
    for session in sessions:
        confirmed = seats[session.id]["confirmed"]
        checked_in, of_confirmed = checkins.get(session.id, (0, 0))
        rows.append(
            {
                "code": session.code,
                "title": session.title,
                "kind": str(session.kind),
                "starts_at": clock.isoformat(session.starts_at, event.timezone),
                "capacity": session.capacity,
                "confirmed": confirmed,
                "waitlisted": seats[session.id]["waitlisted"],
                "checked_in": checked_in,
                "no_show": max(confirmed - of_confirmed, 0),
                "guests": guests.get(session.id, 0),
            }
        )
    return {
        "event": event.slug,
        "registrations": registrations,
        "checked_in_unique": await _distinct_people(ids),
        "sessions": rows,
        "days": [
            {"date": day.isoformat(), "checked_in_unique": await _distinct_people(day_ids)}
            for day, day_ids in sorted(by_day.items())
        ],
    }
