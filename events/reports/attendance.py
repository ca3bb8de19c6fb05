"""Attendance figures: who registered, who came, per session, day and category, in a few aggregate queries.

One service for every way the figures leave the system (the JSON, the spreadsheets, the PDF
report, the staff page), so they all say the same thing. Each count is defined once, in
`DEFINITIONS`, and the report prints those definitions under its tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from tortoise import connections

from events import clock
from events.checkin import presence
from events.checkin.models import Source
from events.database import fetch
from events.i18n import gettext as _
from events.program.models import Event, Session

# Every seat of the sessions with its person's category and its check-in, if any (a check-in always
# has a seat: it is counted only while the seat is confirmed, and seats are never deleted): one pass
# gives seats per status and check-ins per source, per session and category. The indexes of
# migration 0006 let SQLite answer it from indexes alone.
SEATS_AND_CHECKINS = (
    'SELECT s."session_id", r."category", s."status", c."source", COUNT(*) AS "n" FROM "seat" s '
    'JOIN "registration" r ON r."id" = s."registration_id" '
    'LEFT JOIN "checkin" c ON c."registration_id" = s."registration_id" AND c."session_id" = s."session_id" '
    'WHERE s."session_id" IN ({ids}) GROUP BY s."session_id", r."category", s."status", c."source"'
)
GUESTS = 'SELECT "session_id", COUNT(*) AS "n" FROM "guest_entry" WHERE "session_id" IN ({ids}) GROUP BY "session_id"'
REGISTRATIONS = (
    'SELECT "category", "status", COUNT(*) AS "n" FROM "registration" WHERE "event_id" = ? '
    'GROUP BY "category", "status"'
)
PEOPLE = (
    'SELECT r."category", COUNT(DISTINCT c."registration_id") AS "n" {days} '
    'FROM "checkin" c JOIN "registration" r ON r."id" = c."registration_id" '
    'WHERE c."session_id" IN ({ids}) GROUP BY r."category"'
)
ARRIVALS = (
    'SELECT "session_id", {bucket} AS "bucket", COUNT(*) AS "n" FROM "checkin" '
    'WHERE "session_id" IN ({ids}) AND "source" <> \'paper\' GROUP BY "session_id", {bucket}'
)
# Seconds since 1970 of a check-in, divided into buckets: SQLite keeps times as ISO text, PostgreSQL as timestamptz.
BUCKET = {
    "sqlite": "CAST(strftime('%s', \"checked_in_at\") AS INTEGER) / {seconds}",
    "postgres": 'CAST(FLOOR(EXTRACT(EPOCH FROM "checked_in_at") / {seconds}) AS BIGINT)',
}

SOURCES = [str(source) for source in Source]

#: The printed heading of each figure, keyed as in `attendance` and `DEFINITIONS`.
HEADINGS: dict[str, Callable[[], str]] = {
    "capacity": lambda: _("Capacity"),
    "confirmed": lambda: _("Confirmed"),
    "waitlisted": lambda: _("Waiting list"),
    "cancelled": lambda: _("Cancelled"),
    "checked_in": lambda: _("Checked in"),
    "walk_ins": lambda: _("Walk-ins"),
    "no_show": lambda: _("No-shows"),
    "guests": lambda: _("Guests"),
    "checked_in_unique": lambda: _("People checked in"),
    "peak_inside": lambda: _("Most inside at once"),
    "peak_at": lambda: _("When"),
}

#: Every heading the figures use, with the one line that says what it counts.
DEFINITIONS: dict[str, Callable[[], str]] = {
    "capacity": lambda: _("Seats offered in the session; empty when there is no limit."),
    "confirmed": lambda: _(
        "For a session, the confirmed seats in it now; for the event or a category, the registrations holding at "
        "least one; cancelled ones are not counted."
    ),
    "waitlisted": lambda: _(
        "For a session, the seats on its waiting list now; for the event or a category, the registrations "
        "waiting for every session they asked for."
    ),
    "cancelled": lambda: _("Registrations cancelled by the participant or the organizers."),
    "checked_in": lambda: _(
        "People counted at the door, once each, however they were counted; an undone check-in is not counted."
    ),
    "walk_ins": lambda: _("Check-ins of people registered at the desk on the day (included in checked in)."),
    "no_show": lambda: _("Confirmed seats with no check-in."),
    "guests": lambda: _("Unregistered guests counted with the +1 button (not included in checked in)."),
    "checked_in_unique": lambda: _("Different people checked in to at least one session."),
    "peak_inside": lambda: _("For a session whose door counts exits too: the most people inside at the same time."),
    "peak_at": lambda: _("When the most inside at once was first reached."),
}


def definition(heading: str) -> str:
    return DEFINITIONS[heading]()


def _marks(ids: list[int]) -> str:
    return ", ".join("?" for _ in ids)


def _category_labels(event: Event, found: set[str]) -> list[tuple[str, str]]:
    """The event's categories in its order, then any code found in the data but no longer offered."""
    labels = [(code, event.category_label(code)) for code in event.category_codes]
    known = {code for code, _label in labels}
    return labels + [(code, code) for code in sorted(found - known)]


