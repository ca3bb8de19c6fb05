"""Setting up events and their sessions, and reading them back for pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count

from events import changes, clock
from events.checkin.models import CheckIn, GuestEntry
from events.database import atomic
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import gettext as _
from events.money.ledger import settle_event_charges
from events.program.models import DEFAULT_CATEGORY, DEFAULT_CATEGORY_LABEL, Event, EventStatus, Session
from events.program.schemas import (
    SLUG,
    EventCopy,
    EventDetails,
    EventInput,
    EventPatch,
    SessionInput,
    SessionPatch,
    certificate_problems,
    price_problems,
)
from events.questions.models import Question
from events.registrations.models import RegistrationChange, Seat, SeatStatus
from events.registrations.seats import fill_from_waitlist, lock_sessions, settle_statuses
from events.staff.models import StaffAccount

VISIBLE = (EventStatus.PUBLISHED, EventStatus.CLOSED)


class SlugTaken(Conflict):
    code = "slug_taken"


@dataclass(frozen=True)
class RegistrationWindow:
    opens_at: datetime
    closes_at: datetime

    def is_open(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


def registration_window(event: Event) -> RegistrationWindow:
    """Open from the event's creation to the end of its last day, unless the organizer set it."""
    opens_at = event.registration_opens_at or event.created_at
    closes_at = event.registration_closes_at or clock.end_of_day(event.ends_on, event.timezone)
    return RegistrationWindow(opens_at, closes_at)


def registration_open(event: Event, moment: datetime | None = None) -> bool:
    if event.status != EventStatus.PUBLISHED:
        return False
    return registration_window(event).is_open(moment or clock.now())


def with_default_category(categories: list[dict[str, str]]) -> list[dict[str, str]]:
    if any(category["code"] == DEFAULT_CATEGORY for category in categories):
        return categories
    return [*categories, {"code": DEFAULT_CATEGORY, "label": DEFAULT_CATEGORY_LABEL}]


async def get_event(slug: str, *, include_hidden: bool = False) -> Event:
    """The event of that slug, with its sessions loaded; drafts and cancelled ones only for staff.
    A slug no event could have (too long, a NUL) is not looked up: the ORM and PostgreSQL refuse it."""
    event = await Event.get_or_none(slug=slug) if SLUG.fullmatch(slug) else None
    if event is None or (not include_hidden and event.status not in VISIBLE):
        raise NotFound(_("There is no such event."))
    await event.fetch_related("sessions")
    return event


class RecentEvents(changes.Recent[Event]):
    """Events with their sessions, kept for a moment: the registration path reads them on every request.

    Seat counts are never taken from here (the registration service counts under a lock), so a
    copy a second old would be safe; still, a change is forgotten at once in every worker
    (`events.changes`), and `max_age` only bounds how long a copy is kept.
    """

    def __init__(self, max_age: float = 2.0) -> None:
        super().__init__(_event_as_kept, max_age=max_age, forgets=_forgets_event)


async def _event_as_kept(slug: str) -> Event:
    """The event with its sessions and its questions (every registration checks its answers against
    them); a change to a question is announced as a change to its event."""
    event = await get_event(slug)
    await event.fetch_related("questions")
    return event


def _forgets_event(topic: str, key: str, slug: str, _event: Event) -> bool:
    return topic == changes.EVENT and key == slug


async def upcoming_events(*, today: datetime | None = None) -> list[Event]:
    """Published events that have not ended yet, soonest first."""
    moment = today or clock.now()
    events = await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on", "id")
    return [event for event in events if clock.end_of_day(event.ends_on, event.timezone) > moment]


async def published_events() -> list[Event]:
    return await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on", "id")


async def create_event(data: EventDetails, *, status: EventStatus = EventStatus.PUBLISHED) -> Event:
    """Create an event with its sessions. The API's events are published at once (they come with
    their sessions); the staff area's start as drafts and get their sessions one by one."""
    taken = _slug_taken(data.slug)
    sessions = data.sessions if isinstance(data, EventInput) else []

    async def work() -> Event:
        if await Event.exists(slug=data.slug):
            raise taken
        event = await Event.create(
            **data.model_dump(exclude={"sessions", "categories"}),
            categories=with_default_category(list(data.categories)),
            status=status,
        )
        await Session.bulk_create([_new_session(event, session, position) for position, session in enumerate(sessions)])
        return event

    try:
        event = await atomic(work)
    except IntegrityError:
        raise taken from None
    return await get_event(event.slug, include_hidden=True)


def _slug_taken(slug: str) -> SlugTaken:
    return SlugTaken(_("An event with the slug %(slug)r already exists.") % {"slug": slug})


