"""The two spreadsheets of the contract: attendance per session, and who came to what.

`participants` reads every registration, check-in and answer of the event in three plain queries
(10,000 people and 40,000 check-ins are a few hundred milliseconds, not a few seconds through the ORM).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from events import clock, i18n
from events.database import fetch
from events.i18n import gettext as _
from events.money.figures import paid_by_person
from events.program.models import Event
from events.questions.schemas import AnswerValue
from events.questions.service import answer_text, event_answers, questions_of
from events.registrations.models import RegistrationStatus
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
    #: Sessions whose door counts exits; empty for the others.
    "peak_inside",
    "peak_at",
]

PEOPLE = (
    'SELECT "id", "code", "name", "name_reading", "organization", "category", "email", "status", "language", '
    '"created_at", "amount_due" FROM "registration" WHERE "event_id" = ? ORDER BY "sort_name", "id"'
)
CHECKINS = (
    'SELECT c."registration_id", c."session_id", c."checked_in_at" FROM "checkin" c '
    'JOIN "registration" r ON r."id" = c."registration_id" WHERE r."event_id" = ?'
)


def attendance_table(event: Event, figures: dict[str, Any]) -> Table:
    """One row per session, the columns of the attendance JSON (capacity empty when unlimited)."""
    rows = [[row.get(column) for column in ATTENDANCE_COLUMNS] for row in figures["sessions"]]
    widths = [10, 36, 11, 26, 9, 10, 10, 10, 9, 9, 8, 12, 26]
    return Table(f"{event.slug} attendance", list(ATTENDANCE_COLUMNS), rows, widths)


_moment = clock.wall_clock


def _answer_cell(value: AnswerValue | None) -> str | None:
    """An answer as one cell (several choices joined with "; ", yes/no as `yes`/`no`); empty when unanswered."""
    return None if value is None else answer_text(value)


async def participants_table(event: Event, *, for_people: bool = False) -> Table:
    """One row per registration: the contract's columns, then each session's check-in time, then extras,
    then one column per registration question (`q:<code>`).

    `for_people`: the staff area's file, for a secretariat to read rather than a program: headings,
    categories, statuses and languages in the reader's language, sessions and questions by title.
    The API keeps the contract's columns."""
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
    paid = await paid_by_person(event)

    categories = {code: event.category_label(code) for code in event.category_codes} if for_people else {}
    statuses = _status_words() if for_people else {}

    def rows() -> Any:
        for person in people:
            yield [
                person["code"],
                person["name"],
                person["organization"],
                categories.get(person["category"], person["category"]),
                person["email"],
                statuses.get(person["status"], person["status"]),
                *times.get(person["id"], empty),
                person["name_reading"],
                i18n.LANGUAGE_NAMES.get(person["language"], person["language"]) if for_people else person["language"],
                _moment(person["created_at"], event.timezone),
                person["amount_due"],
                paid.get(person["id"], 0),
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
        "amount_due",
        "paid",
        *(f"q:{question.code}" for question in questions),
    ]
    if for_people:
        headers = [
            _("Code"),
            _("Full name"),
            _("Organization"),
            _("Category"),
            _("E-mail address"),
            _("Status"),
            *(session.text("title", i18n.current_language()) for session in sessions),
            _("Reading"),
            _("Language"),
            _("Registered"),
            _("Still to pay"),
            _("Paid"),
            *(question.label for question in questions),
        ]
    widths = [10, 24, 28, 14, 30, 11, *(17 for _ in sessions), 24, 9, 17, 10, 10, *(24 for _ in questions)]
    return Table(f"{event.slug} participants", headers, rows(), widths)


def _status_words() -> dict[str, str]:
    return {
        str(RegistrationStatus.CONFIRMED): _("Confirmed"),
        str(RegistrationStatus.WAITLISTED): _("Waiting list"),
        str(RegistrationStatus.CANCELLED): _("Cancelled"),
    }