def _days(event: Event) -> dict[date, list[int]]:
    by_day: dict[date, list[int]] = defaultdict(list)
    for session in event.sessions:
        by_day[clock.local(session.starts_at, event.timezone).date()].append(session.id)
    return dict(sorted(by_day.items()))


async def attendance(event: Event) -> dict[str, Any]:
    """The contract's attendance figures for `event` (its sessions loaded), with walk-ins, guests,
    how each check-in was taken, and every figure broken down by participant category."""
    sessions = list(event.sessions)
    ids = [session.id for session in sessions]
    days = _days(event)

    def zero() -> defaultdict[str, int]:
        return defaultdict(int)

    seats: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(zero))  # session → category → status
    checked: dict[int, dict[str, int]] = defaultdict(zero)  # session → category → check-ins
    sources: dict[int, dict[str, int]] = defaultdict(zero)  # session → source → check-ins
    of_confirmed: dict[int, int] = defaultdict(int)
    guests: dict[int, int] = {}
    people: dict[str, int] = {}
    people_by_day: dict[date, int] = dict.fromkeys(days, 0)
    found: set[str] = set()

    if ids:
        for row in await fetch(SEATS_AND_CHECKINS.format(ids=_marks(ids)), ids):
            session_id, category, count = row["session_id"], row["category"], int(row["n"])
            seats[session_id][category][row["status"]] += count
            if row["source"] is not None:
                checked[session_id][category] += count
                sources[session_id][row["source"]] += count
                of_confirmed[session_id] += count if row["status"] == "confirmed" else 0
            found.add(category)
        for row in await fetch(GUESTS.format(ids=_marks(ids)), ids):
            guests[row["session_id"]] = int(row["n"])
        day_columns, day_values = _per_day_columns(days)
        for row in await fetch(PEOPLE.format(ids=_marks(ids), days=day_columns), [*day_values, *ids]):
            people[row["category"]] = int(row["n"])
            for index, day in enumerate(days):
                people_by_day[day] += int(row[f"day{index}"] or 0)
            found.add(row["category"])

    registrations: dict[str, dict[str, int]] = defaultdict(zero)  # category → status
    for row in await fetch(REGISTRATIONS, [event.id]):
        registrations[row["category"]][row["status"]] = int(row["n"])
        found.add(row["category"])
    categories = _category_labels(event, found)
    rooms = await presence.occupancy(event)

    session_rows = []
    for session in sessions:
        by_category = {
            code: {
                "confirmed": seats[session.id][code]["confirmed"],
                "waitlisted": seats[session.id][code]["waitlisted"],
                "checked_in": checked[session.id][code],
            }
            for code, _label in categories
        }
        confirmed = sum(figures["confirmed"] for figures in by_category.values())
        session_rows.append(
            {
                "code": session.code,
                "title": session.title,
                "kind": str(session.kind),
                "starts_at": clock.isoformat(session.starts_at, event.timezone),
                "capacity": session.capacity,
                "confirmed": confirmed,
                "waitlisted": sum(figures["waitlisted"] for figures in by_category.values()),
                "checked_in": sum(figures["checked_in"] for figures in by_category.values()),
                "walk_ins": sources[session.id][str(Source.WALK_IN)],
                "no_show": max(confirmed - of_confirmed[session.id], 0),
                "guests": guests.get(session.id, 0),
                "by_source": {source: sources[session.id][source] for source in SOURCES},
                "by_category": by_category,
                **_room(session, rooms.get(session.id), event.timezone),
            }
        )

    return {
        "event": event.slug,
        "title": event.title,
        "registrations": {
            status: sum(registrations[code][status] for code, _label in categories)
            for status in ("confirmed", "waitlisted", "cancelled")
        },
        "checked_in_unique": sum(people.values()),
        "guests": sum(guests.values()),
        "sessions": session_rows,
        "days": [{"date": day.isoformat(), "checked_in_unique": people_by_day[day]} for day in days],
        "categories": [
            {
                "code": code,
                "label": label,
                "confirmed": registrations[code]["confirmed"],
                "waitlisted": registrations[code]["waitlisted"],
                "cancelled": registrations[code]["cancelled"],
                "checked_in_unique": people.get(code, 0),
            }
            for code, label in categories
        ],
    }