def _new_session(event: Event, data: SessionInput, position: int) -> Session:
    return Session(event=event, position=position, **data.model_dump())


async def update_event(slug: str, patch: EventPatch) -> Event:
    """Change an event's fields and its sessions (matched by code; a new code adds a session).

    A capacity below the seats already confirmed is refused; a raised capacity promotes
    waitlisted seats at once, in the same transaction.
    """

    async def work() -> None:
        event = await Event.get_or_none(slug=slug)
        if event is None:
            raise NotFound(f"There is no event {slug!r}.")
        edits = patch.model_dump(exclude_unset=True, exclude={"sessions"})
        if "categories" in edits:
            edits["categories"] = with_default_category(list(patch.categories or []))
        for name, value in edits.items():
            setattr(event, name, value)
        if event.ends_on < event.starts_on:
            raise InvalidInput({"ends_on": _("The event must end on or after the day it starts.")})
        opens_at, closes_at = event.registration_opens_at, event.registration_closes_at
        if opens_at is not None and closes_at is not None and closes_at <= opens_at:
            raise InvalidInput({"registration_closes_at": _("Registration must close after it opens.")})
        await event.save()
        for index, session_patch in enumerate(patch.sessions or []):
            await _apply_session_patch(event, session_patch, index)
        if edits.get("certificate_sessions"):
            codes = [str(code) for code in await Session.filter(event_id=event.id).values_list("code", flat=True)]
            problems = certificate_problems(event.certificate_sessions, codes)
            if problems:
                raise InvalidInput(problems)
        if "prices" in edits or "categories" in edits:
            sessions = await Session.filter(event_id=event.id).values_list("code", flat=True)
            problems = price_problems(event.prices, event.category_codes, [str(code) for code in sessions])
            if problems:
                raise InvalidInput(problems)
            # A price corrected after people registered: each one's account follows, line by line.
            await settle_event_charges(event)
        if edits.get("status") == EventStatus.PUBLISHED:
            await _check_publishable(event)

    await atomic(work)
    await changes.announce(changes.EVENT, slug)
    return await get_event(slug, include_hidden=True)


def _calendar_words(translations: dict[str, dict[str, str]] | None) -> dict[str, tuple[str, str]]:
    """The translated words a calendar entry shows (title and room): a change to them is a new version."""
    return {
        language: (texts.get("title", ""), texts.get("location", ""))
        for language, texts in (translations or {}).items()
    }


async def _apply_session_patch(event: Event, patch: SessionPatch, index: int) -> None:
    prefix = f"sessions.{index}"
    session = await Session.filter(event=event, code=patch.code).select_for_update().first()
    edits = patch.model_dump(exclude_unset=True, exclude={"code"})
    if session is None:
        missing = [name for name in ("title", "starts_at", "ends_at") if edits.get(name) is None]
        if missing:
            raise InvalidInput({f"{prefix}.{name}": _("Needed for a new session.") for name in missing})
        position = await Session.filter(event=event).count()
        data = SessionInput.model_validate({"code": patch.code, **{k: v for k, v in edits.items() if v is not None}})
        await _new_session(event, data, position).save()
        return
    for name in ("title", "kind", "starts_at", "ends_at", "location", "description", "translations"):
        if edits.get(name) is not None and edits[name] != getattr(session, name):
            if name in ("title", "starts_at", "ends_at", "location") or (
                name == "translations" and _calendar_words(edits[name]) != _calendar_words(session.translations)
            ):
                session.sequence += 1
            setattr(session, name, edits[name])
    if session.ends_at <= session.starts_at:
        raise InvalidInput({f"{prefix}.ends_at": _("A session must end after it starts.")})
    if edits.get("exits") is not None:
        session.exits = edits["exits"]
    if "room_limit" in edits:
        session.room_limit = edits["room_limit"]
    raised = False
    if "capacity" in edits:
        capacity = edits["capacity"]
        if capacity is not None and capacity < session.confirmed_count:
            raise InvalidInput(
                {
                    f"{prefix}.capacity": _(
                        "%(count)s seats are already confirmed; the capacity cannot be lower than that."
                    )
                    % {"count": session.confirmed_count}
                }
            )
        raised = capacity is None or session.capacity is None or capacity > session.capacity
        session.capacity = capacity
    await session.save()
    if raised:
        await fill_from_waitlist(session.id)


async def _check_publishable(event: Event) -> None:
    """People register for sessions, so an event without one is not published."""
    if not await Session.exists(event_id=event.id):
        raise InvalidInput({"status": _("Add at least one session before publishing the event.")})


