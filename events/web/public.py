"""Public pages: upcoming events, an event with its registration form, the participant's own page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import i18n
from events.calendars import Entry, calendar
from events.errors import Conflict, InvalidInput, RateLimited
from events.i18n import gettext as _
from events.program import service as program
from events.program.models import Event
from events.registrations import service
from events.registrations.schemas import RegistrationInput
from events.registrations.waitlist import waitlist_positions
from events.validation import parse
from events.web import csrf
from events.web.http import NO_STORE, base_url, client_address
from events.web.routing import route
from events.web.templating import render

FORM_FIELDS = ("name", "name_reading", "email", "organization", "category")


async def index(request: Request) -> Response:
    events = await program.upcoming_events()
    return render(request, "index.html", {"events": events})


def _event_page(
    request: Request,
    event: Event,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "event": event,
        "registration_open": program.registration_open(event),
        "window": program.registration_window(event),
        "values": values or {"sessions": [], "category": "participant"},
        "errors": errors or {},
        "problem": problem,
    }
    return render(request, "event.html", context, status_code=status_code)


async def event_page(request: Request) -> Response:
    event = await program.get_event(request.path_params["slug"])
    return _event_page(request, event)


async def register(request: Request) -> Response:
    event = await program.get_event(request.path_params["slug"])
    form = await request.form()
    csrf.check(request, form)
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in FORM_FIELDS}
    values["sessions"] = [str(code) for code in form.getlist("sessions")]
    try:
        request.app.state.registration_limiter.hit(client_address(request))
        data = parse(
            RegistrationInput, {**values, "language": i18n.current_language(), "category": values["category"] or None}
        )
        result = await service.register(event, data)
    except InvalidInput as exc:
        problem = _("Please check the fields marked below.")
        return _event_page(request, event, values, _form_errors(exc.fields), problem, status_code=422)
    except (Conflict, RateLimited) as exc:
        return _event_page(request, event, values, {}, exc.message, status_code=exc.status_code)
    target = request.url_for("manage", secret=result.registration.secret)
    response = RedirectResponse(f"{target}?registered=1", status_code=303)
    response.headers.update(NO_STORE)
    return response


def _form_errors(fields: dict[str, str]) -> dict[str, str]:
    """Field errors keyed by form field (`sessions.0` belongs to `sessions`)."""
    errors: dict[str, str] = {}
    for key, message in fields.items():
        errors.setdefault(key.split(".")[0], message)
    return errors


async def manage(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    context = {
        "registration": registration,
        "event": registration.event,
        "seats": await service.seats_of(registration),
        "positions": await waitlist_positions(registration),
        "just_registered": request.query_params.get("registered") == "1",
        "just_cancelled": request.query_params.get("cancelled") == "1",
    }
    response = render(request, "manage.html", context)
    response.headers.update(NO_STORE)
    return response


async def confirm_cancel(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    context = {"registration": registration, "event": registration.event}
    response = render(request, "cancel.html", context)
    response.headers.update(NO_STORE)
    return response


async def cancel(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    csrf.check(request, await request.form())
    await service.cancel(registration)
    target = request.url_for("manage", secret=registration.secret)
    return RedirectResponse(f"{target}?cancelled=1", status_code=303, headers=NO_STORE)


async def event_calendar(request: Request) -> Response:
    """The event's feed: every session, for a calendar app to subscribe to."""
    event = await program.get_event(request.path_params["slug"])
    url = f"{base_url(request)}/events/{event.slug}"
    ics = calendar(
        event, [Entry(session) for session in event.sessions], event_url=url, uid_scope="feed", name=event.title
    )
    headers = {"Content-Disposition": f'inline; filename="{event.slug}.ics"'}
    return Response(ics, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [
    route("/", name="index", get=index),
    route("/events/{slug}", name="event", get=event_page, post=register),
    route("/events/{slug}/calendar.ics", name="event_calendar", get=event_calendar),
    route("/manage/{secret}", name="manage", get=manage),
    route("/manage/{secret}/cancel", name="cancel", get=confirm_cancel, post=cancel),
]
