"""A new registration written in one step: on SQLite in one trip to the database's thread, committed
together with the writes around it; on PostgreSQL in one statement.

Through the ORM, a registration was a transaction of five round trips (begin, the registration, its
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

Both write the registration, its answers, its confirmation in the outbox, its seats (the `seats`
module's rules) and its charges (`ledger.first_charges`; on PostgreSQL the statement adds up the
same prices). The roster is read before, outside the write: the organization's units a person is
confirmed against (`Standing.units`) are counted again inside it, where no other registration can
take the last one meanwhile. On SQLite the write lock sees to that. On PostgreSQL, a statement's
snapshot is taken before it waits for the sessions' locks, so it would miss a registration another
process committed meanwhile: such a registration first takes its organization's turn among all
processes (`standing.take_units_turn`) in a transaction, and its statement then starts after the
last one's commit.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass

from tortoise import connections
from tortoise.transactions import in_transaction

from events import clock
from events.database import db_values, fetch, retried
from events.mail import outbox
from events.mail.models import MailKind, MailStatus
from events.members.models import Membership
from events.members.standing import UNITS_USED, take_units_turn
from events.money.ledger import ADD_TO_DUE, INSERT_ENTRY, first_charges
from events.money.models import EntryKind, Method
from events.postgres_backend import PostgresClient
from events.program.models import Event, Session
from events.questions.service import INSERT_ANSWER
from events.registrations.models import Registration, RegistrationStatus, SeatStatus
from events.registrations.seats import LOCK_AND_CLAIM, take_seats_here
from events.sqlite_backend import ImmediateSqliteClient, Insert, in_this_transaction, insert, insert_statement


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
    #: Where the confirmation's links point (`links.mail_url()`).
    base_url: str
    #: Confirmed as one of an organization's people: its units (`Standing.units`), counted again here.
    units: int | None = None


async def write(new: NewRegistration) -> list[SeatStatus]:
    """Write the registration whole; its seats' statuses, in `new.sessions` order. The registration
    gets its id, status, amount due and (when its organization's units ran out) its membership. An
    IntegrityError means its code was taken, or its address registered.

    Inside a transaction already, it is written in that transaction, in one trip or one statement."""
    client = connections.get("default")
    if isinstance(client, ImmediateSqliteClient):
        statement = insert_statement(Registration)
        statuses: list[SeatStatus] = await retried(
            lambda: client.group_commit.run(lambda db: _write_here(db, new, statement))
        )
        return statuses
    if isinstance(client, PostgresClient):
        async with client.turns(("registration", new.event.id)):
            return await retried(lambda: _write_on_postgres(new))
    if client.capabilities.dialect == "sqlite":
        statement = insert_statement(Registration)
        return await in_this_transaction(lambda db: _write_here(db, new, statement))
    return await _write_on_postgres(new)


# SQLite: plain calls in the database's thread


def _write_here(db: sqlite3.Connection, new: NewRegistration, statement: Insert) -> list[SeatStatus]:
    registration = new.registration
    if new.units is not None:
        used = db.execute(UNITS_USED, [new.event.id, registration.member_number]).fetchone()[0]
        if used >= new.units:
            registration.membership = Membership.TO_CONFIRM.value
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

# The sessions are locked and their seats claimed by `seats.LOCK_AND_CLAIM`;
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
    RETURNING "id", "event_id", "email", "status", "amount_due", "membership"
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
SELECT r."id", r."status", r."amount_due", r."membership", s."session_id", s."status" AS "seat_status"
FROM registered r LEFT JOIN seats s ON TRUE
"""
)

# The registration's columns computed in the statement: its status and amount due from the seats,
# and its membership from its organization's units ($8, NULL when not counted against them), given
# the parameters of its other columns. The others are the ORM's values.
STATUS = (
    f"(SELECT CASE WHEN bool_or(\"confirmed\") THEN '{RegistrationStatus.CONFIRMED}' "
    f"WHEN count(*) > 0 THEN '{RegistrationStatus.WAITLISTED}' ELSE '{RegistrationStatus.CANCELLED}' END "
    "FROM chosen)"
)
AMOUNT_DUE = '(SELECT COALESCE(SUM("amount") FILTER (WHERE "confirmed"), 0) FROM chosen)'
MEMBERSHIP = (
    "CASE WHEN $8::int IS NOT NULL AND ({used}) >= $8::int "
    f"THEN '{Membership.TO_CONFIRM.value}' ELSE {{membership}} END"
)
COMPUTED = {"status", "amount_due"}
FIRST_COLUMN = 9  # $1 … $8 are the statement's own


@functools.cache
def _register_statement() -> tuple[str, tuple[str, ...]]:
    """`REGISTER` for the registration table as the ORM writes it, and the fields it takes after $7."""
    _query, fields = insert_statement(Registration)
    given = tuple(name for name in fields if name not in COMPUTED)
    expressions = {name: f"${FIRST_COLUMN + n}" for n, name in enumerate(given)}
    # Typed as in the row's own columns: a parameter compared with a varchar would be taken as text.
    number = f"{expressions['member_number']}::varchar"
    used = UNITS_USED.replace("?", expressions["event_id"], 1).replace("?", number, 1)
    expressions.update(
        status=STATUS,
        amount_due=AMOUNT_DUE,
        membership=MEMBERSHIP.format(used=used, membership=expressions["membership"]),
    )
    columns = [Registration._meta.fields_db_projection[name] for name in fields]
    sql = REGISTER.format(
        columns=", ".join(f'"{column}"' for column in columns),
        values=", ".join(expressions[name] for name in fields),
        seat_confirmed=SeatStatus.CONFIRMED,
        seat_waitlisted=SeatStatus.WAITLISTED,
        charge=EntryKind.CHARGE.value,
        no_method=Method.NONE.value,
        registered=MailKind.REGISTERED.value,
        queued=MailStatus.QUEUED.value,
    )
    return sql, given


async def _write_on_postgres(new: NewRegistration) -> list[SeatStatus]:
    """The one statement; for someone counted against an organization's units, in a transaction
    that takes the organization's turn first, so the statement counts every unit taken before it."""
    if new.units is None:
        return await _write_in_one_statement(new)
    async with in_transaction():
        await take_units_turn(new.event.id, new.registration.member_number)
        return await _write_in_one_statement(new)


async def _write_in_one_statement(new: NewRegistration) -> list[SeatStatus]:
    registration = new.registration
    sql, given = _register_statement()
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
        new.units,
    ]
    values += db_values(registration, given)
    rows = await fetch(sql, values)
    registration.id = rows[0]["id"]
    registration.status = RegistrationStatus(rows[0]["status"])
    registration.amount_due = rows[0]["amount_due"]
    registration.membership = rows[0]["membership"]
    registration._saved_in_db = True
    taken = {row["session_id"]: SeatStatus(row["seat_status"]) for row in rows if row["session_id"] is not None}
    return [taken[session.id] for session in new.sessions]
