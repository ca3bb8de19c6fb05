"""Organizers' changes to one registration: edit, move a seat, cancel, restore, replace the secret.

Each change runs in one transaction together with its `RegistrationChange` row, so a change and
its log entry are kept or lost together. Seat changes lock the sessions they touch first, in id
order, and count seats with `claim_seat`/`release_seat`, exactly as registering and cancelling
do (`events.registrations.seats`), so no move can ever put a session over its capacity.

The log's `details` say what changed: `{"name": ["old", "new"]}` for an edit,
`{"session": "day1", "from": "waitlisted", "to": "confirmed"}` for a seat, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field
from tortoise.exceptions import IntegrityError

from events import clock
from events.checkin.models import CheckIn
from events.database import atomic
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import Language
from events.i18n import gettext as _
from events.members.models import Membership
from events.members.standing import standing_under_turn
from events.money.ledger import settle_charges
from events.program.announce import event_changed
from events.program.models import Event, Session
from events.questions.models import Answer, Question
from events.registrations import service
from events.registrations.models import (
    Registration,
    RegistrationChange,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from events.registrations.seats import (
    claim_seat,
    give_seat,
    lock_sessions,
    overall_status,
    release_seat,
    settle_statuses,
    wait_at_the_end,
)
from events.staff.models import StaffAccount
from events.text import normalize_email
from events.validation import Email, Input, OptionalText, RequiredText


class Action:
    """The `action` of a log entry."""

    EDITED = "edited"
    SEAT_MOVED = "seat_moved"
    SEAT_ADDED = "seat_added"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    RESTORED = "restored"
    SECRET_REPLACED = "secret_replaced"
    MEMBERSHIP_CONFIRMED = "membership_confirmed"


class EmailInUse(Conflict):
    code = "already_registered"


class SessionFull(Conflict):
    code = "session_full"


class RegistrationEdit(Input):
    """What an organizer may change about a person. The e-mail address may be empty, as for a walk-in."""

    name: RequiredText
    name_reading: OptionalText = ""
    email: Email | Literal[""] = ""
    organization: OptionalText = ""
    category: str = Field(min_length=1, max_length=64)
    language: Language = Language.JA
    member_number: str = Field(default="", max_length=32)


EDITABLE = ("name", "name_reading", "email", "organization", "category", "language", "member_number")
#: Changes that make the roster be asked again whether the person is a member.
MEMBERSHIP_INPUTS = {"email", "category", "member_number"}


async def _log(registration_id: int, action: str, details: dict[str, Any], staff: StaffAccount | None) -> None:
    await RegistrationChange.create(registration_id=registration_id, staff=staff, action=action, details=details)


def _email_in_use(code: str | None = None) -> EmailInUse:
    if code is None:
        return EmailInUse(_("Another active registration of this event already uses this e-mail address."))
    return EmailInUse(
        _("Another active registration of this event (%(code)s) already uses this e-mail address.") % {"code": code}
    )


async def _holder_of(event_id: int, email_key: str, other_than: int) -> Registration | None:
    return await Registration.filter(event_id=event_id, active_email=email_key).exclude(id=other_than).first()


async def edit_registration(
    registration: Registration, data: RegistrationEdit, *, staff: StaffAccount | None
) -> dict[str, list[str]]:
    """Change a person's details; returns what changed as `{field: [before, after]}` (empty: nothing did).

    The category must be one of the event's; an active registration's e-mail address must not be
    another active registration's (the database's unique rule backs this up).
    """
    event = await Event.get(id=registration.event_id)  # type: ignore[attr-defined]
    if data.category not in event.category_codes:
        raise InvalidInput({"category": _("Choose one of: %(codes)s.") % {"codes": ", ".join(event.category_codes)}})

    async def work() -> dict[str, list[str]]:
        current = await Registration.filter(id=registration.id).select_for_update().get()
        changes = {
            field: [str(getattr(current, field)), str(getattr(data, field))]
            for field in EDITABLE
            if str(getattr(current, field)) != str(getattr(data, field))
        }
        if not changes:
            return {}
        email_key = normalize_email(data.email) or None
        active = current.status != RegistrationStatus.CANCELLED
        if active and email_key and email_key != current.active_email:
            holder = await _holder_of(event.id, email_key, current.id)
            if holder is not None:
                raise _email_in_use(holder.code)
        for field in EDITABLE:
            setattr(current, field, getattr(data, field))
        current.sort_name = service.sort_name(data.name, data.name_reading)
        current.active_email = email_key if active else None
        if MEMBERSHIP_INPUTS & changes.keys():
            standing = await standing_under_turn(
                event, data.category, data.email, data.member_number, other_than=current.id
            )
            current.member_number, current.membership = standing.number, standing.membership.value
        await current.save(update_fields=[*EDITABLE, "sort_name", "active_email", "membership", "updated_at"])
        if "category" in changes:
            await settle_charges([current.id], events=[event])  # another category, another price
        await _log(current.id, Action.EDITED, changes, staff)
        return changes

    try:
        changes = await atomic(work)
    except IntegrityError:
        raise _email_in_use() from None
    await registration.refresh_from_db()
    return changes


async def confirm_membership(registration: Registration, *, staff: StaffAccount | None) -> bool:
    """The desk saw proof of membership: the registration's membership is confirmed (False if it was)."""
    updated = await Registration.filter(id=registration.id, membership=Membership.TO_CONFIRM.value).update(
        membership=Membership.CONFIRMED.value, updated_at=clock.now()
    )
    if updated:
        await _log(registration.id, Action.MEMBERSHIP_CONFIRMED, {"member_number": registration.member_number}, staff)
        registration.membership = Membership.CONFIRMED.value
    return bool(updated)


