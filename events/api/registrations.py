"""API: registering, the participant's own links, and the staff's list of registrations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.errors import InvalidInput
from events.http.common import NO_STORE, base_url, client_address, json_response, read_json
from events.http.presenters import registration_json
from events.http.receipts import receipt_json, receipt_pdf
from events.i18n import gettext as _
from events.links import participant_links
from events.money import cancellation, receipts
from events.questions.service import answers_by_code
from events.registrations import listing, service
from events.registrations.schemas import RegistrationInput
from events.registrations.seats import waitlist_positions
from events.staff.auth import api_event, bearer_account
from events.staff.models import Role
from events.validation import parse


async def register(request: Request) -> JSONResponse:
    event = await request.app.state.recent_events.get(request.path_params["slug"])
    account = await bearer_account(request)
    if account is None:
        await request.app.state.registration_limiter.hit(client_address(request))
    data = parse(RegistrationInput, await read_json(request))
    result = await service.register(event, data)
    registration = result.registration
    body = {
        "code": registration.code,
        "status": str(registration.status),
        "sessions": [{"code": session.code, "status": str(status)} for session, status in result.seats],
        "amount_due": registration.amount_due,
        "membership": registration.membership or None,
        "links": participant_links(base_url(request), registration.secret),
    }
    return json_response(body, status_code=201, private=True)


async def show(request: Request) -> JSONResponse:
    registration = await service.by_secret(request.path_params["secret"])
    seats = await service.seats_of(registration)
    positions = await waitlist_positions(registration)
    body = registration_json(registration, seats, registration.event.timezone, include_email=True, positions=positions)
    body["event"] = registration.event.slug
    body["amount_due"] = registration.amount_due
    body["membership"] = registration.membership or None
    body["cancellation_fee"] = await cancellation.fee_if_cancelled_now(registration, registration.event)
    body["links"] = participant_links(base_url(request), registration.secret)
    return json_response(body, private=True)


async def cancel(request: Request) -> JSONResponse:
    registration = await service.by_secret(request.path_params["secret"])
    await service.cancel(registration)
    seats = await service.seats_of(registration)
    body = registration_json(registration, seats, registration.event.timezone, include_email=True)
    return json_response(body, private=True)


async def receipts_list(request: Request) -> JSONResponse:
    """The participant's receipts, oldest first: their own, through their link only."""
    registration = await service.by_secret(request.path_params["secret"])
    url = participant_links(base_url(request), registration.secret)["receipts"]
    found = await receipts.receipts_of(registration)
    return json_response([receipt_json(receipt, registration.event, url) for receipt in found], private=True)


async def receipt(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    return await receipt_pdf(request, registration, registration.event)


async def calendar(request: Request) -> Response:
    """The participant's own sessions: confirmed ones, and waiting ones marked tentative."""
    registration = await service.by_secret(request.path_params["secret"])
    ics = await service.participant_calendar(registration, base_url(request))
    slug = registration.event.slug
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="{slug}-{registration.code}.ics"'}
    return Response(ics, media_type="text/calendar; charset=utf-8", headers=headers)


async def list_for_staff(request: Request) -> JSONResponse:
    account, event = await api_event(request, Role.ORGANIZER, Role.DOOR)
    query = request.query_params.get("q", "")
    if len(query) > 200:
        raise InvalidInput({"q": _("At most %(count)s characters.") % {"count": 200}})
    rows = await listing.search(event, query)
    include_email = account.role == Role.ORGANIZER
    # Answers (dietary or health needs among them) are for organizers, like e-mail addresses.
    answers = await answers_by_code([registration.id for registration, _seats in rows]) if include_email else None
    body = [
        registration_json(
            registration,
            seats,
            event.timezone,
            include_email=include_email,
            answers=None if answers is None else answers.get(registration.id, {}),
        )
        for registration, seats in rows
    ]
    return json_response(body, private=True)


async def replace_secret(request: Request) -> JSONResponse:
    """A lost badge or a leaked link: new links and a new QR code; the old ones stop working."""
    _account, event = await api_event(request, Role.ORGANIZER)
    registration = await service.by_code(event, request.path_params["code"])
    await service.replace_secret(registration)
    return json_response(
        {"code": registration.code, "links": participant_links(base_url(request), registration.secret)}, private=True
    )
