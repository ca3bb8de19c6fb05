"""The network's events compared over the years: registrations, people at the door, attendance per kind of session.

A secretariat asks "did more people come to the lectures this year than last?": that is one row
per event, counted by the database in three aggregate queries over all events, so the page stays
quick with years of registrations behind it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from events.database import fetch
from events.program.models import Event, SessionKind
from events.registrations.models import RegistrationStatus
from events.reports.exports import Table

CONFIRMED = 'SELECT "event_id", COUNT(*) AS "n" FROM "registration" WHERE "status" = ? GROUP BY "event_id"'
PEOPLE = (
    'SELECT s."event_id", COUNT(DISTINCT c."registration_id") AS "n" '
    'FROM "checkin" c JOIN "session" s ON s."id" = c."session_id" GROUP BY s."event_id"'
)
# Sessions of each kind and the check-ins at them: an event with no lecture shows "—" there, not 0.
BY_KIND = (
    'SELECT s."event_id", s."kind", COUNT(DISTINCT s."id") AS "sessions", COUNT(c."id") AS "checked_in" '
    'FROM "session" s LEFT JOIN "checkin" c ON c."session_id" = s."id" GROUP BY s."event_id", s."kind"'
)

KINDS = [str(kind) for kind in SessionKind]


@dataclass(frozen=True)
class EventFigures:
    """One event's line in the comparison."""

    slug: str
    title: str
    starts_on: date
    ends_on: date
    confirmed: int  # registrations confirmed now
    checked_in_unique: int  # different people checked in to at least one session
    #: kind → check-ins at the event's sessions of that kind, added up; absent when it has none of that kind.
    by_kind: dict[str, int]


async def compare_events() -> list[EventFigures]:
    """Every event, newest first, with its figures."""
    events = await Event.all().order_by("-starts_on", "-id")
    confirmed = {row["event_id"]: int(row["n"]) for row in await fetch(CONFIRMED, [str(RegistrationStatus.CONFIRMED)])}
    people = {row["event_id"]: int(row["n"]) for row in await fetch(PEOPLE, [])}
    by_kind: dict[int, dict[str, int]] = defaultdict(dict)
    for row in await fetch(BY_KIND, []):
        by_kind[row["event_id"]][str(row["kind"])] = int(row["checked_in"])
    return [
        EventFigures(
            slug=event.slug,
            title=event.title,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            confirmed=confirmed.get(event.id, 0),
            checked_in_unique=people.get(event.id, 0),
            by_kind={kind: by_kind[event.id][kind] for kind in KINDS if kind in by_kind[event.id]},
        )
        for event in events
    ]


def kinds_in(rows: list[EventFigures]) -> list[str]:
    """The kinds of session that some event has, in SessionKind's order: the comparison's columns."""
    found = {kind for row in rows for kind in row.by_kind}
    return [kind for kind in KINDS if kind in found]


def history_table(rows: list[EventFigures]) -> Table:
    """The comparison as a spreadsheet; a kind the event did not have is an empty cell, not 0."""
    kinds = kinds_in(rows)
    headers = ["slug", "title", "starts_on", "ends_on", "confirmed", "checked_in_unique"]
    headers += [f"checked_in_{kind}" for kind in kinds]
    lines = [
        [
            row.slug,
            row.title,
            row.starts_on.isoformat(),
            row.ends_on.isoformat(),
            row.confirmed,
            row.checked_in_unique,
            *(row.by_kind.get(kind) for kind in kinds),
        ]
        for row in rows
    ]
    widths = [16, 36, 11, 11, 10, 10, *(10 for _kind in kinds)]
    return Table("events", headers, lines, widths)