async def _session_of(registration: Registration, session_code: str) -> Session:
    session = await Session.get_or_none(event_id=registration.event_id, code=session_code)  # type: ignore[attr-defined]
    if session is None:
        raise NotFound(_("There is no session of that code."))
    return session


async def _settle_status(registration_id: int) -> RegistrationStatus:
    """The registration's status from its seats (confirmed if any seat is), unless it is cancelled."""
    return (await settle_statuses([registration_id]))[registration_id][1]


async def _locked_seats(registration: Registration) -> list[Seat]:
    """Lock the sessions the registration holds seats in, then read its seats (with sessions) under the locks."""
    session_ids = await Seat.filter(registration_id=registration.id).values_list("session_id", flat=True)
    await lock_sessions([int(session_id) for session_id in session_ids])  # type: ignore[call-overload]
    seats = await Seat.filter(registration_id=registration.id).prefetch_related("session")
    return sorted(seats, key=lambda seat: seat.session.id)


async def _log_promotions(seats: list[Seat], because: Registration, staff: StaffAccount | None) -> None:
    """Log, on each promoted person's own record, the seat they got when `because` gave one up."""
    await RegistrationChange.bulk_create(
        [
            RegistrationChange(
                registration_id=seat.registration_id,  # type: ignore[attr-defined]
                staff=staff,
                action=Action.PROMOTED,
                details={
                    "session": seat.session.code,
                    "from": str(SeatStatus.WAITLISTED),
                    "to": str(SeatStatus.CONFIRMED),
                    "after": because.code,
                },
            )
            for seat in seats
        ]
    )


