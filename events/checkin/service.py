"""The door's rules: who is counted, once, at which session, and what the scanner is told.

One entry point, `check_in`, as in pretix's `perform_checkin`. Its answers (the contract's table):

    ok                  counted now
    already_checked_in  counted before: the first time and device are given back
    not_registered      the registration holds no seat in that session
    waitlisted          it holds the session only on the waiting list
    cancelled           the registration was cancelled
    unknown             no such registration in this event, or a forged, altered or replaced badge
    invalid             no session of that code

Counting is one conditional INSERT: it adds the row only while the seat is confirmed, and the
unique (registration, session) rule turns a second insert, from any device at the same moment,
into "already checked in" instead of an error. Every scan, refused ones too, is logged; a scan
sent again with the same device-side `scan_id` gets its first answer back and counts nothing new.

The scans of a busy door arrive together: SQLite commits them together (`GroupCommit`),
PostgreSQL looks them up and counts them together, one statement each (`batched`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError

from events import clock
from events.badges import tokens
from events.checkin import batched
from events.checkin.models import CheckIn, Result, ScanLog, Source
from events.database import atomic, execute, fetch
from events.program.models import Event, Session
from events.registrations import codes
from events.registrations.models import Registration, RegistrationStatus, SeatStatus
from events.sqlite_backend import ImmediateSqliteClient
from events.staff.models import StaffAccount

STATUS = {
    Result.OK: 201,
    Result.ALREADY_CHECKED_IN: 200,
    Result.NOT_REGISTERED: 409,
    Result.WAITLISTED: 409,
    Result.CANCELLED: 409,
    Result.UNKNOWN: 404,
    Result.INVALID: 422,
}


@dataclass(frozen=True)
class Person:
    """What the door may know of a registration (no e-mail), and its seat in the scanned session."""

    id: int
    code: str
    name: str
    organization: str
    category: str
    status: str
    secret: str
    seat_status: str | None


@dataclass(frozen=True)
class ScanAnswer:
    result: Result
    session: Session | None = None
    person: Person | None = None
    checked_in_at: datetime | None = None
    device: str = ""

    @property
    def status_code(self) -> int:
        return STATUS[self.result]


def clamp(moment: datetime | None, event: Event) -> datetime:
    """A scan's time: the device's when given (queued offline), within the event's days and not in the future."""
    now = clock.now()
    if moment is None:
        return now
    earliest = clock.start_of_day(event.starts_on, event.timezone)
    latest = min(clock.end_of_day(event.ends_on, event.timezone), now)
    return max(earliest, min(moment, latest)).astimezone(UTC)


