"""Registering, looking up and cancelling: one person, one event, a seat per chosen session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from tortoise.exceptions import IntegrityError

from events import clock, links
from events.calendars import Entry, calendar
from events.database import atomic
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import gettext as _
from events.mail import outbox
from events.mail.models import MailKind, MailStatus, OutboxMessage
from events.members.standing import NOT_A_MEMBER_CATEGORY, Standing, standing_of
from events.money import cancellation
from events.program.announce import event_changed
from events.program.models import DEFAULT_CATEGORY, Event, Session
from events.program.service import registration_open
from events.questions import service as questions
from events.registrations import codes, one_step
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.registrations.schemas import RegistrationInput
from events.registrations.seats import give_seat, lock_sessions, release_seat, settle_statuses
from events.text import normalize_email

#: A new code is drawn this many times if it happens to be taken already.
CODE_ATTEMPTS = 5


class RegistrationClosed(Conflict):
    code = "registration_closed"


class AlreadyRegistered(Conflict):
    code = "already_registered"


@dataclass(frozen=True)
class Registered:
    registration: Registration
    seats: list[tuple[Session, SeatStatus]]


async def sessions_of(event: Event) -> list[Session]:
    """The event's sessions, from the event when they were fetched with it."""
    if getattr(event.sessions, "_fetched", False):
        return list(event.sessions)
    return await Session.filter(event=event)


def sort_name(name: str, reading: str) -> str:
    return (reading or name).casefold()[:200]


async def register(event: Event, data: RegistrationInput) -> Registered:
    """Register one person: each chosen session is confirmed while it has room, else waitlisted.

    What it writes is decided first; the registration, its answers, its confirmation, its seats and
    its charges are then written in one step, or none of them (`events.registrations.one_step`).
    The roster is read before: the organization's units it counts against are counted again there.
    """
    if not registration_open(event):
        raise RegistrationClosed(_("Registration for this event is closed."))
    sessions = {session.code: session for session in await sessions_of(event) if session.code in data.sessions}
    unknown = [code for code in data.sessions if code not in sessions]
    if unknown:
        raise InvalidInput({"sessions": _("No such session in this event: %(codes)s.") % {"codes": ", ".join(unknown)}})
    category = data.category or DEFAULT_CATEGORY
    offered = event.categories if data.staff_categories else event.public_categories
    if category not in [choice["code"] for choice in offered]:
        labels = ", ".join(event.category_label(choice["code"]) for choice in offered)
        raise InvalidInput({"category": _("Choose one of: %(codes)s.") % {"codes": labels}})
    # A walk-in registered at the desk may have no e-mail address: nothing to keep unique then.
    email_key = normalize_email(data.email) or None
    chosen = sorted(sessions.values(), key=lambda session: session.id)
    answers = await questions.validate_answers(event, sessions, data.answers, enforce_required=data.answers_required)

    standing = await standing_of(event, category, data.email, data.member_number)

    async def write(check_address: bool) -> Registered:
        # The address is checked before writing only on a second attempt: the first one's insert
        # meets the unique (event, address) rule when the address is taken (or two people with one
        # address register at the same moment), and the next attempt's check says which it was.
        if check_address and email_key and await Registration.exists(event=event, active_email=email_key):
            raise AlreadyRegistered(_("This e-mail address is already registered for this event."))
        registration = build_registration(event, data, standing=standing)
        new = one_step.NewRegistration(
            event, registration, chosen, questions.encoded_answers(answers), links.mail_url(), standing.units
        )
        statuses = await one_step.write(new)
        return Registered(registration, list(zip(chosen, statuses, strict=True)))

    for attempt in range(CODE_ATTEMPTS):
        try:
            registered = await write(check_address=attempt > 0)
        except IntegrityError:
            # Either the code was taken (draw again) or the address is registered already, or at
            # the same moment (the next attempt's check says so).
            continue
        outbox.wake()
        return registered
    raise Conflict(_("Could not register just now; please try again."), code="busy")


