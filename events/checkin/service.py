"""The door: who is counted, once, at which session, and what the scanner is told.

One entry point, `check_in`, as in pretix's `perform_checkin`: the rules (`events.checkin.rules`)
decide, the database's store (`events.checkin.stores`, chosen once per connection) looks the scan
up and writes it. Every scan, refused ones too, is logged; a scan sent again with the same
device-side `scan_id` gets its first answer back and counts nothing new.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from tortoise.exceptions import IntegrityError

from events import clock
from events.checkin import presence, stores
from events.checkin.models import CheckIn, Result, ScanLog, Source
from events.checkin.rules import STATUS, Decision, Person, ScanAnswer, genuine, printable, read_scan, verdict
from events.database import atomic
from events.errors import InvalidInput
from events.i18n import gettext as _
from events.program.models import Event, Session
from events.registrations import codes
from events.registrations.models import Registration
from events.staff.models import StaffAccount

__all__ = ["STATUS", "Person", "ScanAnswer", "check_in", "check_out", "find", "off_day", "scan_time", "undo"]

#: The answers that mean the person may be in the room: counted now, or before.
COUNTED = (Result.OK, Result.ALREADY_CHECKED_IN)


#: A device's clock may run this far ahead of the server's (a phone set by hand) and still be believed.
CLOCK_SKEW = timedelta(minutes=5)
#: A scan queued on a device that lost the network is believed this long after it was made.
OFFLINE_AT_MOST = timedelta(days=2)


def scan_time(moment: datetime | None) -> datetime:
    """When a scan happened: the device's own time when it gives one (a scan queued offline), unless
    that time cannot be right (ahead of now, or older than any queue is kept), then the server's.
    A scan on a day the session is not held keeps its real time: the door is told so (`off_day`),
    and the reports draw arrivals on the session's own days only."""
    now = clock.now()
    if moment is None or moment > now + CLOCK_SKEW or moment < now - OFFLINE_AT_MOST:
        return now
    return min(moment, now).astimezone(UTC)


def off_day(session: Session, moment: datetime, timezone: str) -> date | None:
    """The session's first day when `moment` falls on none of its days (a test run before the event,
    a late scan), for the door to be told; None on a day it is held."""
    day = clock.local(moment, timezone).date()
    first = clock.local(session.starts_at, timezone).date()
    last = clock.local(session.ends_at, timezone).date()
    return None if first <= day <= last else first


async def find(event: Event, session: Session, scanned: str, secret_key: str) -> tuple[Person | None, Source]:
    """The registration a scanned badge or a typed code names, within this event; None if forged or unknown."""
    code, payload = read_scan(scanned)
    person = await stores.person(event.id, session, code) if code else None
    return genuine(person, payload, event, secret_key), Source.SCAN if payload else Source.TYPED


async def _replay(event: Event, device: str, scan_id: str) -> ScanAnswer:
    """The answer a scan got the first time (for a retry with the same device and scan_id)."""
    prior = await ScanLog.get(event_id=event.id, device=device, scan_id=scan_id)
    session = next((s for s in event.sessions if s.id == prior.session_id), None)  # type: ignore[attr-defined]
    person = None
    checked_in_at, first_device = None, ""
    if session is not None and prior.registration_id is not None:  # type: ignore[attr-defined]
        registration = await Registration.get(id=prior.registration_id)  # type: ignore[attr-defined]
        person = await stores.person(event.id, session, registration.code)
        first = await stores.first_check_in(registration.id, session.id)
        if first is not None:
            checked_in_at, first_device = first
    return ScanAnswer(Result(prior.result), session, person, checked_in_at, first_device)


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
    moment = scan_time(scanned_at)
    session = next((s for s in event.sessions if s.code == session_code), None)
    code, payload = read_scan(scanned)
    found_by = Source.SCAN if payload and session is not None else Source.TYPED

    def decide(found: Person | None) -> Decision:
        person = genuine(found, payload, event, secret_key)
        result = Result.INVALID if session is None else Result.UNKNOWN if person is None else verdict(person)
        text = "" if person else printable(scanned[:40])
        staff_id = staff.id if staff else None
        how = source or found_by
        return Decision(event, session, person, result, moment, device, scan_id or None, staff_id, how, text)

    scan = stores.Scan(event.id, session, code if session is not None else None, device, scan_id or None)
    try:
        answer = await stores.door_store().scan(scan, decide)
    except IntegrityError:
        if not scan_id:
            raise
        answer = stores.SENT_BEFORE  # the same device sent the same scan_id at the same moment: the first stands
    if isinstance(answer, stores.SentBefore):
        assert scan_id
        return await _replay(event, device, scan_id)
    if session is not None and session.exits and answer.person is not None and answer.result in COUNTED:
        # Counted in the room too; back in after leaving is `ok` again, and counts nothing new in attendance.
        moved = await presence.enter(answer.person.id, session, moment)
        result = Result.OK if moved.changed else answer.result
        return replace(answer, result=result, inside=moved.inside)
    return answer


async def check_out(
    event: Event,
    scanned: str,
    session_code: str,
    *,
    secret_key: str,
    device: str = "",
    scan_id: str | None = None,
    scanned_at: datetime | None = None,
    staff: StaffAccount | None = None,
) -> ScanAnswer:
    """Count one person out of a session that counts exits (`out`), or say they are not inside.
    Logged as every scan is; a scan_id sent again gets its first answer and counts nothing new."""
    moment = scan_time(scanned_at)
    session = next((s for s in event.sessions if s.code == session_code), None)
    if session is None:
        return ScanAnswer(Result.INVALID, logged=False)  # a way out of no session: nothing to log
    if not session.exits:
        raise InvalidInput({"session": _("This session does not count exits: turn them on in its settings.")})
    person, _how = await find(event, session, scanned, secret_key)

    async def work() -> ScanAnswer:
        log = ScanLog(
            event_id=event.id,
            session=session,
            registration_id=person.id if person else None,
            device=device,
            scan_id=scan_id or None,
            staff=staff,
            scanned_at=moment,
            text="" if person else printable(scanned[:40]),
        )
        if person is None:
            log.result = Result.UNKNOWN
            await log.save()
            return ScanAnswer(Result.UNKNOWN, session)
        moved = await presence.leave(person.id, session, moment)
        log.result = Result.OUT if moved.changed else Result.NOT_INSIDE
        await log.save()
        return ScanAnswer(Result(log.result), session, person, inside=moved.inside)

    try:
        return await atomic(work)
    except IntegrityError:
        if not scan_id:
            raise
        prior = await ScanLog.get(event_id=event.id, device=device, scan_id=scan_id)
        inside = (await presence.occupancy(event)).get(session.id)
        return ScanAnswer(Result(prior.result), session, person, inside=inside.inside if inside else None)


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
        if removed and session.exits:
            await presence.leave(registration.id, session)  # not counted in: not in the room either
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
