"""Where the door's scans are read and written: one store per database, chosen once.

A scan is a look-up (who is this, what seat do they hold, did this device send this scan id
before), the rules' decision (`events.checkin.rules`, handed in by the service), and a write (count
the person in once, while the seat is confirmed; log the scan). The stores differ only in how
those reach the database:

- `ThreadStore`, SQLite: the whole scan in one trip to aiosqlite's thread, committed together with
  the other scans of the moment (`GroupCommit`: one fsync for the lot);
- `BatchStore`, PostgreSQL: looked up and written together with the scans of the moment, one
  statement each (`events.checkin.batched`), a scan the batch cannot answer going the plain way;
- `PlainStore`: a statement at a time on the ORM's connection; inside a caller's transaction, whose
  statements must stay in it, and for anything else.

Counting is one conditional INSERT: it adds the row only while the seat is confirmed, and the
unique (registration, session) rule turns a second insert, from any device at the same moment,
into "already checked in" instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol
from weakref import WeakKeyDictionary

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from events import clock
from events.checkin import batched
from events.checkin.models import Result
from events.checkin.rules import Decision, Person, ScanAnswer, verdict
from events.database import atomic, execute, fetch
from events.postgres_backend import PostgresClient
from events.program.models import Session
from events.registrations.models import SeatStatus
from events.sqlite_backend import GroupCommit, ImmediateSqliteClient

LOOKUP = (
    'SELECT r."id", r."code", r."name", r."organization", r."category", r."status", r."secret", '
    'r."amount_due", s."status" AS "seat_status" FROM "registration" r '
    'LEFT JOIN "seat" s ON s."registration_id" = r."id" AND s."session_id" = ? '
    'WHERE r."event_id" = ? AND r."code" = ?'
)
SENT_BEFORE_SQL = 'SELECT 1 FROM "scan_log" WHERE "event_id" = ? AND "device" = ? AND "scan_id" = ?'
COUNT_IN = (
    'INSERT INTO "checkin" ("registration_id", "session_id", "checked_in_at", "created_at", "device", "source", '
    '"staff_id") SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS '
    '(SELECT 1 FROM "seat" WHERE "registration_id" = ? AND "session_id" = ? AND "status" = ?) '
    'ON CONFLICT ("registration_id", "session_id") DO NOTHING RETURNING "id"'
)
FIRST_CHECK_IN = 'SELECT "checked_in_at", "device" FROM "checkin" WHERE "registration_id" = ? AND "session_id" = ?'
LOG_SCAN = (
    'INSERT INTO "scan_log" ("event_id", "session_id", "registration_id", "device", "scan_id", "staff_id", '
    '"result", "scanned_at", "created_at", "text") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
)


class SentBefore:
    """This device sent this scan id before: the service answers from the log, counting nothing."""


SENT_BEFORE: Final = SentBefore()


@dataclass(frozen=True)
class Scan:
    """What a store looks up: a registration code (None: nothing to look up) at a session of an event."""

    event_id: int
    session: Session | None
    code: str | None
    device: str
    scan_id: str | None


#: The rules, given the person a scan names (None: nobody), decide what to write. Cheap and
#: database-free: the SQLite store calls it in its database thread.
Decide = Callable[[Person | None], Decision]


class DoorStore(Protocol):
    async def scan(self, scan: Scan, decide: Decide) -> ScanAnswer | SentBefore:
        """Look the scan up, let `decide` rule on it, write the decision; or say it was sent before."""


as_datetime = clock.stored


def _count_in_values(decision: Decision, person: Person, session: Session) -> list[Any]:
    return [
        person.id,
        session.id,
        decision.moment,
        clock.now(),
        decision.device,
        str(decision.source),
        decision.staff_id,
        person.id,
        session.id,
        str(SeatStatus.CONFIRMED),
    ]


def _log_values(decision: Decision, answer: ScanAnswer) -> list[Any]:
    session, person = decision.session, decision.person
    return [
        decision.event.id,
        session.id if session else None,
        person.id if person else None,
        decision.device,
        decision.scan_id,
        decision.staff_id,
        str(answer.result),
        decision.moment,
        clock.now(),
        decision.text,
    ]


def _counts(decision: Decision) -> tuple[Person, Session] | None:
    """The person and session to count in, when the decision is to count."""
    if decision.result == Result.OK and decision.session is not None and decision.person is not None:
        return decision.person, decision.session
    return None


# A statement at a time


async def person(event_id: int, session: Session, code: str) -> Person | None:
    rows = await fetch(LOOKUP, [session.id, event_id, code])
    return Person(**rows[0]) if rows else None


async def first_check_in(registration_id: int, session_id: int) -> tuple[datetime, str] | None:
    rows = await fetch(FIRST_CHECK_IN, [registration_id, session_id])
    return (as_datetime(rows[0]["checked_in_at"]), str(rows[0]["device"])) if rows else None


class PlainStore:
    async def scan(self, scan: Scan, decide: Decide) -> ScanAnswer | SentBefore:
        if scan.scan_id and await fetch(SENT_BEFORE_SQL, [scan.event_id, scan.device, scan.scan_id]):
            return SENT_BEFORE
        found = await person(scan.event_id, scan.session, scan.code) if scan.session and scan.code else None
        return await self.write(decide(found))

    async def write(self, decision: Decision) -> ScanAnswer:
        """Count the person in (while the seat is confirmed; a second insert is refused) and log the scan."""
        answer = ScanAnswer(decision.result, decision.session, decision.person)
        if (counting := _counts(decision)) is not None:
            who, session = counting
            if await fetch(COUNT_IN, _count_in_values(decision, who, session)):
                answer = ScanAnswer(Result.OK, session, who, decision.moment, decision.device)
            elif (first := await first_check_in(who.id, session.id)) is not None:
                answer = ScanAnswer(Result.ALREADY_CHECKED_IN, session, who, first[0], first[1])
            else:
                # The seat changed (cancelled, moved) since it was read: answer as it is now.
                now = await person(decision.event.id, session, who.code)
                answer = ScanAnswer(Result.UNKNOWN if now is None else verdict(now), session, now)
        await execute(LOG_SCAN, _log_values(decision, answer))
        return answer


# SQLite: the whole scan in the database's thread


class ThreadStore:
    def __init__(self, group_commit: GroupCommit) -> None:
        self.group_commit = group_commit

    async def scan(self, scan: Scan, decide: Decide) -> ScanAnswer | SentBefore:
        def in_thread(db: Any) -> ScanAnswer | SentBefore:
            if scan.scan_id and db.execute(SENT_BEFORE_SQL, [scan.event_id, scan.device, scan.scan_id]).fetchone():
                return SENT_BEFORE
            found = None
            if scan.session is not None and scan.code:
                row = db.execute(LOOKUP, [scan.session.id, scan.event_id, scan.code]).fetchone()
                found = Person(**dict(row)) if row else None
            return self._write(db, decide(found))

        answer: ScanAnswer | SentBefore = await self.group_commit.run(in_thread)
        return answer

    @staticmethod
    def _write(db: Any, decision: Decision) -> ScanAnswer:
        """`PlainStore.write` as plain sqlite3 calls."""
        answer = ScanAnswer(decision.result, decision.session, decision.person)
        if (counting := _counts(decision)) is not None:
            who, session = counting
            if db.execute(COUNT_IN, _count_in_values(decision, who, session)).fetchall():
                answer = ScanAnswer(Result.OK, session, who, decision.moment, decision.device)
            elif (first := db.execute(FIRST_CHECK_IN, [who.id, session.id]).fetchone()) is not None:
                moment = as_datetime(first["checked_in_at"])
                answer = ScanAnswer(Result.ALREADY_CHECKED_IN, session, who, moment, first["device"])
            else:
                row = db.execute(LOOKUP, [session.id, decision.event.id, who.code]).fetchone()
                now = Person(**dict(row)) if row else None
                answer = ScanAnswer(Result.UNKNOWN if now is None else verdict(now), session, now)
        db.execute(LOG_SCAN, _log_values(decision, answer))
        return answer


# PostgreSQL: the scans of the moment together


class BatchStore:
    def __init__(self, client: PostgresClient) -> None:
        self.client = client
        self.plain = PlainStore()

    async def scan(self, scan: Scan, decide: Decide) -> ScanAnswer | SentBefore:
        if scan.session is None or not scan.code:
            return await self.plain.scan(scan, decide)
        wanted = batched.Wanted(scan.event_id, scan.session.id, scan.code, scan.device, scan.scan_id)
        found = await batched.look_up(self.client, wanted)
        if found.sent_before:
            return SENT_BEFORE
        decision = decide(Person(**found.person) if found.person else None)
        written = await batched.write(
            self.client,
            batched.Write(
                event_id=scan.event_id,
                session_id=scan.session.id,
                registration_id=decision.person.id if decision.person else None,
                device=decision.device,
                scan_id=decision.scan_id,
                staff_id=decision.staff_id,
                result=str(decision.result),
                moment=decision.moment,
                source=str(decision.source),
                text=decision.text,
                count=_counts(decision) is not None,
            ),
        )
        if written is None:  # the batch could not answer this one: alone, in its own transaction
            return await atomic(lambda: self.plain.write(decision))
        return ScanAnswer(written.result, decision.session, decision.person, written.checked_in_at, written.device)


_stores: WeakKeyDictionary[BaseDBAsyncClient, DoorStore] = WeakKeyDictionary()


def door_store() -> DoorStore:
    """The store for the connection in use, chosen once for each database client (each connect).

    Inside a transaction the connection in use is the transaction's, and the plain store keeps the
    scan's statements in it.
    """
    client = connections.get("default")
    store = _stores.get(client)
    if store is None:
        if isinstance(client, ImmediateSqliteClient):
            store = ThreadStore(client.group_commit)
        elif isinstance(client, PostgresClient):
            store = BatchStore(client)
        else:
            store = PlainStore()
        _stores[client] = store
    return store