def _as_datetime(value: Any) -> datetime:
    """A timestamp read with plain SQL: a datetime from PostgreSQL, ISO text from SQLite."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


LOOKUP = (
    'SELECT r."id", r."code", r."name", r."organization", r."category", r."status", r."secret", '
    's."status" AS "seat_status" FROM "registration" r '
    'LEFT JOIN "seat" s ON s."registration_id" = r."id" AND s."session_id" = ? '
    'WHERE r."event_id" = ? AND r."code" = ?'
)


async def _person(event: Event, session: Session, code: str) -> Person | None:
    rows = await fetch(LOOKUP, [session.id, event.id, code])
    return Person(**rows[0]) if rows else None


def _read_scan(scanned: str) -> tuple[str | None, tokens.BadgePayload | None]:
    """The registration code a scan names, and the signed badge payload when it is one."""
    payload = tokens.parse(scanned)
    if payload is not None:
        return payload.code, payload
    return codes.normalize_code(scanned), None


def _genuine(
    person: Person | None, payload: tokens.BadgePayload | None, event: Event, secret_key: str
) -> Person | None:
    """The person, unless the badge's signature is not this server's for them (forged, replaced)."""
    if person is None or payload is None:
        return person
    return person if tokens.verify(secret_key, payload, event.id, person.secret, event.badge_key) else None


async def find(event: Event, session: Session, scanned: str, secret_key: str) -> tuple[Person | None, Source]:
    """The registration a scanned badge or a typed code names, within this event; None if forged or unknown."""
    code, payload = _read_scan(scanned)
    person = await _person(event, session, code) if code else None
    return _genuine(person, payload, event, secret_key), Source.SCAN if payload else Source.TYPED


def _verdict(person: Person) -> Result:
    """OK when the registration holds a confirmed seat in the session, else why not."""
    if person.status == RegistrationStatus.CANCELLED:
        return Result.CANCELLED
    if person.seat_status in (None, SeatStatus.CANCELLED):
        return Result.NOT_REGISTERED
    if person.seat_status == SeatStatus.WAITLISTED:
        return Result.WAITLISTED
    return Result.OK


def _printable(text: str) -> str:
    """What may go into the log: control characters (NUL among them) shown as `?`."""
    return "".join(char if char.isprintable() else "?" for char in text)


async def _replay(event: Event, prior: ScanLog) -> ScanAnswer:
    """The answer a scan got the first time (for a retry with the same device and scan_id)."""
    session = next((s for s in event.sessions if s.id == prior.session_id), None)  # type: ignore[attr-defined]
    person = None
    checked_in_at, device = None, ""
    if session is not None and prior.registration_id is not None:  # type: ignore[attr-defined]
        registration = await Registration.get(id=prior.registration_id)  # type: ignore[attr-defined]
        person = await _person(event, session, registration.code)
        first = await _first_check_in(registration.id, session.id)
        if first is not None:
            checked_in_at, device = first
    return ScanAnswer(Result(prior.result), session, person, checked_in_at, device)


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


async def _first_check_in(registration_id: int, session_id: int) -> tuple[datetime, str] | None:
    rows = await fetch(FIRST_CHECK_IN, [registration_id, session_id])
    return (_as_datetime(rows[0]["checked_in_at"]), str(rows[0]["device"])) if rows else None


async def check_in(
    event: Event,
    scanned: str,
    session_code: str,
    *,
    secret_key: str,
    device: str = "",
    scan_id: str | None = None,
    scanned_at: datetime | None = None,
    staff: StaffAccount | None = None,
    source: Source | None = None,
) -> ScanAnswer:
    """Count one person in at one session's door, or say why not. `event` with its sessions loaded."""
    moment = clamp(scanned_at, event)
    session = next((s for s in event.sessions if s.code == session_code), None)
    staff_id = staff.id if staff else None
    client = connections.get("default")
    code, payload = _read_scan(scanned)
    batch = session is not None and code is not None and batched.applies()
    if scan_id and not batch:
        prior = await ScanLog.get_or_none(event_id=event.id, device=device, scan_id=scan_id)
        if prior is not None:
            return await _replay(event, prior)

    def decide(person: Person | None, found_by: Source) -> WriteArgs:
        result = Result.INVALID if session is None else Result.UNKNOWN if person is None else _verdict(person)
        text = "" if person else _printable(scanned[:40])
        return WriteArgs(
            event, session, person, result, moment, device, scan_id or None, staff_id, source or found_by, text
        )

    def in_thread(db: Any) -> ScanAnswer:
        person, found_by = None, Source.TYPED
        if session is not None:
            row = db.execute(LOOKUP, [session.id, event.id, code]).fetchone() if code else None
            person = _genuine(Person(**dict(row)) if row else None, payload, event, secret_key)
            found_by = Source.SCAN if payload else Source.TYPED
        return _write_in_thread(db, decide(person, found_by))

    try:
        if isinstance(client, ImmediateSqliteClient):
            answer: ScanAnswer = await client.group_commit.run(in_thread)
            return answer
        if session is None:
            return await write(decide(None, Source.TYPED))
        if batch:
            assert code is not None
            found = await batched.look_up(batched.Wanted(event.id, session.id, code, device, scan_id or None))
            if found.sent_before:
                return await _replay(event, await ScanLog.get(event_id=event.id, device=device, scan_id=scan_id))
            person = Person(**found.person) if found.person else None
        else:
            person = await _person(event, session, code) if code else None
        found_by = Source.SCAN if payload else Source.TYPED
        return await write(decide(_genuine(person, payload, event, secret_key), found_by))
    except IntegrityError:
        if not scan_id:
            raise
        # The same device sent the same scan_id at the same moment: the first one's answer stands.
        return await _replay(event, await ScanLog.get(event_id=event.id, device=device, scan_id=scan_id))


@dataclass(frozen=True)
class WriteArgs:
    event: Event
    session: Session | None
    person: Person | None
    result: Result
    moment: datetime
    device: str
    scan_id: str | None
    staff_id: int | None
    source: Source
    text: str


async def write(args: WriteArgs) -> ScanAnswer:
    """Count a decided scan in and log it; a seat that changed since it was read is answered as it is now."""
    client = connections.get("default")
    if isinstance(client, ImmediateSqliteClient):
        answer: ScanAnswer = await client.group_commit.run(lambda db: _write_in_thread(db, args))
        return answer
    if args.session is not None and batched.applies():
        return await _write_batched(args)
    return await _write(args)