async def _locked_event(slug: str) -> Event:
    """The event, its row locked until the transaction ends, so changes to its sessions queue up."""
    event = await Event.filter(slug=slug).select_for_update().first()
    if event is None:
        raise NotFound(_("There is no such event."))
    return event


async def set_status(slug: str, status: EventStatus) -> Event:
    """Publish an event (registration opens within its window), close it (registration stops; the page
    stays), return it to a draft, or cancel it."""

    async def work() -> None:
        event = await _locked_event(slug)
        if status == EventStatus.PUBLISHED:
            await _check_publishable(event)
        event.status = status
        await event.save(update_fields=["status", "updated_at"])

    await atomic(work)
    await changes.announce(changes.EVENT, slug)
    return await get_event(slug, include_hidden=True)


async def add_session(slug: str, data: SessionInput) -> Session:
    """Add a session at the end of the event's order."""
    taken = InvalidInput({"code": _("This event already has a session with the code %(code)r.") % {"code": data.code}})

    async def work() -> Session:
        event = await _locked_event(slug)
        if await Session.exists(event_id=event.id, code=data.code):
            raise taken
        last = await Session.filter(event_id=event.id).order_by("-position").first()
        session = _new_session(event, data, 0 if last is None else last.position + 1)
        await session.save()
        return session

    try:
        session = await atomic(work)
    except IntegrityError:
        raise taken from None
    await changes.announce(changes.EVENT, slug)
    return session


async def update_session(slug: str, data: SessionInput) -> Event:
    """Change one session through `update_event`'s rules (capacity never below the confirmed seats; a
    raised capacity promotes waiting seats at once); problems are keyed by the session's own fields."""
    patch = EventPatch(sessions=[SessionPatch.model_validate(data.model_dump())])
    try:
        return await update_event(slug, patch)
    except InvalidInput as exc:
        raise InvalidInput({key.removeprefix("sessions.0."): text for key, text in exc.fields.items()}) from None


async def move_session(slug: str, code: str, direction: Literal["up", "down"]) -> None:
    """Swap a session with its neighbour in the event's order; positions become 0, 1, 2, … on the way."""

    async def work() -> None:
        event = await _locked_event(slug)
        sessions = await Session.filter(event_id=event.id).order_by("position", "starts_at", "id")
        index = next((i for i, session in enumerate(sessions) if session.code == code), None)
        if index is None:
            raise NotFound(_("There is no session of that code."))
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(sessions):
            sessions[index], sessions[other] = sessions[other], sessions[index]
        for position, session in enumerate(sessions):
            if session.position != position:
                await Session.filter(id=session.id).update(position=position)

    await atomic(work)
    await changes.announce(changes.EVENT, slug)


@dataclass(frozen=True)
class SeatsHeld:
    """The people holding a seat in one session: what removing it would take from them."""

    confirmed: int
    waitlisted: int

    @property
    def people(self) -> int:
        return self.confirmed + self.waitlisted


async def seats_held(session: Session) -> SeatsHeld:
    confirmed = await Seat.filter(session_id=session.id, status=SeatStatus.CONFIRMED).count()
    waitlisted = await Seat.filter(session_id=session.id, status=SeatStatus.WAITLISTED).count()
    return SeatsHeld(confirmed, waitlisted)


async def waiting_counts(event: Event) -> dict[int, int]:
    """Waitlisted seats per session id (sessions with nobody waiting are left out)."""
    rows = (
        await Seat.filter(session__event_id=event.id, status=SeatStatus.WAITLISTED)
        .group_by("session_id")
        .annotate(waiting=Count("id"))
        .values("session_id", "waiting")
    )
    return {int(row["session_id"]): int(row["waiting"]) for row in rows}


class SessionAttended(Conflict):
    code = "session_attended"


