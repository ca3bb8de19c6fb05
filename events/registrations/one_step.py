"""A new registration written in one step: on SQLite in one trip to the database's thread, committed
together with the writes around it; on PostgreSQL in one statement.

Through the ORM, a registration is a transaction of five round trips (begin, the registration, its
confirmation, its seats, commit), each waiting its turn on a busy event loop. On SQLite the one
connection is held for all of them; on PostgreSQL the sessions' row locks are held from the seats
to the commit. With many people registering at once, each waits for the others' trips.

Here what a registration writes is decided first, in the serving thread (`NewRegistration`).
- SQLite: its rows are written by plain sqlite3 calls in one trip, in a savepoint of the group
  commit the door's scans use (`events.sqlite_backend.GroupCommit`), so registrations arriving at
  the same moment share one commit and each still succeeds or fails alone.
- PostgreSQL: one statement, atomic on its own, locks the sessions, claims the seats and writes
  every row; the locks are held for that statement and its commit, with no round trip between.
  An event's registrations from this process take turns before it (`PostgresClient.turns`):
  sixteen at once waiting on the same sessions' rows in the server were slower, and less fair.

Both write what `events.registrations.service.register` writes through the ORM: the registration,
its answers, its confirmation in the outbox, its seats (the `seats` module's rules) and its charges
(`ledger.first_charges`). A member category reads the roster inside the registration's transaction
(an organization's units are counted there), so that one goes through the ORM.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass
from typing import cast

from tortoise import connections

from events import clock
from events.database import fetch, retried
from events.mail import outbox
from events.mail.models import MailKind, MailStatus
from events.money.ledger import ADD_TO_DUE, INSERT_ENTRY, first_charges
from events.money.models import EntryKind, Method
from events.postgres_backend import PostgresClient
from events.program.models import Event, Session
from events.questions.service import INSERT_ANSWER
from events.registrations.models import Registration, RegistrationStatus, SeatStatus
from events.registrations.seats import LOCK_AND_CLAIM, take_seats_here
from events.sqlite_backend import ImmediateSqliteClient, Insert, insert, insert_statement


@dataclass(frozen=True)
class NewRegistration:
    """Everything a new registration writes, decided before the database is reached."""

    event: Event
    #: Built (`service.build_registration`), not yet written.
    registration: Registration
    #: The sessions chosen, in id order.
    sessions: list[Session]
    #: `questions.encoded_answers`: each answer's question id and value.
    answers: list[list[object]]
    #: The site's address as the request reached it, for the confirmation's links.
    base_url: str


def available() -> bool:
    """Whether the database in use writes a registration in one step: it does outside a transaction
    (inside one, the writes must stay in that transaction, through the ORM)."""
    return isinstance(connections.get("default"), ImmediateSqliteClient | PostgresClient)


async def write(new: NewRegistration) -> list[SeatStatus]:
    """Write the registration whole; its seats' statuses, in `new.sessions` order. The registration
    gets its id, status and amount due. An IntegrityError means its code was taken, or its address
    registered, as through the ORM."""
    client = connections.get("default")
    if isinstance(client, ImmediateSqliteClient):
        statement = insert_statement(Registration)
        statuses: list[SeatStatus] = await retried(
            lambda: client.group_commit.run(lambda db: _write_here(db, new, statement))
        )
        return statuses
    async with cast(PostgresClient, client).turns(("registration", new.event.id)):
        return await retried(lambda: _write_in_one_statement(new))


# SQLite: plain calls in the database's thread


def _write_here(db: sqlite3.Connection, new: NewRegistration, statement: Insert) -> list[SeatStatus]:
    registration = new.registration
    insert(db, registration, statement)
    if new.answers:
        db.executemany(INSERT_ANSWER, [[registration.id, *row] for row in new.answers])
    if registration.email:
        db.execute(outbox.NEW_MESSAGE, outbox.new_message(registration, MailKind.REGISTERED, new.base_url))
    statuses = take_seats_here(db, registration, [session.id for session in new.sessions])
    charges = first_charges(new.event, registration, zip(new.sessions, statuses, strict=True), clock.now())
    if charges:
        db.executemany(INSERT_ENTRY, charges)
        due = sum(charge[4] for charge in charges)
        db.execute(ADD_TO_DUE, [due, registration.id])
        registration.amount_due = due
    return statuses


# PostgreSQL: one statement

# The sessions are locked and their seats claimed as `seats.take_seats` does (`LOCK_AND_CLAIM`);
# `chosen` is each session with whether its seat is confirmed and what a confirmed seat costs this
# person. The registration's status and amount due follow from it.
REGISTER = (
    LOCK_AND_CLAIM
    + """, chosen AS (
    SELECT l."id", c."id" IS NOT NULL AS "confirmed", COALESCE(p."amount", 0) AS "amount"
    FROM locked l
    LEFT JOIN claimed c ON c."id" = l."id"
    LEFT JOIN unnest($2::int[], $3::int[]) AS p("session_id", "amount") ON p."session_id" = l."id"
), registered AS (
    INSERT INTO "registration" ({columns}) VALUES ({values})
    RETURNING "id", "event_id", "email", "status", "amount_due"
), seats AS (
    INSERT INTO "seat" ("registration_id", "session_id", "status", "created_at", "updated_at")
    SELECT r."id", c."id", CASE WHEN c."confirmed" THEN '{seat_confirmed}' ELSE '{seat_waitlisted}' END, $6, $6
    FROM registered r CROSS JOIN chosen c
    ORDER BY c."id"
    RETURNING "session_id", "status"
), charged AS (
    INSERT INTO "ledger_entry" ("event_id", "registration_id", "kind", "method", "amount", "session_id", "at",
                                "staff_id", "staff_email", "note", "payment_id")
    SELECT r."event_id", r."id", '{charge}', '{no_method}', c."amount", c."id", $6, NULL, '', '', NULL
    FROM registered r CROSS JOIN chosen c
    WHERE c."confirmed" AND c."amount" <> 0
), answered AS (
    INSERT INTO "answer" ("registration_id", "question_id", "value")
    SELECT r."id", a."question_id", a."value"
    FROM registered r CROSS JOIN unnest($4::int[], $5::jsonb[]) AS a("question_id", "value")
), mailed AS (
    INSERT INTO "outbox_message" ("event_id", "registration_id", "kind", "session_code", "recipient", "base_url",
        "status", "attempts", "next_attempt_at", "claimed_until", "subject", "last_error", "created_at", "sent_at")
    SELECT r."event_id", r."id", '{registered}', '', r."email", $7, '{queued}', 0, $6, NULL, '', '', $6, NULL
    FROM registered r
    WHERE r."email" <> ''
)
SELECT r."id", r."status", r."amount_due", s."session_id", s."status" AS "seat_status"
FROM registered r LEFT JOIN seats s ON TRUE
"""
)

# The registration's own columns, computed from the seats; the others are the ORM's values.
COMPUTED = {
    "status": (
        f"(SELECT CASE WHEN bool_or(\"confirmed\") THEN '{RegistrationStatus.CONFIRMED}' "
        f"WHEN count(*) > 0 THEN '{RegistrationStatus.WAITLISTED}' ELSE '{RegistrationStatus.CANCELLED}' END "
        "FROM chosen)"
    ),
    "amount_due": '(SELECT COALESCE(SUM("amount") FILTER (WHERE "confirmed"), 0) FROM chosen)',
}
FIRST_COLUMN = 8  # $1 … $7 are the statement's own


@functools.cache
def _register_statement() -> tuple[str, tuple[str, ...]]:
    """`REGISTER` for the registration table as the ORM writes it, and the fields it takes after $7."""
    _query, fields = insert_statement(Registration)
    given = tuple(name for name in fields if name not in COMPUTED)
    numbers = {name: f"${FIRST_COLUMN + n}" for n, name in enumerate(given)}
    columns = [Registration._meta.fields_db_projection[name] for name in fields]
    sql = REGISTER.format(
        columns=", ".join(f'"{column}"' for column in columns),
        values=", ".join(COMPUTED.get(name) or numbers[name] for name in fields),
        seat_confirmed=SeatStatus.CONFIRMED,
        seat_waitlisted=SeatStatus.WAITLISTED,
        charge=EntryKind.CHARGE.value,
        no_method=Method.NONE.value,
        registered=MailKind.REGISTERED.value,
        queued=MailStatus.QUEUED.value,
    )
    return sql, given


async def _write_in_one_statement(new: NewRegistration) -> list[SeatStatus]:
    registration = new.registration
    sql, given = _register_statement()
    fields = registration._meta.fields_map
    prices = {
        session.id: new.event.price(registration.category, session.code, reduced=registration.reduced_fee)
        for session in new.sessions
    }
    values: list[object] = [
        [session.id for session in new.sessions],
        list(prices),
        list(prices.values()),
        [row[0] for row in new.answers],
        [row[1] for row in new.answers],
        clock.now(),
        new.base_url,
    ]
    values += [fields[name].to_db_value(getattr(registration, name), registration) for name in given]
    rows = await fetch(sql, values)
    registration.id = rows[0]["id"]
    registration.status = RegistrationStatus(rows[0]["status"])
    registration.amount_due = rows[0]["amount_due"]
    registration._saved_in_db = True
    taken = {row["session_id"]: SeatStatus(row["seat_status"]) for row in rows if row["session_id"] is not None}
    return [taken[session.id] for session in new.sessions]
