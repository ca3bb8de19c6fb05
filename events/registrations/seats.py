"""Seats and statuses: the rules that keep a session from ever being overbooked, in one place.

A seat is confirmed while its session has room and waits otherwise (`plan_seats` says so for rows
not yet written, `claim_seats` counts them in the database, `take_seats_here` and `LOCK_AND_CLAIM`
do both for one new registration); a registration is confirmed when any seat is, else waitlisted when any waits
(`overall_status`), and `settle_statuses` is the one writer of a status from the seats. Registering,
importing, staff edits and removing a session all go through these.

Every function here runs inside a transaction that has locked the sessions it touches
(`lock_sessions`, or `LOCK_AND_CLAIM` itself): on PostgreSQL a `SELECT … FOR UPDATE` in id order, so
two transactions never wait on each other in a circle; on SQLite the transaction already holds the
write lock from `BEGIN IMMEDIATE`. Under that lock the count cannot change between reading and writing it, and
the conditional UPDATE plus the database check on `confirmed_count <= capacity` back it up.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from tortoise.expressions import F

from events import clock
from events.database import execute, supports_row_locks
from events.mail import outbox
from events.mail.models import MailKind
from events.money.ledger import settle_charges
from events.program.models import Session
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus


async def lock_sessions(session_ids: list[int]) -> None:
    """Take the row locks of these sessions, in id order (a no-op on SQLite, which locks the file)."""
    if session_ids and supports_row_locks():
        ids = sorted(set(session_ids))
        marks = ", ".join("?" for _ in ids)
        await execute(f'SELECT "id" FROM "session" WHERE "id" IN ({marks}) ORDER BY "id" FOR UPDATE', ids)


def overall_status(statuses: list[SeatStatus]) -> RegistrationStatus:
    """A registration is confirmed when any of its seats is, else waitlisted when any waits."""
    if SeatStatus.CONFIRMED in statuses:
        return RegistrationStatus.CONFIRMED
    if SeatStatus.WAITLISTED in statuses:
        return RegistrationStatus.WAITLISTED
    return RegistrationStatus.CANCELLED


async def settle_statuses(
    registration_ids: Iterable[int],
) -> dict[int, tuple[RegistrationStatus, RegistrationStatus]]:
    """Give each registration the status its seats now give it, after seats moved or went away
    (a staff move, a removed session): the one place that writes a status from the seats. One left
    with no seat is cancelled like any other cancellation (its e-mail address free again, the
    moment noted); one already cancelled stays so. Returns each registration's (before, after)."""
    ids = sorted(set(registration_ids))
    seats: dict[int, list[SeatStatus]] = {registration_id: [] for registration_id in ids}
    for registration_id, status in await Seat.filter(registration_id__in=ids).values_list("registration_id", "status"):
        seats[int(registration_id)].append(SeatStatus(status))
    settled: dict[int, tuple[RegistrationStatus, RegistrationStatus]] = {}
    moved: dict[RegistrationStatus, list[int]] = {}
    for registration_id, status in await Registration.filter(id__in=ids).values_list("id", "status"):
        before = RegistrationStatus(status)
        after = before if before == RegistrationStatus.CANCELLED else overall_status(seats[int(registration_id)])
        settled[int(registration_id)] = (before, after)
        if after != before:
            moved.setdefault(after, []).append(int(registration_id))
    moment = clock.now()
    for status, moving in moved.items():
        changes: dict[str, object] = {"status": status, "updated_at": moment}
        if status == RegistrationStatus.CANCELLED:
            changes.update(active_email=None, cancelled_at=moment)
        await Registration.filter(id__in=moving).update(**changes)
    await settle_charges(ids)
    return settled


# PostgreSQL: lock the sessions ($1) in id order and claim a confirmed seat in each that has room
# (`claimed`), the start of the statement that writes a new registration and its seats
# (`events.registrations.one_step`). Room is judged on the rows as
# `locked` returns them: FOR UPDATE waits for a transaction holding the session and then gives its
# newest version, whereas the statement's own snapshot is from before that wait (READ COMMITTED)
# and would see a seat just freed by a cancellation as still taken.
LOCK_AND_CLAIM = """
WITH locked AS (
    SELECT "id", "confirmed_count", "capacity" FROM "session" WHERE "id" = ANY($1::int[]) ORDER BY "id" FOR UPDATE
), claimed AS (
    UPDATE "session" s SET "confirmed_count" = s."confirmed_count" + 1
    FROM locked l
    WHERE s."id" = l."id" AND (l."capacity" IS NULL OR l."confirmed_count" < l."capacity")
    RETURNING s."id"
)"""


def take_seats_here(db: sqlite3.Connection, registration: Registration, session_ids: list[int]) -> list[SeatStatus]:
    """Give a new registration its seats, in these sessions' order, and set its status from them
    (written only when it differs from the confirmed status a new registration starts with): SQLite,
    as plain calls in the database's thread, where the transaction holds the write lock. On
    PostgreSQL the one-step registration's statement does this (`LOCK_AND_CLAIM`)."""
    marks = ", ".join("?" for _ in session_ids)
    claimed = {row[0] for row in db.execute(CLAIM_ONE_EACH.format(marks=marks), session_ids)} if session_ids else set()
    statuses = [SeatStatus.CONFIRMED if session_id in claimed else SeatStatus.WAITLISTED for session_id in session_ids]
    now = clock.now()
    db.executemany(
        NEW_SEAT, [[registration.id, s, str(status), now, now] for s, status in zip(session_ids, statuses, strict=True)]
    )
    status = overall_status(statuses)
    if status != registration.status:
        db.execute('UPDATE "registration" SET "status" = ? WHERE "id" = ?', [str(status), registration.id])
        registration.status = status
    return statuses


