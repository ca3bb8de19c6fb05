"""Setting events up in the staff area: the event form, its sessions, publishing, closing and copying.

Organizers only; a door account gets 403 on every page here. Each form is read into the schema the
API validates with, so a problem is named in the same words, next to its field; the rules live in
`events.program.service`, and these routes only read forms, call one service function, and show the
answer or go back to the event's set-up page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from itertools import zip_longest
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import clock, i18n
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import gettext as _
from events.i18n import ngettext
from events.program import service as program
from events.program.models import DEFAULT_CATEGORY, Event, EventStatus, Session, SessionKind
from events.program.schemas import TIME_ZONES, EventCopy, EventDetails, EventPatch, SessionInput, time_zone
from events.staff.models import StaffAccount
from events.validation import field_errors
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import network_organizer, organizer_event, signed_in

M = TypeVar("M", bound=BaseModel)

#: Empty category rows the event form offers, so a category can be added without JavaScript.
EMPTY_CATEGORY_ROW: dict[str, Any] = {"code": "", "label": "", "staff_only": False, "translations": {}}
SPARE_CATEGORY_ROWS = 3
#: What `<input type="datetime-local">` shows and sends.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


@cache
def time_zones() -> list[str]:
    return sorted(TIME_ZONES)


def kind_labels() -> dict[str, str]:
    return {
        SessionKind.DAY: _("Whole day"),
        SessionKind.PLENARY: _("Plenary"),
        SessionKind.WORKSHOP: _("Workshop"),
        SessionKind.LECTURE: _("Lecture"),
        SessionKind.SYMPOSIUM: _("Symposium"),
        SessionKind.RECEPTION: _("Reception"),
        SessionKind.OTHER: _("Other"),
    }


def status_labels() -> dict[str, str]:
    return {
        EventStatus.DRAFT: _("Draft: only staff see it"),
        EventStatus.PUBLISHED: _("Published: people can register"),
        EventStatus.CLOSED: _("Closed: the page stays, registration has stopped"),
        EventStatus.CANCELLED: _("Cancelled: the page is taken down"),
    }


class FormReading:
    """One submitted form, read for a schema.

    `values` is what was typed, shown again when something is wrong; `data` is what the schema
    gets; `errors` holds one message per field, first from reading (a date that is no date), then
    from the schema and the service.
    """

    def __init__(self, form: FormData) -> None:
        self.form = form
        self.values: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str:
        value = self.form.get(name)
        text = value if isinstance(value, str) else ""
        self.values[name] = text
        return text

    def text(self, *names: str) -> None:
        for name in names:
            self.data[name] = self.raw(name)

    def day(self, name: str) -> None:
        """A date; left out when empty, so the schema says it is required."""
        value = self.raw(name).strip()
        if not value:
            return
        try:
            self.data[name] = date.fromisoformat(value)
        except ValueError:
            self.errors[name] = _("Enter a date like 2026-06-14.")

    def moment(self, name: str, zone: str) -> None:
        """A date and time of day in the event's zone (what `datetime-local` sends); left out when empty."""
        value = self.raw(name).strip()
        if not value:
            return
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.errors[name] = _("Enter a date and time like 2026-06-14 10:00.")
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(zone))
        self.data[name] = moment

    def capacity(self, name: str) -> None:
        value = self.raw(name).strip()
        if not value:
            self.data[name] = None
            return
        try:
            self.data[name] = int(value)
        except ValueError:
            self.errors[name] = _("Enter a whole number of seats, or leave it empty for no limit.")

    def categories(self) -> None:
        """Rows of code, label and the label in other languages (`category_label.<language>`, one
        per row); empty rows are dropped, a row without a label takes its code."""
        codes = self.texts("category_code")
        labels = self.texts("category_label")
        audiences = self.texts("category_audience")
        translated = {language: self.texts(f"category_label.{language}") for language in i18n.LANGUAGES}
        rows: list[dict[str, Any]] = [
            {
                "code": code.strip(),
                "label": label.strip(),
                "staff_only": audience == "staff",
                "member": audience == "members",
                "translations": {
                    language: texts[index].strip()
                    for language, texts in translated.items()
                    if index < len(texts) and texts[index].strip()
                },
            }
            for index, (code, label, audience) in enumerate(zip_longest(codes, labels, audiences, fillvalue=""))
            if code.strip() or label.strip()
        ]
        self.values["categories"] = rows
        self.data["categories"] = [
            {
                **row,
                "label": row["label"] or row["code"],
                "translations": {language: {"label": label} for language, label in row["translations"].items()},
            }
            for row in rows
        ]

    def texts(self, name: str) -> list[str]:
        """Every value of a repeated field, in order."""
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def whole_number(self, name: str) -> None:
        """A count of days or the like; left out when empty, so the schema's default applies."""
        value = self.raw(name).strip()
        if not value:
            return
        try:
            self.data[name] = int(value)
        except ValueError:
            self.errors[name] = _("Enter a whole number.")

    def translations(self, worded: tuple[str, ...]) -> None:
        """The texts in each language: fields `translations.<language>.<field>` for each worded field."""
        table: dict[str, dict[str, str]] = {}
        for language in i18n.LANGUAGES:
            table[language] = {field: self.raw(f"translations.{language}.{field}") for field in worded}
        self.data["translations"] = table

    def validate(self, model: type[M], data: dict[str, Any] | None = None) -> M | None:
        """The model, or None with the problems added to `errors` (a reading problem wins over the schema's)."""
        try:
            result = model.model_validate(self.data if data is None else data)
        except ValidationError as exc:
            for key, message in problems(exc).items():
                self.errors.setdefault(key, message)
            return None
        return None if self.errors else result

    def add(self, exc: InvalidInput) -> None:
        for key, message in exc.fields.items():
            self.errors.setdefault(key, message)


