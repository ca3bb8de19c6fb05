"""Setting up events and their sessions, and reading them back for pages and the API."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError

from events import clock
from events.database import atomic
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import gettext as _
from events.program.models import DEFAULT_CATEGORY, Event, EventStatus, Session
from events.program.schemas import EventInput, EventPatch, SessionInput, SessionPatch
from events.registrations.waitlist import fill_from_waitlist

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
    return [*categories, {"code": DEFAULT_CATEGORY, "label": "Participant"}]


async def get_event(slug: str, *, include_hidden: bool = False) -> Event:
    """The event of that slug, with its sessions loaded; drafts and cancelled ones only for staff."""
    event = await Event.get_or_none(slug=slug)
    if event is None or (not include_hidden and event.status not in VISIBLE):
        raise NotFound(_("There is no such event."))
    await event.fetch_related("sessions")
    return event


class RecentEvents:
    """Events with their sessions, kept for a moment: the registration path reads them on every request.

    Seat counts are never taken from here (the registration service counts under a lock), so a
    copy a second old is safe; a change made through this process is seen at once (`forget`),
    one made by another worker within `max_age` seconds.
    """

    def __init__(self, max_age: float = 2.0) -> None:
        self.max_age = max_age
        self._events: dict[str, tuple[float, Event]] = {}
        self._loading: dict[str, asyncio.Future[Event]] = {}

    async def get(self, slug: str) -> Event:
        cached = self._events.get(slug)
        if cached is not None and time.monotonic() - cached[0] < self.max_age:
            return cached[1]
        # One load at a time per event: when the copy expires under load, the 32 requests that
        # notice it at once wait for one query instead of sending 32.
        loading = self._loading.get(slug)
        if loading is None:
            loading = self._loading[slug] = asyncio.ensure_future(self._load(slug))
        return await asyncio.shield(loading)

    async def _load(self, slug: str) -> Event:
        moment = time.monotonic()
        try:
            event = await get_event(slug)
        finally:
            self._loading.pop(slug, None)
        if len(self._events) > 1000:
            self._events.clear()
        self._events[slug] = (moment, event)
        return event

    def forget(self, slug: str) -> None:
        self._events.pop(slug, None)


async def upcoming_events(*, today: datetime | None = None) -> list[Event]:
    """Published events that have not ended yet, soonest first."""
    moment = today or clock.now()
    events = await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on", "id")
    return [event for event in events if clock.end_of_day(event.ends_on, event.timezone) > moment]


async def published_events() -> list[Event]:
    return await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on", "id")


async def create_event(data: EventInput) -> Event:
    """Create an event with its sessions, published at once."""
    taken = SlugTaken(_("An event with the slug %(slug)r already exists.") % {"slug": data.slug})

    async def work() -> Event:
        if await Event.exists(slug=data.slug):
            raise taken
        event = await Event.create(
            **data.model_dump(exclude={"sessions", "categories"}),
            categories=with_default_category(list(data.categories)),
            status=EventStatus.PUBLISHED,
        )
        await Session.bulk_create(
            [_new_session(event, session, position) for position, session in enumerate(data.sessions)]
        )
        return event

    try:
        event = await atomic(work)
    except IntegrityError:
        raise taken from None
    return await get_event(event.slug, include_hidden=True)


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
        changes = patch.model_dump(exclude_unset=True, exclude={"sessions"})
        if "categories" in changes:
            changes["categories"] = with_default_category(list(patch.categories or []))
        for name, value in changes.items():
            setattr(event, name, value)
        if event.ends_on < event.starts_on:
            raise InvalidInput({"ends_on": _("The event must end on or after the day it starts.")})
        opens_at, closes_at = event.registration_opens_at, event.registration_closes_at
        if opens_at is not None and closes_at is not None and closes_at <= opens_at:
            raise InvalidInput({"registration_closes_at": _("Registration must close after it opens.")})
        await event.save()
        for index, session_patch in enumerate(patch.sessions or []):
            await _apply_session_patch(event, session_patch, index)

    await atomic(work)
    return await get_event(slug, include_hidden=True)


async def _apply_session_patch(event: Event, patch: SessionPatch, index: int) -> None:
    prefix = f"sessions.{index}"
    session = await Session.filter(event=event, code=patch.code).select_for_update().first()
    changes = patch.model_dump(exclude_unset=True, exclude={"code"})
    if session is None:
        missing = [name for name in ("title", "starts_at", "ends_at") if changes.get(name) is None]
        if missing:
            raise InvalidInput({f"{prefix}.{name}": _("Needed for a new session.") for name in missing})
        position = await Session.filter(event=event).count()
        data = SessionInput.model_validate({"code": patch.code, **{k: v for k, v in changes.items() if v is not None}})
        await _new_session(event, data, position).save()
        return
    for name in ("title", "kind", "starts_at", "ends_at", "location", "description"):
        if changes.get(name) is not None and changes[name] != getattr(session, name):
            if name in ("title", "starts_at", "ends_at", "location"):
                session.sequence += 1
            setattr(session, name, changes[name])
    if session.ends_at <= session.starts_at:
        raise InvalidInput({f"{prefix}.ends_at": _("A session must end after it starts.")})
    raised = False
    if "capacity" in changes:
        capacity = changes["capacity"]
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