def build_registration(
    event: Event,
    data: RegistrationInput,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    code: str = "",
    standing: Standing = NOT_A_MEMBER_CATEGORY,
) -> Registration:
    """The registration of this person, not yet written: the one place that turns what a person
    gave into a registration's fields, for the form, the API, the desk and an import (which writes
    many at once, `events.registrations.importing`). A new code is drawn unless one is given."""
    return Registration(
        event=event,
        code=code or codes.new_code(),
        secret=codes.new_secret(),
        name=data.name,
        name_reading=data.name_reading,
        sort_name=sort_name(data.name, data.name_reading),
        email=data.email,
        active_email=normalize_email(data.email) or None,
        organization=data.organization,
        category=data.category or DEFAULT_CATEGORY,
        language=data.language,
        status=status,
        reduced_fee=data.reduced_fee,
        member_number=standing.number,
        membership=standing.membership.value,
    )


async def by_secret(secret: str) -> Registration:
    """The registration a capability link points at, with its event; 404 for anything else."""
    registration = None
    if codes.looks_like_secret(secret):
        registration = await Registration.get_or_none(secret=secret).prefetch_related("event")
    if registration is None:
        raise NotFound(_("This link is not valid. It may have been replaced by a newer one."))
    return registration


async def by_code(event: Event, typed: str) -> Registration:
    """The registration of this event with that code (as typed: any case, dashes forgiven)."""
    code = codes.normalize_code(typed)
    registration = await Registration.get_or_none(event=event, code=code) if code else None
    if registration is None:
        raise NotFound(_("No registration of this event has that code."))
    registration.event = event
    return registration


async def replace_secret(registration: Registration) -> Registration:
    """Give the registration a new secret: its old links and its old badge's QR code stop working."""
    registration.secret = codes.new_secret()
    await registration.save(update_fields=["secret", "updated_at"])
    return registration


async def seats_of(registration: Registration) -> list[Seat]:
    return (
        await Seat.filter(registration=registration)
        .prefetch_related("session")
        .order_by("session__position", "session__starts_at")
    )


async def participant_calendar(registration: Registration, base_url: str, seats: list[Seat] | None = None) -> bytes:
    """The person's own sessions as .ics: confirmed ones, and waiting ones marked tentative."""
    event = registration.event
    entries = [
        Entry(seat.session, tentative=seat.status == SeatStatus.WAITLISTED)
        for seat in (seats if seats is not None else await seats_of(registration))
        if seat.status != SeatStatus.CANCELLED
    ]
    url = f"{base_url}/events/{event.slug}"
    language = str(registration.language)
    title = event.text("title", language)
    return calendar(event, entries, event_url=url, uid_scope=registration.code, name=title, language=language)


async def change_sessions(
    registration: Registration, codes: list[str], answers: Mapping[str, Any] | None = None
) -> list[int]:
    """The participant's own change of sessions (their event loaded): a seat in each newly chosen
    session by the same rules as registering (confirmed while there is room, else waiting at the
    end of its list), and each seat given up goes at once to the oldest waiting seat, as when
    someone cancels. Returns the ids of registrations promoted into the freed seats.

    At least one session stays: giving up every seat is cancelling, which the page offers apart.
    The questions tied to a newly chosen session are asked as when registering (`answers`, by
    question code): a required one unanswered refuses the change.
    """
    event = registration.event
    if not registration_open(event):
        raise RegistrationClosed(_("Registration for this event is closed."))
    by_code = {session.code: session for session in await sessions_of(event)}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise InvalidInput({"sessions": _("No such session in this event: %(codes)s.") % {"codes": ", ".join(unknown)}})
    if not codes:
        raise InvalidInput({"sessions": _("Choose at least one session. To give up every seat, cancel instead.")})
    wanted = {by_code[code].id for code in codes}
    holding = Seat.filter(registration_id=registration.id).exclude(status=SeatStatus.CANCELLED)
    held_ids = cast(list[int], await holding.values_list("session_id", flat=True))
    added = [code for code in codes if by_code[code].id not in held_ids]
    added_answers = await questions.validate_added_answers(registration, added, answers or {})

    async def work() -> list[int]:
        held_before = await Seat.filter(registration_id=registration.id).values_list("session_id", flat=True)
        await lock_sessions([*wanted, *(int(session_id) for session_id in held_before)])  # type: ignore[call-overload]
        current = await Registration.get(id=registration.id)
        if current.status == RegistrationStatus.CANCELLED:
            raise Conflict(_("This registration was cancelled."), code="cancelled")
        held = await Seat.filter(registration_id=registration.id).exclude(status=SeatStatus.CANCELLED)
        moment = clock.now()
        promoted: list[int] = []
        for seat in sorted(held, key=lambda seat: seat.session_id):  # type: ignore[attr-defined]
            if seat.session_id in wanted:  # type: ignore[attr-defined]
                continue
            await Seat.filter(id=seat.id).update(status=SeatStatus.CANCELLED, updated_at=moment)
            if seat.status == SeatStatus.CONFIRMED:
                promoted += await release_seat(seat.session_id)  # type: ignore[attr-defined]
        for session_id in sorted(wanted - {seat.session_id for seat in held}):  # type: ignore[attr-defined]
            await give_seat(registration.id, session_id)
        await questions.add_answers(registration, added_answers)
        await settle_statuses([registration.id])
        return promoted

    promoted = await atomic(work)
    if promoted:
        outbox.wake()
    await event_changed(event)
    await registration.refresh_from_db()
    return promoted


