"""The door's rules, apart from any database: who a scan names, whether they may come in, what is said.

The answers (the contract's table):

    ok                  counted now
    already_checked_in  counted before: the first time and device are given back
    not_registered      the registration holds no seat in that session
    waitlisted          it holds the session only on the waiting list
    cancelled           the registration was cancelled
    unknown             no such registration in this event, or a forged, altered or replaced badge
    invalid             no session of that code

and, where the session counts exits, the way out:

    out                 counted out now
    not_inside          not inside (never came in here, or left already)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.badges import tokens
from events.checkin.models import Result, Source
from events.program.models import Event, Session
from events.registrations import codes
from events.registrations.models import RegistrationStatus, SeatStatus

STATUS = {
    Result.OK: 201,
    Result.ALREADY_CHECKED_IN: 200,
    Result.NOT_REGISTERED: 409,
    Result.WAITLISTED: 409,
    Result.CANCELLED: 409,
    Result.UNKNOWN: 404,
    Result.INVALID: 422,
    Result.OUT: 201,
    Result.NOT_INSIDE: 409,
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
    #: What is still to pay (the door says "¥2,000 to pay at the desk", and nothing else of the ledger).
    amount_due: int = 0


@dataclass(frozen=True)
class ScanAnswer:
    result: Result
    session: Session | None = None
    person: Person | None = None
    checked_in_at: datetime | None = None
    device: str = ""
    #: Where the session counts exits: who is inside now, after this scan.
    inside: int | None = None
    #: Whether the scan is a row of the scan log (every scan is, but a way out of no session).
    logged: bool = True

    @property
    def status_code(self) -> int:
        return STATUS[self.result]


@dataclass(frozen=True)
class Decision:
    """A scan as the rules decided it, for a store to write: count the person in when `result` is OK
    (if the seat still is confirmed then), and log the scan either way."""

    event: Event
    session: Session | None
    person: Person | None
    result: Result
    moment: datetime
    device: str
    scan_id: str | None
    staff_id: int | None
    source: Source
    #: What was scanned, for the log, when it named nobody.
    text: str


def read_scan(scanned: str) -> tuple[str | None, tokens.BadgePayload | None]:
    """The registration code a scan names, and the signed badge payload when it is one."""
    payload = tokens.parse(scanned)
    if payload is not None:
        return payload.code, payload
    return codes.normalize_code(scanned), None


def genuine(person: Person | None, payload: tokens.BadgePayload | None, event: Event, secret_key: str) -> Person | None:
    """The person, unless the badge's signature is not this server's for them (forged, replaced)."""
    if person is None or payload is None:
        return person
    return person if tokens.verify(secret_key, payload, event.id, person.secret, event.badge_key) else None


def verdict(person: Person) -> Result:
    """OK when the registration holds a confirmed seat in the session, else why not."""
    if person.status == RegistrationStatus.CANCELLED:
        return Result.CANCELLED
    if person.seat_status in (None, SeatStatus.CANCELLED):
        return Result.NOT_REGISTERED
    if person.seat_status == SeatStatus.WAITLISTED:
        return Result.WAITLISTED
    return Result.OK


def printable(text: str) -> str:
    """What may go into the log: control characters (NUL among them) shown as `?`."""
    return "".join(char if char.isprintable() else "?" for char in text)