async def remove_session(slug: str, code: str, *, staff: StaffAccount | None = None) -> SeatsHeld:
    """Remove a session, cancelling the seats held in it first; returns the seats that were cancelled.

    Each affected registration gets the status its remaining seats give it, as the registration
    service decides it: no seat left means cancelled (and the e-mail address free to register
    again). Each change is written to the registration's log. A session where someone was already
    checked in, or a guest counted, stays: its attendance belongs in the reports.
    """

    async def work() -> SeatsHeld:
        event = await _locked_event(slug)
        sessions = await Session.filter(event_id=event.id)
        session = next((session for session in sessions if session.code == code), None)
        if session is None:
            raise NotFound(_("There is no session of that code."))
        # Registrations hold seats in other sessions too: lock them all, in id order, as a cancellation does.
        await lock_sessions([other.id for other in sessions])
        if await CheckIn.exists(session_id=session.id) or await GuestEntry.exists(session_id=session.id):
            raise SessionAttended(
                _("People have already been checked in to this session, so it stays in the event and its reports.")
            )
        if event.status == EventStatus.PUBLISHED and len(sessions) == 1:
            raise Conflict(
                _("This is the only session of a published event. Close the event or make it a draft first."),
                code="last_session",
            )
        seats = await Seat.filter(session_id=session.id).exclude(status=SeatStatus.CANCELLED)
        held = SeatsHeld(
            sum(seat.status == SeatStatus.CONFIRMED for seat in seats),
            sum(seat.status == SeatStatus.WAITLISTED for seat in seats),
        )
        await Seat.filter(session_id=session.id).delete()
        await _settle_registrations(seats, staff, {"session": code})
        await session.delete()
        return held

    held = await atomic(work)
    await changes.announce(changes.EVENT, slug)
    return held


async def _settle_registrations(removed: list[Seat], staff: StaffAccount | None, details: dict[str, str]) -> None:
    """Give each registration that lost a seat the status its other seats give it, and log the change."""
    lost = {seat.registration_id: seat.status for seat in removed}  # type: ignore[attr-defined]
    settled = await settle_statuses(lost)
    log = [
        RegistrationChange(
            registration_id=registration_id,
            staff=staff,
            action="session_removed",
            details={**details, "seat": str(lost[registration_id]), "status": [str(before), str(after)]},
        )
        for registration_id, (before, after) in settled.items()
    ]
    await RegistrationChange.bulk_create(log)


async def copy_event(slug: str, data: EventCopy) -> Event:
    """A new draft event made from an existing one, starting on `data.starts_on`: last year's workshop again.

    Every date moves by the same number of days. Sessions keep their time of day in the event's
    zone (also across a change of daylight saving time), their capacities and their order;
    categories, the registration window and the questions come along; registrations do not.
    """
    source = await get_event(slug, include_hidden=True)
    shift = data.starts_on - source.starts_on
    zone = ZoneInfo(source.timezone)

    def moved(moment: datetime) -> datetime:
        local = clock.local(moment, source.timezone)
        return datetime.combine(local.date() + shift, local.time(), zone).astimezone(UTC)

    def moved_or_none(moment: datetime | None) -> datetime | None:
        return None if moment is None else moved(moment)

    async def work() -> Event:
        if await Event.exists(slug=data.slug):
            raise _slug_taken(data.slug)
        event = await Event.create(
            slug=data.slug,
            title=data.title,
            description=source.description,
            starts_on=source.starts_on + shift,
            ends_on=source.ends_on + shift,
            timezone=source.timezone,
            venue=source.venue,
            city=source.city,
            registration_opens_at=moved_or_none(source.registration_opens_at),
            registration_closes_at=moved_or_none(source.registration_closes_at),
            categories=list(source.categories),
            status=EventStatus.DRAFT,
            language=source.language,
            retention_days=source.retention_days,
            currency=source.currency,
            prices=list(source.prices),
            # The new title is the organizer's own, in the event's language: the old one's
            # translations would name last year's event.
            translations={
                code: kept
                for code, texts in (source.translations or {}).items()
                if (kept := {field: text for field, text in texts.items() if field != "title"})
            },
        )
        for session in source.sessions:
            await Session.create(
                event=event,
                code=session.code,
                title=session.title,
                description=session.description,
                kind=session.kind,
                starts_at=moved(session.starts_at),
                ends_at=moved(session.ends_at),
                location=session.location,
                capacity=session.capacity,
                position=session.position,
                translations=session.translations,
            )
        await _copy_questions(source, event)
        return event

    try:
        event = await atomic(work)
    except IntegrityError:
        raise _slug_taken(data.slug) from None
    return await get_event(event.slug, include_hidden=True)


async def _copy_questions(source: Event, target: Event) -> None:
    """The registration questions, each tied to the copy of its session."""
    codes = {session.id: session.code for session in source.sessions}
    copies = {session.code: session.id for session in await Session.filter(event_id=target.id)}
    for question in await Question.filter(event_id=source.id):
        session_id = question.session_id  # type: ignore[attr-defined]
        await Question.create(
            event=target,
            code=question.code,
            label=question.label,
            help_text=question.help_text,
            kind=question.kind,
            required=question.required,
            choices=list(question.choices),
            session_id=None if session_id is None else copies[codes[session_id]],
            position=question.position,
            translations=question.translations,
        )