async def move_seat(
    registration: Registration, session_code: str, to: SeatStatus, *, staff: StaffAccount | None
) -> list[int]:
    """Move a seat off the waiting list (only if the session has room) or onto it.

    Moving a confirmed seat onto the waiting list frees it: the oldest waiting seat takes it, as
    when someone cancels, and this person waits at the end of the list. Returns the ids of the
    registrations promoted.
    """
    if to not in (SeatStatus.CONFIRMED, SeatStatus.WAITLISTED):
        raise InvalidInput({"to": _("Choose one of: %(codes)s.") % {"codes": "confirmed, waitlisted"}})
    session = await _session_of(registration, session_code)

    async def work() -> list[int]:
        await lock_sessions([session.id])
        seat = await Seat.get_or_none(registration_id=registration.id, session_id=session.id)
        if seat is None or seat.status == SeatStatus.CANCELLED:
            raise Conflict(_("This person holds no seat in that session."), code="no_seat")
        if seat.status == to:
            raise Conflict(_("The seat is already there."), code="unchanged")
        moment = clock.now()
        promoted: list[int] = []
        if to == SeatStatus.CONFIRMED:
            if await claim_seat(session.id) != SeatStatus.CONFIRMED:
                raise SessionFull(
                    _("%(session)s is full (%(capacity)s seats): no seat can be confirmed until one is freed.")
                    % {"session": session.title, "capacity": session.capacity}
                )
            await Seat.filter(id=seat.id).update(status=SeatStatus.CONFIRMED, promoted_at=moment, updated_at=moment)
        else:
            promoted = await release_seat(session.id)  # this seat is still confirmed: never promoted here
            await wait_at_the_end(registration.id, session.id)
        await _settle_status(registration.id)
        details = {"session": session.code, "from": str(seat.status), "to": str(to)}
        await _log(registration.id, Action.SEAT_MOVED, details, staff)
        if promoted:
            seats = await Seat.filter(session_id=session.id, registration_id__in=promoted).prefetch_related("session")
            await _log_promotions(seats, registration, staff)
        return promoted

    promoted = await atomic(work)
    await event_changed(registration.event_id)  # type: ignore[attr-defined]
    await registration.refresh_from_db()
    return promoted


async def add_seat(registration: Registration, session_code: str, *, staff: StaffAccount | None) -> SeatStatus:
    """A seat in a session the person does not hold (or gave up), by the rules of registering:
    confirmed if the session has room, else at the end of its waiting list. Returns the seat's status."""
    session = await _session_of(registration, session_code)

    async def work() -> SeatStatus:
        await lock_sessions([session.id])
        current = await Registration.get(id=registration.id)
        if current.status == RegistrationStatus.CANCELLED:
            raise Conflict(_("This registration is cancelled: restore it first."), code="already_cancelled")
        seat = await Seat.get_or_none(registration_id=registration.id, session_id=session.id)
        if seat is not None and seat.status != SeatStatus.CANCELLED:
            raise Conflict(_("The seat is already there."), code="unchanged")
        status = await give_seat(registration.id, session.id)
        await settle_statuses([registration.id])
        before = "none" if seat is None else str(seat.status)
        await _log(
            registration.id, Action.SEAT_ADDED, {"session": session.code, "from": before, "to": str(status)}, staff
        )
        return status

    status = await atomic(work)
    await event_changed(registration.event_id)  # type: ignore[attr-defined]
    await registration.refresh_from_db()
    return status


async def cancel(registration: Registration, *, staff: StaffAccount | None, keep_fee: bool = True) -> list[int]:
    """Cancel as the participant can (`service.cancel`), logged; refused when already cancelled.
    The cancellation policy's fee is kept unless `keep_fee` is false (the organizer waives it).

    Returns the ids of the registrations promoted into the freed seats; each gets a log entry too.
    """

    async def work() -> list[int]:
        seats = await _locked_seats(registration)
        current = await Registration.get(id=registration.id)
        if current.status == RegistrationStatus.CANCELLED:
            raise Conflict(_("This registration is already cancelled."), code="already_cancelled")
        freed = [seat.session.id for seat in seats if seat.status == SeatStatus.CONFIRMED]
        started = clock.now()
        promoted = await service.cancel(registration, keep_fee=keep_fee)  # a savepoint inside this transaction
        await _log(registration.id, Action.CANCELLED, {"status": [str(current.status), "cancelled"]}, staff)
        if promoted:
            taken = await Seat.filter(
                registration_id__in=promoted,
                session_id__in=freed,
                status=SeatStatus.CONFIRMED,
                promoted_at__gte=started,
            ).prefetch_related("session")
            await _log_promotions(taken, registration, staff)
        return promoted

    promoted = await atomic(work)
    await event_changed(registration.event_id)  # type: ignore[attr-defined]
    await registration.refresh_from_db()
    return promoted


