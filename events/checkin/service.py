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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError

from events import clock
from events.badges import tokens
from events.badges.service import identify
from events.checkin.models import CheckIn, Result, ScanLog, Source
from events.database import atomic, fetch
from events.program.models import Event, Session
from events.registrations import codes
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
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
class ScanAnswer:
    result: Result
    session: Session | None = None
    registration: Registration | None = None
    checked_in_at: datetime | None = None
    device: str = ""

    @property
    def status_code(self) -> int:
        return STATUS[self.result]

    @property
    def counted(self) -> bool:
        return self.result in (Result.OK, Result.ALREADY_CHECKED_IN)


def clamp(moment: datetime | None, event: Event) -> datetime:
    """A scan's time: the device's when given (queued offline), kept within the event's days and not in the future."""
    now = clock.now()
    if moment is None:
        return now
    earliest = clock.start_of_day(event.starts_on, event.timezone)
    latest = min(clock.end_of_day(event.ends_on, event.timezone), now)
    return max(earliest, min(moment, latest)).astimezone(UTC)


async def find(event: Event, scanned: str, secret_key: str) -> tuple[Registration | None, Source]:
    """The registration a scanned badge or a typed code names, within this event."""
    if tokens.parse(scanned) is not None:
        return await identify(event, scanned, secret_key), Source.SCAN
    code = codes.normalize_code(scanned)
    if code is None:
        return None, Source.TYPED
    return await Registration.get_or_none(event=event, code=code), Source.TYPED


def _printable(text: str) -> str:
    """What may go into the log: control characters (NUL among them) shown as `?`."""
    return "".join(char if char.isprintable() else "?" for char in text)


async def _replay(prior: ScanLog) -> ScanAnswer:
    """The answer a scan got the first time (for a retry with the same device and scan_id)."""
    session = await Session.get_or_none(id=prior.session_id) if prior.session_id else None  # type: ignore[attr-defined]
    registration = await Registration.get_or_none(id=prior.registration_id) if prior.registration_id else None  # type: ignore[attr-defined]
    checked_in_at, device = None, ""
    if session is not None and registration is not None:
        first = await CheckIn.get_or_none(registration=registration, session=session)
        if first is not None:
            checked_in_at, device = first.checked_in_at, first.device
    return ScanAnswer(Result(prior.result), session, registration, checked_in_at, device)


async def _refusal(registration: Registration, session: Session) -> Result:
    """OK when the registration holds a confirmed seat in the session, else why not."""
    seat = await Seat.get_or_none(registration=registration, session=session)
    seat_cancelled = seat is not None and seat.status == SeatStatus.CANCELLED
    if registration.status == RegistrationStatus.CANCELLED or seat_cancelled:
        # Read it again: it may have been cancelled since it was looked up.
        await registration.refresh_from_db(fields=["status"])
        if registration.status == RegistrationStatus.CANCELLED:
            return Result.CANCELLED
    if seat is None or seat.status == SeatStatus.CANCELLED:
        return Result.NOT_REGISTERED
    if seat.status == SeatStatus.WAITLISTED:
        return Result.WAITLISTED
    return Result.OK


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
    if scan_id:
        prior = await ScanLog.get_or_none(event_id=event.id, device=device, scan_id=scan_id)
        if prior is not None:
            return await _replay(prior)
    session = next((s for s in event.sessions if s.code == session_code), None)
    registration: Registration | None = None
    found_by = Source.TYPED
    if session is None:
        result = Result.INVALID
    else:
        registration, found_by = await find(event, scanned, secret_key)
        result = Result.UNKNOWN if registration is None else await _refusal(registration, session)
    text = _printable(scanned[:40]) if registration is None else ""

    async def work() -> ScanAnswer:
        answer = ScanAnswer(result, session, registration)
        if result == Result.OK and session is not None and registration is not None:
            answer = await _count(registration, session, moment, device, staff, source or found_by)
        await ScanLog.create(
            event_id=event.id,
            session=session,
            registration=registration,
            device=device,
            scan_id=scan_id or None,
            staff=staff,
            result=answer.result,
            scanned_at=moment,
            text=text,
        )
        return answer

    try:
        return await atomic(work)
    except IntegrityError:
        if not scan_id:
            raise
        # The same device sent the same scan_id at the same moment: the first one's answer stands.
        return await _replay(await ScanLog.get(event_id=event.id, device=device, scan_id=scan_id))


COUNT_IN = (
    'INSERT INTO "checkin" ("registration_id", "session_id", "checked_in_at", "created_at", "device", "source", '
    '"staff_id") SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS '
    '(SELECT 1 FROM "seat" WHERE "registration_id" = ? AND "session_id" = ? AND "status" = ?) '
    'ON CONFLICT ("registration_id", "session_id") DO NOTHING RETURNING "id"'
)


async def _count(
    registration: Registration,
    session: Session,
    moment: datetime,
    device: str,
    staff: StaffAccount | None,
    source: Source,
) -> ScanAnswer:
    """Insert the check-in while the seat is confirmed; a second one (any device, same moment) is refused."""
    staff_id = staff.id if staff else None
    confirmed = str(SeatStatus.CONFIRMED)
    values = [registration.id, session.id, moment, clock.now(), device, str(source), staff_id]
    inserted = await fetch(COUNT_IN, [*values, registration.id, session.id, confirmed])
    if inserted:
        return ScanAnswer(Result.OK, session, registration, moment, device)
    first = await CheckIn.get_or_none(registration=registration, session=session)
    if first is not None:
        return ScanAnswer(Result.ALREADY_CHECKED_IN, session, registration, first.checked_in_at, first.device)
    # The seat changed (cancelled, moved) since it was read: answer as it is now.
    await registration.refresh_from_db()
    return ScanAnswer(await _refusal(registration, session), session, registration)


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