def _zone(name: str) -> ZoneInfo:
    """The zone of that name; a name that is no zone is reported on its own field, and UTC lets the rest be checked."""
    return time_zone(name) or ZoneInfo("UTC")


def problems(exc: ValidationError) -> dict[str, str]:
    """The schema's messages per field, with plainer words where the schema speaks in patterns."""
    messages = field_errors(exc)
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"])
        field = str(error["loc"][0]) if error["loc"] else ""
        kind = error["type"]
        if kind == "string_pattern_mismatch" and field == "slug":
            messages[key] = _("Use lower-case letters (a-z), digits and dashes, like national-workshop-2026.")
        elif kind == "string_pattern_mismatch" and field == "code":
            messages[key] = _("Use letters, digits, - and _ (at most 32), like day1.")
        elif kind in ("greater_than_equal", "less_than_equal") and field == "capacity":
            messages[key] = _("Enter a number from 0 to 1000000, or leave it empty for no limit.")
        elif kind in ("enum", "literal_error"):
            messages[key] = _("Choose one of the options.")
    return messages


def local_input(moment: datetime | None, zone: str) -> str:
    return "" if moment is None else clock.local(moment, zone).strftime(LOCAL_INPUT)


async def form_of(request: Request) -> FormData:
    form = await request.form()
    csrf.check(request, form)
    return form


def session_of(event: Event, code: str) -> Session:
    session = next((session for session in event.sessions if session.code == code), None)
    if session is None:
        raise NotFound(_("There is no session of that code."))
    return session


def changed(request: Request, event: Event, **query: str | int) -> RedirectResponse:
    """Back to the event's set-up page after a change (which the program service has announced)."""
    url = request.url_for("staff_event_edit", slug=event.slug).include_query_params(**query)
    return RedirectResponse(str(url), status_code=303)


def done_message(request: Request) -> str | None:
    """The line confirming what the last change did (`?done=` after a redirect)."""
    done = request.query_params.get("done", "")
    if done == "session_removed":
        try:
            people = max(0, int(request.query_params.get("n", "0")))
        except ValueError:
            people = 0
        if people:
            return ngettext(
                "The session is removed, and %(num)d seat in it was cancelled.",
                "The session is removed, and %(num)d seats in it were cancelled.",
                people,
            ) % {"num": people}
        return _("The session is removed.")
    return {
        "created": _("The event is saved as a draft. Add its sessions, then publish it."),
        "copied": _("This is the copy, saved as a draft. Check its sessions and dates, then publish it."),
        "saved": _("The changes are saved."),
        "published": _("The event is published: people can register on its page."),
        "closed": _("Registration is closed. The event's page stays visible."),
        "session_added": _("The session is added."),
        "session_saved": _("The session is saved."),
        "session_moved": _("The order of the sessions is changed."),
    }.get(done)


