"""Personal data: erased when the event's retention ends or the person asks; handed over on request.

Erasing keeps everything that counts (the registration row with its category, language and
status, its seats, check-ins and choice answers), so every report figure stays as it was, and
removes everything that identifies: name, reading, e-mail, organization, free-text answers, the
values in the staff change log, the e-mails queued or sent. The secret is replaced, so the
person's links and badge stop working.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from events import clock
from events.checkin.models import CheckIn, ScanLog
from events.database import atomic
from events.mail.models import OutboxMessage
from events.money.models import LedgerEntry, Receipt
from events.program.models import Event
from events.questions.models import Answer, QuestionKind
from events.registrations import codes
from events.registrations.models import Registration, RegistrationChange, RegistrationStatus, Seat
from events.registrations.service import cancel

#: What an erased person's name reads as on lists and reports.
ERASED_NAME = "—"
FREE_TEXT = (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
#: Rows per statement, well under SQLite's limit on bound variables.
CHUNK = 500


async def erase(registration_ids: list[int]) -> int:
    """Erase these registrations' personal data (in one transaction); returns how many were erased."""
    if not registration_ids:
        return 0

    async def work() -> int:
        moment = clock.now()
        erased = 0
        for start in range(0, len(registration_ids), CHUNK):
            ids = registration_ids[start : start + CHUNK]
            await Answer.filter(registration_id__in=ids, question__kind__in=FREE_TEXT).delete()
            await RegistrationChange.filter(registration_id__in=ids).update(details={"erased": True})
            await OutboxMessage.filter(registration_id__in=ids).delete()
            # Money keeps every amount, method and date; the names on it go.
            await Receipt.filter(registration_id__in=ids).update(addressee="")
            await LedgerEntry.filter(registration_id__in=ids).update(note="")
            for registration_id in ids:
                # Each its own secret: the column is unique, and the old links must stop working.
                erased += await Registration.filter(id=registration_id).update(
                    name=ERASED_NAME,
                    name_reading="",
                    sort_name="",
                    email="",
                    active_email=None,
                    organization="",
                    receipt_addressee="",
                    member_number="",
                    secret=codes.new_secret(),
                    erased_at=moment,
                    updated_at=moment,
                )
        return erased

    return await atomic(work)


async def erase_own(registration: Registration) -> None:
    """A participant's own request from their page: give up every seat (the waiting list moves up),
    then erase. What they attended still counts, without their name."""
    if registration.status != RegistrationStatus.CANCELLED:
        await cancel(registration)
    await erase([registration.id])


async def purge_event(event: Event) -> int:
    """Erase every participant of this event (those not erased yet); the event notes when."""
    ids = await Registration.filter(event_id=event.id, erased_at__isnull=True).values_list("id", flat=True)
    erased = await erase([int(registration_id) for registration_id in ids])  # type: ignore[call-overload]
    await Event.filter(id=event.id).update(purged_at=clock.now())
    return erased


async def events_due(today: date) -> list[Event]:
    """Events whose retention has run out and whose participants are not erased yet."""
    candidates = await Event.filter(purged_at__isnull=True).order_by("ends_on", "id")
    return [event for event in candidates if event.purge_on <= today]


def _when(moment: datetime | None, timezone: str) -> str | None:
    return clock.isoformat(moment, timezone)


async def personal_data(registration: Registration) -> dict[str, Any]:
    """Everything kept about one person, for their right of access (as JSON)."""
    event: Event = registration.event
    zone = event.timezone
    seats = await Seat.filter(registration=registration).prefetch_related("session")
    checkins = await CheckIn.filter(registration=registration).prefetch_related("session")
    scans = await ScanLog.filter(registration=registration).prefetch_related("session").order_by("id")
    answers = await Answer.filter(registration=registration).prefetch_related("question")
    changes = await RegistrationChange.filter(registration=registration).order_by("id")
    mail = await OutboxMessage.filter(registration=registration).order_by("id")
    return {
        "event": {"slug": event.slug, "title": event.title, "starts_on": str(event.starts_on)},
        "registration": {
            "code": registration.code,
            "name": registration.name,
            "name_reading": registration.name_reading,
            "email": registration.email,
            "organization": registration.organization,
            "category": registration.category,
            "member_number": registration.member_number,
            "membership": registration.membership,
            "language": str(registration.language),
            "status": str(registration.status),
            "registered_at": _when(registration.created_at, zone),
            "cancelled_at": _when(registration.cancelled_at, zone),
            "erased_at": _when(registration.erased_at, zone),
        },
        "sessions": [
            {"session": seat.session.code, "title": seat.session.title, "status": str(seat.status)} for seat in seats
        ],
        "answers": {answer.question.code: answer.value for answer in answers},
        "check_ins": [
            {"session": checkin.session.code, "at": _when(checkin.checked_in_at, zone), "how": str(checkin.source)}
            for checkin in checkins
        ],
        "scans": [
            {
                "session": scan.session.code if scan.session else None,
                "at": _when(scan.scanned_at, zone),
                "device": scan.device,
                "result": str(scan.result),
            }
            for scan in scans
        ],
        "changes_by_staff": [
            {"at": _when(change.created_at, zone), "action": change.action, "details": change.details}
            for change in changes
        ],
        "e_mails": [
            {
                "kind": str(message.kind),
                "to": message.recipient,
                "status": str(message.status),
                "queued_at": _when(message.created_at, zone),
                "sent_at": _when(message.sent_at, zone),
            }
            for message in mail
        ],
    }