#: A new registration's seats, in the order asked (a waiting list is in seat id order).
NEW_SEAT = (
    'INSERT INTO "seat" ("registration_id", "session_id", "status", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?)'
)


#: One more confirmed seat in each of these sessions that has room; the ids of those that had it.
CLAIM_ONE_EACH = (
    'UPDATE "session" SET "confirmed_count" = "confirmed_count" + 1 WHERE "id" IN ({marks}) '
    'AND ("capacity" IS NULL OR "confirmed_count" + 1 <= "capacity") RETURNING "id"'
)


async def claim_seat(session_id: int) -> SeatStatus:
    """Count one more confirmed seat if the session has room; otherwise the seat waits."""
    full = await claim_seats({session_id: 1})
    return SeatStatus.WAITLISTED if full else SeatStatus.CONFIRMED


async def claim_seats(counts: Mapping[int, int]) -> set[int]:
    """Count this many more confirmed seats in each session, all or none per session, never past its
    capacity (the database's check backs this up). Returns the sessions that had no room for them."""
    full: set[int] = set()
    for session_id, count in sorted(counts.items()):
        updated = await execute(
            'UPDATE "session" SET "confirmed_count" = "confirmed_count" + ? '
            'WHERE "id" = ? AND ("capacity" IS NULL OR "confirmed_count" + ? <= "capacity")',
            [count, session_id, count],
        )
        if not updated:
            full.add(session_id)
    return full


def plan_seats(room: dict[int, int | None], session_ids: Iterable[int]) -> list[SeatStatus]:
    """Seats for rows not yet written, by the rule `claim_seat` counts by: confirmed while the session
    has room (None: no limit), else waiting. Takes what it confirms out of `room`, so the rows of a
    file are given seats in their order, as people registering one after another would be."""
    statuses = []
    for session_id in session_ids:
        left = room[session_id]
        if left is not None and left <= 0:
            statuses.append(SeatStatus.WAITLISTED)
            continue
        if left is not None:
            room[session_id] = left - 1
        statuses.append(SeatStatus.CONFIRMED)
    return statuses


def room_in(sessions: Iterable[Session]) -> dict[int, int | None]:
    """Each session's free seats as counted now (None: no limit), for `plan_seats`."""
    return {s.id: None if s.capacity is None else max(s.capacity - s.confirmed_count, 0) for s in sessions}


async def give_seat(registration_id: int, session_id: int) -> SeatStatus:
    """A seat in this session for a registration that holds none there now (none, or a cancelled
    one): confirmed if the session has room, else waiting at the end of its list."""
    status = await claim_seat(session_id)
    if status == SeatStatus.CONFIRMED:
        await Seat.filter(registration_id=registration_id, session_id=session_id).delete()
        await Seat.create(registration_id=registration_id, session_id=session_id, status=status)
    else:
        await wait_at_the_end(registration_id, session_id)
    return status


async def wait_at_the_end(registration_id: int, session_id: int) -> None:
    """Give the registration a waiting seat behind everyone already waiting.

    The queue is the seats' id order, so the seat is written anew rather than changed in place:
    an old seat turned waiting would jump ahead of people who asked long after it was made.
    """
    await Seat.filter(registration_id=registration_id, session_id=session_id).delete()
    await Seat.create(registration_id=registration_id, session_id=session_id, status=SeatStatus.WAITLISTED)


async def release_seat(session_id: int) -> list[int]:
    """Give up one confirmed seat; the oldest waiting seat takes it. Returns promoted registration ids."""
    await Session.filter(id=session_id, confirmed_count__gt=0).update(confirmed_count=F("confirmed_count") - 1)
    return await fill_from_waitlist(session_id)


async def fill_from_waitlist(session_id: int) -> list[int]:
    """Confirm waiting seats, oldest first, while the session has room. Returns promoted registration ids."""
    session = await Session.get(id=session_id)
    room = None if session.capacity is None else session.capacity - session.confirmed_count
    waiting = Seat.filter(session_id=session_id, status=SeatStatus.WAITLISTED).order_by("id")
    if room is not None:
        if room <= 0:
            return []
        waiting = waiting.limit(room)
    seats = await waiting
    if not seats:
        return []
    moment = clock.now()
    ids = [seat.id for seat in seats]
    await Seat.filter(id__in=ids).update(status=SeatStatus.CONFIRMED, promoted_at=moment, updated_at=moment)
    await Session.filter(id=session_id).update(confirmed_count=F("confirmed_count") + len(ids))
    promoted = [seat.registration_id for seat in seats]  # type: ignore[attr-defined]
    await Registration.filter(id__in=promoted, status=RegistrationStatus.WAITLISTED).update(
        status=RegistrationStatus.CONFIRMED, updated_at=moment
    )
    await outbox.queue_many(promoted, MailKind.PROMOTED, session_code=session.code)
    await settle_charges(promoted)
    return promoted


async def waitlist_positions(registration: Registration) -> dict[int, int]:
    """For each waitlisted seat of this registration, its place in its session's queue (1 = next)."""
    positions: dict[int, int] = {}
    for seat in await Seat.filter(registration=registration, status=SeatStatus.WAITLISTED):
        ahead = await Seat.filter(session_id=seat.session_id, status=SeatStatus.WAITLISTED, id__lt=seat.id).count()  # type: ignore[attr-defined]
        positions[seat.session_id] = ahead + 1  # type: ignore[attr-defined]
    return positions