def _room(session: Session, room: presence.Occupancy | None, timezone: str) -> dict[str, Any]:
    """A session that counts exits: who is inside now, the most at once and when (first reached),
    and the room's limit with whether it is nearly reached (for the live counts' warning)."""
    if room is None:
        return {}
    peak_at = clock.isoformat(room.peak_at, timezone) if room.peak_at else None
    return {
        "inside": room.inside,
        "peak_inside": room.peak,
        "peak_at": peak_at,
        "room_limit": session.room_limit,
        "nearly_full": presence.nearly_full(session, room.inside),
    }


def _per_day_columns(days: dict[date, list[int]]) -> tuple[str, list[int]]:
    """`, COUNT(DISTINCT CASE WHEN session in that day's sessions THEN person END) AS dayN` for each day."""
    columns, values = [], []
    for index, session_ids in enumerate(days.values()):
        columns.append(
            f', COUNT(DISTINCT CASE WHEN c."session_id" IN ({_marks(session_ids)}) '
            f'THEN c."registration_id" END) AS "day{index}"'
        )
        values.extend(session_ids)
    return "".join(columns), values


@dataclass(frozen=True)
class Arrivals:
    """Check-ins per interval at one session's door, in the event's time zone."""

    session: str
    minutes: int
    counts: list[tuple[datetime, int]]  # (start of the interval, check-ins), every interval from first to last
    #: Check-ins on days the session is not held (a test run before the event): counted, not drawn.
    elsewhere: int = 0


async def arrivals(event: Event, minutes: int = 10) -> list[Arrivals]:
    """For each session, check-ins per `minutes`, with the empty intervals in between filled with 0.

    Paper check-ins are left out: they carry the time the sheet was entered, not the time of arrival.
    """
    sessions = list(event.sessions)
    ids = [session.id for session in sessions]
    per_session: dict[int, dict[int, int]] = defaultdict(dict)
    if ids:
        dialect = connections.get("default").capabilities.dialect
        bucket = BUCKET[dialect].format(seconds=minutes * 60)
        for row in await fetch(ARRIVALS.format(ids=_marks(ids), bucket=bucket), ids):
            per_session[row["session_id"]][int(row["bucket"])] = int(row["n"])
    result = []
    for session in sessions:
        first = clock.start_of_day(clock.local(session.starts_at, event.timezone).date(), event.timezone)
        last = clock.end_of_day(clock.local(session.ends_at, event.timezone).date(), event.timezone)
        width = minutes * 60
        on_its_days = range(int(first.timestamp()) // width, int(last.timestamp()) // width + 1)
        buckets = {number: n for number, n in per_session.get(session.id, {}).items() if number in on_its_days}
        elsewhere = sum(per_session.get(session.id, {}).values()) - sum(buckets.values())
        counts = []
        if buckets:
            for number in range(min(buckets), max(buckets) + 1):
                start = datetime.fromtimestamp(number * width, tz=UTC)
                counts.append((clock.local(start, event.timezone), buckets.get(number, 0)))
        result.append(Arrivals(session.code, minutes, counts, elsewhere))
    return result