async def _write_batched(args: WriteArgs) -> ScanAnswer:
    """`_write` for PostgreSQL outside a transaction, together with the other scans of the moment."""
    session, person = args.session, args.person
    assert session is not None
    written = await batched.write(
        batched.Write(
            event_id=args.event.id,
            session_id=session.id,
            registration_id=person.id if person else None,
            device=args.device,
            scan_id=args.scan_id,
            staff_id=args.staff_id,
            result=str(args.result),
            moment=args.moment,
            source=str(args.source),
            text=args.text,
            count=args.result == Result.OK and person is not None,
        )
    )
    if written is None:
        return await atomic(lambda: _write(args))
    return ScanAnswer(written.result, session, person, written.checked_in_at, written.device)


def _write_in_thread(db: Any, args: WriteArgs) -> ScanAnswer:
    """`_write` as plain sqlite3 calls, run in aiosqlite's thread: the whole scan in one trip."""
    answer = ScanAnswer(args.result, args.session, args.person)
    session, person = args.session, args.person
    if args.result == Result.OK and session is not None and person is not None:
        values = [person.id, session.id, args.moment, clock.now(), args.device, str(args.source), args.staff_id]
        inserted = db.execute(COUNT_IN, [*values, person.id, session.id, str(SeatStatus.CONFIRMED)]).fetchall()
        if inserted:
            answer = ScanAnswer(Result.OK, session, person, args.moment, args.device)
        else:
            first = db.execute(FIRST_CHECK_IN, [person.id, session.id]).fetchone()
            if first is not None:
                answer = ScanAnswer(
                    Result.ALREADY_CHECKED_IN, session, person, _as_datetime(first["checked_in_at"]), first["device"]
                )
            else:
                row = db.execute(LOOKUP, [session.id, args.event.id, person.code]).fetchone()
                now = Person(**dict(row)) if row else None
                answer = ScanAnswer(Result.UNKNOWN if now is None else _verdict(now), session, now)
    db.execute(LOG_SCAN, _log_values(args, answer))
    return answer


async def _write(args: WriteArgs) -> ScanAnswer:
    """Count the person in (while the seat is confirmed; a second insert is refused) and log the scan."""
    answer = ScanAnswer(args.result, args.session, args.person)
    session, person = args.session, args.person
    if args.result == Result.OK and session is not None and person is not None:
        values = [person.id, session.id, args.moment, clock.now(), args.device, str(args.source), args.staff_id]
        if await fetch(COUNT_IN, [*values, person.id, session.id, str(SeatStatus.CONFIRMED)]):
            answer = ScanAnswer(Result.OK, session, person, args.moment, args.device)
        elif (first := await _first_check_in(person.id, session.id)) is not None:
            answer = ScanAnswer(Result.ALREADY_CHECKED_IN, session, person, first[0], first[1])
        else:
            # The seat changed (cancelled, moved) since it was read: answer as it is now.
            now = await _person(args.event, session, person.code)
            answer = ScanAnswer(Result.UNKNOWN if now is None else _verdict(now), session, now)
    await execute(LOG_SCAN, _log_values(args, answer))
    return answer


def _log_values(args: WriteArgs, answer: ScanAnswer) -> list[Any]:
    session, person = args.session, args.person
    return [
        args.event.id,
        session.id if session else None,
        person.id if person else None,
        args.device,
        args.scan_id,
        args.staff_id,
        str(answer.result),
        args.moment,
        clock.now(),
        args.text,
    ]


async def undo(
    event: Event, registration_code: str, session_code: str, *, device: str = "", staff: StaffAccount | None = None
) -> bool:
    """Take back a mistaken check-in; the scan log keeps both. False when there was none."""
    session = next((s for s in event.sessions if s.code == session_code), None)
    code = codes.normalize_code(registration_code)
    if session is None or code is None:
        return False
    registration = await Registration.get_or_none(event=event, code=code)
    if registration is None:
        return False

    async def work() -> bool:
        removed = await CheckIn.filter(registration=registration, session=session).delete()
        if removed:
            await ScanLog.create(
                event_id=event.id,
                session=session,
                registration=registration,
                device=device,
                staff=staff,
                result=Result.UNDONE,
                scanned_at=clock.now(),
            )
        return bool(removed)

    return await atomic(work)
