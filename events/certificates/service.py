"""Who earned a certificate, issuing it once with its number, and the signed link that confirms it.

An event sets its rule: at least N of its sessions attended (`certificate_min_sessions`), or every
one of a chosen set (`certificate_sessions`), or both. Attended means checked in at the door, on
any day: a lecture series over months counts the same as a two-day workshop. A certificate is
issued the first time it is asked for, numbered in that order within the event (the unique rule
on the number backs the count), and the same one is given each time after. The QR code on it is a
link to a public page, signed with the server's key over the event, number and registration, so
a link cannot be made up or altered; the page says the issuer, the event, how many sessions and
the name (nothing more), and keeps confirming after the person's data is erased, without the name.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from events import clock
from events.certificates.models import Certificate
from events.database import atomic, fetch
from events.errors import Conflict, NotFound
from events.i18n import gettext as _
from events.program.models import Event, Session
from events.registrations.models import Registration, RegistrationStatus

ATTENDED = 'SELECT "session_id", "checked_in_at" FROM "checkin" WHERE "registration_id" = ?'
#: Every check-in of the event's people, for the organizers' list and PDF (one query, not one a person).
EVENT_ATTENDED = (
    'SELECT c."registration_id", c."session_id", c."checked_in_at" FROM "checkin" c '
    'JOIN "registration" r ON r."id" = c."registration_id" WHERE r."event_id" = ?'
)
NEXT_NUMBER = 'SELECT COALESCE(MAX("number"), 0) + 1 AS "next" FROM "certificate" WHERE "event_id" = ?'
#: Hex characters of the signature in a link: 64 bits, far beyond guessing, short enough for a small QR.
SIGNATURE_LENGTH = 16
ATTEMPTS = 5


class NotEligible(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_eligible")


@dataclass(frozen=True)
class Attendance:
    """The sessions a person attended, in the event's order, with when they came in."""

    sessions: list[tuple[Session, datetime]]

    @property
    def codes(self) -> set[str]:
        return {session.code for session, _at in self.sessions}


async def attendance_of(registration: Registration, event: Event) -> Attendance:
    rows = {int(row["session_id"]): row["checked_in_at"] for row in await fetch(ATTENDED, [registration.id])}
    return _attendance(event, rows)


async def attendances(event: Event) -> dict[int, Attendance]:
    """Each registration's attendance (those with at least one check-in), read in one query."""
    by_person: dict[int, dict[int, Any]] = {}
    for row in await fetch(EVENT_ATTENDED, [event.id]):
        by_person.setdefault(int(row["registration_id"]), {})[int(row["session_id"])] = row["checked_in_at"]
    return {person: _attendance(event, rows) for person, rows in by_person.items()}


def _attendance(event: Event, rows: dict[int, Any]) -> Attendance:
    """The sessions of `rows` (session id → check-in time) in the event's order."""
    attended = []
    for session in event.sessions:
        if session.id in rows:
            moment = rows[session.id]
            attended.append((session, datetime.fromisoformat(moment) if isinstance(moment, str) else moment))
    return Attendance(attended)


def eligible(event: Event, attended: Attendance) -> bool:
    """Whether the event's rule is met (False when the event issues no certificates)."""
    if not event.issues_certificates:
        return False
    if event.certificate_min_sessions and len(attended.sessions) < event.certificate_min_sessions:
        return False
    return set(event.certificate_sessions or []) <= attended.codes


def rule_text(event: Event, sessions: list[Session] | None = None) -> str:
    """The rule in the reader's words (`sessions`: the event's, when they are not loaded with it)."""
    parts = []
    if event.certificate_min_sessions:
        parts.append(_("at least %(count)s sessions attended") % {"count": event.certificate_min_sessions})
    if event.certificate_sessions:
        titles = [
            s.title for s in (event.sessions if sessions is None else sessions) if s.code in event.certificate_sessions
        ]
        parts.append(_("every one of: %(sessions)s") % {"sessions": ", ".join(titles)})
    return "; ".join(parts)


async def certificate_for(
    registration: Registration, event: Event, attended: Attendance | None = None
) -> tuple[Certificate, Attendance]:
    """The person's certificate, issued now if this is the first time; `NotFound` when the event issues
    none, `NotEligible` when the rule is not met (or the event's personal data was purged and none was
    issued before)."""
    if not event.issues_certificates:
        raise NotFound(_("This event issues no certificates."))
    if attended is None:
        attended = await attendance_of(registration, event)
    existing = await Certificate.get_or_none(event_id=event.id, registration_id=registration.id)
    if existing is not None:
        return existing, attended
    if event.purged_at is not None or registration.erased_at is not None:
        raise NotEligible(_("This event's personal data has been erased: no new certificate can be issued."))
    if registration.status == RegistrationStatus.CANCELLED or not eligible(event, attended):
        raise NotEligible(
            _("Not eligible yet: the certificate needs %(rule)s; %(count)s attended so far.")
            % {"rule": rule_text(event), "count": len(attended.sessions)}
        )
    for _attempt in range(ATTEMPTS):
        try:
            return await atomic(lambda: _issue(registration, event, len(attended.sessions))), attended
        except IntegrityError:
            # The same person at the same moment (theirs is issued now), or another took the number.
            existing = await Certificate.get_or_none(event_id=event.id, registration_id=registration.id)
            if existing is not None:
                return existing, attended
    raise Conflict(_("Could not issue the certificate just now; please try again."), code="busy")


async def _issue(registration: Registration, event: Event, sessions: int) -> Certificate:
    rows = await fetch(NEXT_NUMBER, [event.id])
    return await Certificate.create(
        event_id=event.id,
        registration_id=registration.id,
        number=int(rows[0]["next"]),
        sessions=sessions,
        issued_at=clock.now(),
    )


def number_text(certificate: Certificate) -> str:
    return f"{certificate.number:04d}"


def signature(secret_key: str, certificate: Certificate) -> str:
    message = f"certificate:{certificate.event_id}:{certificate.number}:{certificate.registration_id}"  # type: ignore[attr-defined]
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def reference(secret_key: str, certificate: Certificate) -> str:
    """What the link carries: the number and its signature (`0007-3f9a…`)."""
    return f"{number_text(certificate)}-{signature(secret_key, certificate)}"


@dataclass(frozen=True)
class Verified:
    certificate: Certificate
    event: Event
    #: Empty when the person's data has been erased.
    name: str


async def verify(event_slug: str, ref: str, secret_key: str) -> Verified:
    """The certificate a link names, if its signature holds; `NotFound` for anything else."""
    refused = NotFound(_("This certificate link is not valid."))
    number, _dash, signed = ref.partition("-")
    if not number.isdecimal() or len(number) > 9 or len(signed) != SIGNATURE_LENGTH:
        raise refused
    event = await Event.get_or_none(slug=event_slug)
    if event is None:
        raise refused
    certificate = await Certificate.get_or_none(event_id=event.id, number=int(number))
    if certificate is None or not hmac.compare_digest(signature(secret_key, certificate), signed):
        raise refused
    registration = await Registration.get(id=certificate.registration_id)  # type: ignore[attr-defined]
    return Verified(certificate, event, "" if registration.erased_at else registration.name)