# The event form.


#: What an organizer may write in each language, on the event form and on a session's.
EVENT_WORDED = ("title", "description", "venue")
SESSION_WORDED = ("title", "description", "location")


def translation_values(translations: dict[str, dict[str, str]] | None) -> dict[str, str]:
    """The translations as the form's fields."""
    return {
        f"translations.{language}.{field}": text
        for language, texts in (translations or {}).items()
        for field, text in texts.items()
    }


def language_labels() -> dict[str, str]:
    return dict(i18n.LANGUAGE_NAMES)


def event_values(event: Event) -> dict[str, Any]:
    return {
        **translation_values(event.translations),
        "language": event.language,
        "retention_days": str(event.retention_days),
        "kiosk_prints_badges": event.kiosk_prints_badges,
        "slug": event.slug,
        "title": event.title,
        "description": event.description,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "venue": event.venue,
        "city": event.city,
        "registration_opens_at": local_input(event.registration_opens_at, event.timezone),
        "registration_closes_at": local_input(event.registration_closes_at, event.timezone),
        "categories": [
            {
                "code": c["code"],
                "label": c.get("label", c["code"]),
                "staff_only": bool(c.get("staff_only")),
                "member": bool(c.get("member")),
                "translations": {language: texts["label"] for language, texts in c.get("translations", {}).items()},
            }
            for c in event.categories
        ],
        "status": str(event.status),
    }


def read_event(form: FormData, slug: str | None) -> FormReading:
    """The event form; `slug` is the event's own when it is being edited (a slug never changes)."""
    reading = FormReading(form)
    if slug is None:
        reading.data["slug"] = reading.raw("slug").strip()
    else:
        reading.data["slug"] = slug
    reading.text("title", "description", "venue", "city")
    if language := reading.raw("language").strip():
        reading.data["language"] = language
    reading.translations(EVENT_WORDED)
    reading.whole_number("retention_days")
    reading.data["kiosk_prints_badges"] = reading.values["kiosk_prints_badges"] = (
        reading.raw("kiosk_prints_badges") == "yes"
    )
    reading.day("starts_on")
    reading.day("ends_on")
    zone = reading.data["timezone"] = reading.raw("timezone").strip()
    reading.moment("registration_opens_at", zone)
    reading.moment("registration_closes_at", zone)
    reading.categories()
    return reading