#: A participant's link is e-mailed again at most this often, however often it is asked for.
LINK_AGAIN_AFTER = timedelta(minutes=10)


async def send_link_again(event: Event, email: str) -> None:
    """E-mail the link of the registration this address holds for the event, if there is one.

    The caller answers the same whether or not there is one, so the form tells nobody who
    registered (the address may be someone else's). A link already on its way, or sent within
    `LINK_AGAIN_AFTER`, is not sent again.
    """
    key = normalize_email(email)
    registration = await Registration.get_or_none(event=event, active_email=key) if key else None
    if registration is None:
        return
    last = await OutboxMessage.get_or_none(registration_id=registration.id, kind=MailKind.LINK)
    if last is not None:
        on_its_way = last.status in (MailStatus.QUEUED, MailStatus.SENDING)
        if on_its_way or (last.sent_at is not None and clock.now() - last.sent_at < LINK_AGAIN_AFTER):
            return
    await outbox.queue(registration, MailKind.LINK)
    outbox.wake()


async def cancel(registration: Registration, *, keep_fee: bool = True) -> list[int]:
    """Cancel a whole registration; each freed seat goes at once to the oldest waiting seat.

    The event's cancellation policy keeps its fee when it applies (`keep_fee=False`: an organizer
    waives it). Returns the ids of registrations promoted from the waiting list. Cancelling twice
    is harmless.
    """

    async def work() -> list[int]:
        session_ids = await Seat.filter(registration_id=registration.id).values_list("session_id", flat=True)
        await lock_sessions([int(session_id) for session_id in session_ids])  # type: ignore[call-overload]
        # Read again under the locks: a waiting seat may have been promoted meanwhile.
        seats = await Seat.filter(registration_id=registration.id).exclude(status=SeatStatus.CANCELLED)
        current = await Registration.get(id=registration.id)
        if current.status == RegistrationStatus.CANCELLED:
            return []
        moment = clock.now()
        event = await Event.get(id=current.event_id)  # type: ignore[attr-defined]
        fee = await cancellation.fee_if_cancelled_now(current, event) if keep_fee else 0
        await Seat.filter(registration_id=registration.id).update(status=SeatStatus.CANCELLED, updated_at=moment)
        await settle_statuses([registration.id])  # no seat left: cancelled, its e-mail address free again
        await cancellation.keep_fee(current, event, fee)
        await outbox.queue(current, MailKind.CANCELLED)
        promoted: list[int] = []
        for seat in sorted(seats, key=lambda seat: seat.session_id):  # type: ignore[attr-defined]
            if seat.status == SeatStatus.CONFIRMED:
                promoted += await release_seat(seat.session_id)  # type: ignore[attr-defined]
        return promoted

    promoted = await atomic(work)
    outbox.wake()
    await event_changed(registration.event_id)  # type: ignore[attr-defined]
    await registration.refresh_from_db()
    return promoted
