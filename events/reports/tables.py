"""The two spreadsheets of the contract: attendance per session, and who came to what.

`participants` reads every registration, check-in and answer of the event in three plain queries
(10,000 people and 40,000 check-ins are a few hundred milliseconds, not a few seconds through the ORM).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from events import clock
from events.database import fetch
from events.program.models import Event
from events.questions.schemas import AnswerValue
from events.questions.service import answer_text, event_answers, questions_of
from events.reports.exports import Table

ATTENDANCE_COLUMNS = [
    "code",
    "title",
    "kind",
    "starts_at",
    "capacity",
    "confirmed",
    "waitlisted",
    "checked_in",
    "walk_ins",
    "no_show",
    "guests",
]

PEOPLE = (
    'SELECT "id", "code", "name", "name_reading", "organization", "category", "email", "status", "language", '
    '"created_at" FROM "registration" WHERE "event_id" = ? ORDER BY "sort_name", "id"'
)
CHECKINS = (
    'SELECT c."registration_id", c."session_id", c."checked_in_at" FROM "checkin" c '
    'JOIN "registration" r ON r."id" = c."registration_id" WHERE r."event_id" = ?'
)


def attendance_table(event: Event, figures: dict[str, Any]) -> Table:
    """One row per session, the columns of the attendance JSON (capacity empty when unlimited)."""
    rows = [[row[column] for column in ATTENDANCE_COLUMNS] for row in figures["sessions"]]
    widths = [10, 36, 11, 26, 9, 10, 10, 10, 9, 9, 8]
    return Table(f"{event.slug} attendance", list(ATTENDANCE_COLUMNS), rows, widths)


def _moment(value: Any, timezone: str) -> datetime:
    """A stored time as the event's wall-clock time, without a zone (spreadsheets keep none)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return clock.local(moment, timezone).replace(tzinfo=None)


def _answer_cell(value: AnswerValue | None) -> str | None:
    """An answer as one cell (several choices joined with "; ", yes/no as `yes`/`no`); empty when unanswered."""
    return None if value is None else answer_text(value)


async def participants_table(event: Event) -> Table:
    """One row per registration: the contract's columns, then each session's check-in time, then extras,
    then one column per registration question (`q:<code>`)."""
    sessions = list(event.sessions)
    column_of = {session.id: index for index, session in enumerate(sessions)}
    times: dict[int, list[datetime | None]] = defaultdict(lambda: [None] * len(sessions))
    for row in await fetch(CHECKINS, [event.id]):
        if row["session_id"] in column_of:
            times[row["registration_id"]][column_of[row["session_id"]]] = _moment(row["checked_in_at"], event.timezone)

    people = await fetch(PEOPLE, [event.id])
    empty: list[datetime | None] = [None] * len(sessions)
    questions = await questions_of(event)
    answers = await event_answers(event) if questions else {}

    def rows() -> Any:
        for person in people:
            yield [
                person["code"],
                person["name"],
                person["organization"],
                person["category"],
                person["email"],
                person["status"],
                *times.get(person["id"], empty),
                person["name_reading"],
                person["language"],
                _moment(person["created_at"], event.timezone),
                *(_answer_cell(answers.get(person["id"], {}).get(question.id)) for question in questions),
            ]

    headers = [
        "code",
        "name",
        "organization",
        "category",
        "email",
        "status",
        *(session.code for session in sessions),
        "name_reading",
        "language",
        "registered_at",
        *(f"q:{question.code}" for question in questions),
    ]
    widths = [10, 24, 28, 14, 30, 11, *(17 for _ in sessions), 24, 9, 17, *(24 for _ in questions)]
    return Table(f"{event.slug} participants", headers, rows(), widths)