async def event_page(
    request: Request,
    event: Event | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    """The new-event form, or an event's set-up page: its sessions, publishing, and the same form."""
    context: dict[str, Any] = {
        "event": event,
        "values": values,
        "category_rows": [
            *values.get("categories", []),
            *[EMPTY_CATEGORY_ROW] * SPARE_CATEGORY_ROWS,
        ],
        "errors": errors or {},
        "problem": problem or (_("Please check the fields marked below.") if errors else None),
        "done": done_message(request),
        "time_zones": time_zones(),
        "statuses": status_labels(),
        "kinds": kind_labels(),
        "content_languages": language_labels(),
        "waiting": await program.waiting_counts(event) if event is not None else {},
    }
    return render(request, "staff/event_form.html", context, status_code)


@signed_in
async def new_event_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    values = {"timezone": "Asia/Tokyo", "categories": [{"code": DEFAULT_CATEGORY, "label": _("Participant")}]}
    return await event_page(request, None, values)


@signed_in
async def create_event(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    reading = read_event(await form_of(request), slug=None)
    details = reading.validate(EventDetails)
    if details is not None:
        try:
            event = await program.create_event(details, status=EventStatus.DRAFT)
        except program.SlugTaken as exc:
            reading.errors["slug"] = exc.message
        else:
            return changed(request, event, done="created")
    return await event_page(request, None, reading.values, reading.errors, status_code=422)


@signed_in
async def edit_event_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return await event_page(request, event, event_values(event))


@signed_in
async def edit_event(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    reading = read_event(await form_of(request), slug=event.slug)
    reading.values["slug"] = event.slug
    status = reading.raw("status")
    details = reading.validate(EventDetails)
    patch = None if details is None else reading.validate(EventPatch, {**details.model_dump(), "status": status})
    if patch is not None:
        try:
            await program.update_event(event.slug, patch)
        except InvalidInput as exc:
            reading.add(exc)
        else:
            return changed(request, event, done="saved")
    return await event_page(request, event, reading.values, reading.errors, status_code=422)


async def _set_status(request: Request, account: StaffAccount, status: EventStatus, done: str) -> Response:
    event = await organizer_event(request, account)
    await form_of(request)
    try:
        await program.set_status(event.slug, status)
    except InvalidInput as exc:
        return await event_page(request, event, event_values(event), problem=exc.fields["status"], status_code=422)
    return changed(request, event, done=done)


@signed_in
async def publish(request: Request, account: StaffAccount) -> Response:
    return await _set_status(request, account, EventStatus.PUBLISHED, "published")


@signed_in
async def close(request: Request, account: StaffAccount) -> Response:
    """Stop registration; the event's page stays, and people keep their seats."""
    return await _set_status(request, account, EventStatus.CLOSED, "closed")


# Copying an event.


def copy_page(
    request: Request, event: Event, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    context = {"event": event, "values": values, "errors": errors}
    return render(request, "staff/event_copy.html", context, status_code)


@signed_in
async def copy_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    event = await organizer_event(request, account)
    return copy_page(request, event, {"slug": "", "title": event.title, "starts_on": ""}, {})


@signed_in
async def copy(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    event = await organizer_event(request, account)
    reading = FormReading(await form_of(request))
    reading.data["slug"] = reading.raw("slug").strip()
    reading.text("title")
    reading.day("starts_on")
    data = reading.validate(EventCopy)
    if data is not None:
        try:
            copied = await program.copy_event(event.slug, data)
        except program.SlugTaken as exc:
            reading.errors["slug"] = exc.message
        else:
            return changed(request, copied, done="copied")
    return copy_page(request, event, reading.values, reading.errors, 422)


# Sessions.


def session_values(session: Session, timezone: str) -> dict[str, Any]:
    return {
        **translation_values(session.translations),
        "code": session.code,
        "title": session.title,
        "kind": str(session.kind),
        "starts_at": local_input(session.starts_at, timezone),
        "ends_at": local_input(session.ends_at, timezone),
        "location": session.location,
        "capacity": "" if session.capacity is None else str(session.capacity),
        "description": session.description,
        "exits": session.exits,
        "room_limit": "" if session.room_limit is None else str(session.room_limit),
    }


def new_session_values(event: Event) -> dict[str, Any]:
    """A new session starts where the last one ends (or at 10:00 on the first day) and lasts two hours."""
    last = max(event.sessions, key=lambda session: session.ends_at, default=None)
    starts_at = last.ends_at if last else clock.start_of_day(event.starts_on, event.timezone) + timedelta(hours=10)
    return {
        "kind": str(SessionKind.OTHER),
        "starts_at": local_input(starts_at, event.timezone),
        "ends_at": local_input(starts_at + timedelta(hours=2), event.timezone),
    }


def read_session(form: FormData, event: Event, code: str | None) -> FormReading:
    """The session form; `code` is the session's own when it is being edited (a code never changes)."""
    reading = FormReading(form)
    reading.data["code"] = reading.raw("code").strip() if code is None else code
    reading.text("title", "kind", "location", "description")
    reading.translations(SESSION_WORDED)
    reading.moment("starts_at", event.timezone)
    reading.moment("ends_at", event.timezone)
    reading.capacity("capacity")
    reading.capacity("room_limit")
    reading.data["exits"] = reading.values["exits"] = reading.raw("exits") == "yes"
    return reading


async def session_page(
    request: Request,
    event: Event,
    session: Session | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "event": event,
        "session": session,
        "values": values,
        "errors": errors or {},
        "kinds": kind_labels(),
        "content_languages": language_labels(),
        "held": await program.seats_held(session) if session is not None else None,
    }
    return render(request, "staff/session_form.html", context, status_code)


@signed_in
async def new_session_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return await session_page(request, event, None, new_session_values(event))


@signed_in
async def add_session(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    reading = read_session(await form_of(request), event, code=None)
    data = reading.validate(SessionInput)
    if data is not None:
        try:
            await program.add_session(event.slug, data)
            return changed(request, event, done="session_added")
        except InvalidInput as exc:
            reading.add(exc)
    return await session_page(request, event, None, reading.values, reading.errors, 422)


@signed_in
async def edit_session_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    session = session_of(event, request.path_params["session"])
    return await session_page(request, event, session, session_values(session, event.timezone))


@signed_in
async def edit_session(request: Request, account: StaffAccount) -> Response:
    """Change a session. A capacity below the confirmed seats is refused; a raised one promotes waiting seats."""
    event = await organizer_event(request, account)
    session = session_of(event, request.path_params["session"])
    reading = read_session(await form_of(request), event, code=session.code)
    reading.values["code"] = session.code
    data = reading.validate(SessionInput)
    if data is not None:
        try:
            await program.update_session(event.slug, data)
            return changed(request, event, done="session_saved")
        except InvalidInput as exc:
            reading.add(exc)
    return await session_page(request, event, session, reading.values, reading.errors, 422)


@signed_in
async def move_session(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    session = session_of(event, request.path_params["session"])
    direction = (await form_of(request)).get("direction")
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": _("Choose one of: %(codes)s.") % {"codes": "up, down"}})
    await program.move_session(event.slug, session.code, "up" if direction == "up" else "down")
    return changed(request, event, done="session_moved")


async def remove_page(
    request: Request,
    event: Event,
    session: Session,
    *,
    problem: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    held = await program.seats_held(session)
    context = {"event": event, "session": session, "held": held, "problem": problem, "notice": notice}
    return render(request, "staff/session_remove.html", context, status_code)


@signed_in
async def confirm_remove_session(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return await remove_page(request, event, session_of(event, request.path_params["session"]))


@signed_in
async def remove_session(request: Request, account: StaffAccount) -> Response:
    """Remove a session. When people hold seats in it, only once the organizer has seen how many (the form
    sends back the number it showed; a different number now shows the page again with the new one)."""
    event = await organizer_event(request, account)
    session = session_of(event, request.path_params["session"])
    form = await form_of(request)
    held = await program.seats_held(session)
    confirmed = form.get("confirm")
    if held.people and confirmed != str(held.people):
        notice = None if confirmed is None else _("The number of people changed since the page was shown: see again.")
        return await remove_page(request, event, session, notice=notice, status_code=409 if notice else 200)
    try:
        removed = await program.remove_session(event.slug, session.code, staff=account)
    except Conflict as exc:
        return await remove_page(request, event, session, problem=exc.message, status_code=exc.status_code)
    return changed(request, event, done="session_removed", n=removed.people)


ROUTES = [
    route("/events/new", name="staff_event_new", get=new_event_form, post=create_event),
    route("/events/{slug}/edit", name="staff_event_edit", get=edit_event_form, post=edit_event),
    route("/events/{slug}/publish", name="staff_event_publish", post=publish),
    route("/events/{slug}/close", name="staff_event_close", post=close),
    route("/events/{slug}/copy", name="staff_event_copy", get=copy_form, post=copy),
    route("/events/{slug}/sessions/new", name="staff_session_new", get=new_session_form, post=add_session),
    route(
        "/events/{slug}/sessions/{session}/edit",
        name="staff_session_edit",
        get=edit_session_form,
        post=edit_session,
    ),
    route("/events/{slug}/sessions/{session}/move", name="staff_session_move", post=move_session),
    route(
        "/events/{slug}/sessions/{session}/remove",
        name="staff_session_remove",
        get=confirm_remove_session,
        post=remove_session,
    ),
]