async def restore(registration: Registration, *, staff: StaffAccount | None) -> dict[str, SeatStatus]:
    """Bring a cancelled registration back: each seat confirmed where there is room, else waiting at the end.

    Refused when its e-mail address has since been used by another active registration of the
    event. Returns each session code's new seat status.
    """

    async def work() -> dict[str, SeatStatus]:
        seats = await _locked_seats(registration)
        current = await Registration.filter(id=registration.id).select_for_update().get()
        if current.status != RegistrationStatus.CANCELLED:
            raise Conflict(_("Only a cancelled registration can be restored."), code="not_cancelled")
        if current.erased_at is not None:
            raise Conflict(_("This person's data was erased; they can register again."), code="erased")
        if not seats:
            raise Conflict(_("This registration holds no session to restore."), code="no_seat")
        email_key = normalize_email(current.email) or None
        if email_key:
            holder = await _holder_of(current.event_id, email_key, current.id)  # type: ignore[attr-defined]
            if holder is not None:
                raise _email_in_use(holder.code)
        moment = clock.now()
        outcome: dict[str, SeatStatus] = {}
        for seat in seats:
            outcome[seat.session.code] = await give_seat(registration.id, seat.session.id)
        overall = overall_status(list(outcome.values()))
        await Registration.filter(id=registration.id).update(
            status=overall, active_email=email_key, cancelled_at=None, updated_at=moment
        )
        details = {"status": ["cancelled", str(overall)], "seats": {code: str(s) for code, s in outcome.items()}}
        await _log(registration.id, Action.RESTORED, details, staff)
        return outcome

    try:
        outcome = await atomic(work)
    except IntegrityError:
        # Someone registered with the same address between our check and our write.
        raise _email_in_use() from None
    await event_changed(registration.event_id)  # type: ignore[attr-defined]
    await registration.refresh_from_db()
    return outcome


async def replace_secret(registration: Registration, *, staff: StaffAccount | None) -> Registration:
    """New links and a new badge QR code (`service.replace_secret`), logged; the secret itself never is."""

    async def work() -> Registration:
        await service.replace_secret(registration)
        await _log(registration.id, Action.SECRET_REPLACED, {}, staff)
        return registration

    return await atomic(work)


# Reading what the detail page shows.


async def changes_of(registration: Registration) -> list[RegistrationChange]:
    """The registration's log, newest first, with the staff accounts."""
    return await RegistrationChange.filter(registration_id=registration.id).prefetch_related("staff").order_by("-id")


async def checkins_of(registration: Registration) -> list[CheckIn]:
    return await CheckIn.filter(registration_id=registration.id).prefetch_related("session").order_by("checked_in_at")


@dataclass(frozen=True)
class AnswerShown:
    question: Question
    #: The answer as stored (text, a choice, a list of choices, yes/no), None if not answered.
    value: str | list[str] | bool | None


async def answers_of(registration: Registration) -> list[AnswerShown]:
    """Each of the event's questions with this person's answer, in the form's order."""
    questions = await Question.filter(event_id=registration.event_id).order_by("position", "id")  # type: ignore[attr-defined]
    if not questions:
        return []
    given = {
        answer.question_id: answer.value  # type: ignore[attr-defined]
        for answer in await Answer.filter(registration_id=registration.id)
    }
    return [AnswerShown(question, given.get(question.id)) for question in questions]
