"""The staff's registrations: an event's list, and each person's page where organizers change things.

Door accounts see the list (no e-mail addresses, no links to people's pages); everything else here
is for organizers. The rules live in `events.registrations.admin`; these routes read forms and
show pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.errors import Conflict, InvalidInput
from events.http.common import base_url, settings_of
from events.http.receipts import receipt_pdf
from events.i18n import LANGUAGE_NAMES
from events.i18n import gettext as _
from events.links import participant_links
from events.mail.models import OutboxMessage
from events.money import cancellation, ledger
from events.money.schemas import PaymentInput
from events.program.models import Event
from events.registrations import admin, listing, privacy
from events.registrations import service as registrations
from events.registrations.models import Registration, RegistrationChange, RegistrationStatus, SeatStatus
from events.registrations.seats import waitlist_positions
from events.staff.auth import event_for, payments_event, require_payments
from events.staff.models import Role, StaffAccount
from events.text import encoded
from events.validation import parse
from events.web import csrf, desk
from events.web import mail as mail_pages
from events.web.pages import render
from events.web.person import DESK_COOKIE, fees_context, status_labels
from events.web.routing import route
from events.web.staff import organizer_event, organizer_only, signed_in


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or "1"))
    except ValueError:
        return 1


@signed_in
async def registration_list(request: Request, account: StaffAccount) -> Response:
    """The event's staff page: its sessions' counts, the tools, and the list of registrations."""
    event = await event_for(account, request.path_params["slug"], Role.ORGANIZER, Role.DOOR)
    organizer = account.role == Role.ORGANIZER
    query = request.query_params.get("q", "")[:200]
    order = listing.normalize_sort(request.query_params.get("sort", listing.DEFAULT_SORT))
    page = await listing.page(
        event, query, order=order, number=_page_number(request.query_params.get("page")), include_email=organizer
    )
    context = {
        "event": event,
        "page": page,
        "query": query,
        "sort": order,
        "show_email": organizer,
        "account": account,
        "status_labels": status_labels(),
    }
    return render(request, "staff/registrations.html", context)


# What the log's entries say, in the reader's language.


def _field_labels() -> dict[str, str]:
    return {
        "name": _("Name"),
        "name_reading": _("Reading"),
        "email": _("E-mail address"),
        "organization": _("Organization"),
        "category": _("Category"),
        "language": _("Language"),
        "member_number": _("Member number"),
    }


def _action_labels() -> dict[str, str]:
    return {
        admin.Action.EDITED: _("Details changed"),
        admin.Action.SEAT_MOVED: _("Seat moved"),
        admin.Action.SEAT_ADDED: _("Seat added"),
        admin.Action.PROMOTED: _("Moved off the waiting list: a seat was freed"),
        admin.Action.CANCELLED: _("Cancelled"),
        admin.Action.RESTORED: _("Restored"),
        admin.Action.SECRET_REPLACED: _("New badge and links (the old ones stopped working)"),
        admin.Action.MEMBERSHIP_CONFIRMED: _("Membership confirmed at the desk"),
    }


Line = tuple[str, str | None, str]  # (what, before or None, after)


def _pair(value: object) -> tuple[str, str]:
    """`[before, after]` as the log keeps it, as two strings (empty where missing)."""
    items = [str(item) for item in value] if isinstance(value, list) else ["", str(value or "")]
    items += ["", ""]
    return items[0], items[1]


def describe(change: RegistrationChange, event: Event) -> dict[str, Any]:
    """One log entry for the page: when, who, what, and each `before → after`."""
    statuses = {**status_labels(), "none": _("no seat")}
    fields = _field_labels()
    sessions = {session.code: session.title for session in event.sessions}

    def shown(field: str, value: str) -> str:
        if field == "category":
            return event.category_label(value)
        if field == "language":
            return LANGUAGE_NAMES.get(value, value)
        return value

    details = change.details if isinstance(change.details, dict) else {}
    lines: list[Line] = []
    if change.action == admin.Action.EDITED:
        for field, values in details.items():
            before, after = _pair(values)
            lines.append((fields.get(field, field), shown(field, before), shown(field, after)))
    elif change.action in (admin.Action.SEAT_MOVED, admin.Action.SEAT_ADDED, admin.Action.PROMOTED):
        session = str(details.get("session", ""))
        before, after = str(details.get("from", "")), str(details.get("to", ""))
        lines.append((sessions.get(session, session), statuses.get(before, before), statuses.get(after, after)))
    elif change.action in (admin.Action.CANCELLED, admin.Action.RESTORED):
        before, after = _pair(details.get("status"))
        lines.append((_("Status"), statuses.get(before, before), statuses.get(after, after)))
        for code, status in dict(details.get("seats") or {}).items():
            title, seat = str(code), str(status)
            lines.append((sessions.get(title, title), None, statuses.get(seat, seat)))
    else:  # an entry written by another part of the app (an import, say): shown as it is
        for key, value in details.items():
            if isinstance(value, list) and len(value) == 2:
                lines.append((key, *_pair(value)))
            else:
                lines.append((key, None, str(value)))
    staff = change.staff
    return {
        "when": change.created_at,
        "who": (staff.name or staff.email) if staff is not None else _("(no staff account)"),
        "what": _action_labels().get(change.action, change.action),
        "lines": lines,
        #: The code of the person whose freed seat this one got (a promotion), linked on the page.
        "seat_from": str(details["after"]) if change.action == admin.Action.PROMOTED and details.get("after") else None,
    }


# One person's page.


async def _person(request: Request, account: StaffAccount) -> tuple[Event, Registration]:
    event = await organizer_event(request, account)
    return event, await registrations.by_code(event, request.path_params["code"])


def _values(registration: Registration) -> dict[str, str]:
    return {field: str(getattr(registration, field)) for field in admin.EDITABLE}


async def _detail(
    request: Request,
    event: Event,
    registration: Registration,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    seats = await registrations.seats_of(registration)
    checkins = {checkin.session_id: checkin for checkin in await admin.checkins_of(registration)}  # type: ignore[attr-defined]
    categories = list(event.categories)
    if registration.category not in event.category_codes:  # a category since removed from the event
        categories.append({"code": registration.category, "label": registration.category})
    context: dict[str, Any] = {
        "event": event,
        "registration": registration,
        "seats": seats,
        "positions": await waitlist_positions(registration),
        "checkins": checkins,
        "answers": await admin.answers_of(registration),
        "changes": [describe(change, event) for change in await admin.changes_of(registration)],
        "mail": await OutboxMessage.filter(registration_id=registration.id).order_by("created_at", "id"),
        "mail_kinds": {kind.value: label() for kind, label in mail_pages.KIND_LABELS.items()},
        "mail_statuses": {state.value: label() for state, label in mail_pages.STATUS_LABELS.items()},
        "categories": categories,
        "status_labels": status_labels(),
        "values": _values(registration),
        "errors": {},
        "problem": None,
        "seat_problem": {},
        "cancel_problem": None,
        "erase_problem": None,
        "done": _done_message(request.query_params.get("done", "")),
        "replaced": None,
        "addable": [
            session
            for session in event.sessions
            if all(seat.session.id != session.id or seat.status == SeatStatus.CANCELLED for seat in seats)
        ],
        **await fees_context(request, registration),
        "cancellation_fee": await cancellation.fee_if_cancelled_now(registration, event)
        if registration.status != RegistrationStatus.CANCELLED
        else 0,
        # Their capability link, on request only: not on every view of the page (screens are seen).
        "links": participant_links(base_url(request), registration.secret)
        if request.query_params.get("link") == "show"
        else None,
        **extra,
    }
    return render(request, "staff/registration.html", context, status_code)


def _done_message(done: str) -> str | None:
    messages: dict[str, Callable[[], str]] = {
        admin.Action.EDITED: lambda: _("Saved."),
        "unchanged": lambda: _("Nothing was changed."),
        admin.Action.SEAT_MOVED: lambda: _("The seat was moved."),
        admin.Action.SEAT_ADDED: lambda: _("The seat was added."),
        admin.Action.CANCELLED: lambda: _("The registration was cancelled. Freed seats went to the waiting list."),
        admin.Action.RESTORED: lambda: _("The registration was restored. See each session's seat below."),
        "erased": lambda: _("This person's data was erased. Their seats and check-ins still count, without a name."),
        "paid": lambda: _("Recorded."),
        admin.Action.MEMBERSHIP_CONFIRMED: lambda: _("The membership is confirmed."),
    }
    message = messages.get(done)
    return message() if message else None


def _back(request: Request, event: Event, registration: Registration, done: str) -> Response:
    url = request.url_for("staff_registration", slug=event.slug, code=registration.code)
    return RedirectResponse(url.include_query_params(done=done), status_code=303)


async def _checked_form(request: Request) -> FormData:
    form = await request.form()
    csrf.check(request, form)
    return form


@signed_in
async def show(request: Request, account: StaffAccount) -> Response:
    event, registration = await _person(request, account)
    return await _detail(request, event, registration)


@signed_in
async def edit(request: Request, account: StaffAccount) -> Response:
    """Change a person's name, reading, e-mail, organization, category or language."""
    organizer_only(account)
    form = await _checked_form(request)
    event, registration = await _person(request, account)
    values = {field: str(form.get(field) or "") for field in admin.EDITABLE}
    try:
        data = parse(admin.RegistrationEdit, values)
        changed = await admin.edit_registration(registration, data, staff=account)
    except InvalidInput as exc:
        errors: dict[str, str] = {}
        for key, message in exc.fields.items():  # the first message per field: `email` is a union of two
            errors.setdefault(key.split(".")[0], message)
        problem = _("Some details are not valid: see the messages next to the fields.")
        return await _detail(request, event, registration, 422, values=values, errors=errors, problem=problem)
    except admin.EmailInUse as exc:
        return await _detail(request, event, registration, 409, values=values, errors={"email": exc.message})
    return _back(request, event, registration, admin.Action.EDITED if changed else "unchanged")


@signed_in
async def move_seat(request: Request, account: StaffAccount) -> Response:
    """Move one seat off the waiting list (when there is room) or onto it."""
    organizer_only(account)
    form = await _checked_form(request)
    event, registration = await _person(request, account)
    session = request.path_params["session"]
    to = str(form.get("to") or "")
    try:
        if to == "add":
            await admin.add_seat(registration, session, staff=account)
            return _back(request, event, registration, admin.Action.SEAT_ADDED)
        if to not in (SeatStatus.CONFIRMED, SeatStatus.WAITLISTED):
            raise InvalidInput({"to": _("Choose one of: %(codes)s.") % {"codes": "add, confirmed, waitlisted"}})
        await admin.move_seat(registration, session, SeatStatus(to), staff=account)
    except (Conflict, InvalidInput) as exc:
        status = 422 if isinstance(exc, InvalidInput) else exc.status_code
        return await _detail(request, event, registration, status, seat_problem={session: exc.message})
    return _back(request, event, registration, admin.Action.SEAT_MOVED)


@signed_in
async def cancel(request: Request, account: StaffAccount) -> Response:
    """Cancel the whole registration (the organizer ticks a box to confirm); freed seats go to the waiting list."""
    organizer_only(account)
    form = await _checked_form(request)
    event, registration = await _person(request, account)
    if form.get("confirm") != "yes":
        problem = _("Tick the box to confirm the cancellation.")
        return await _detail(request, event, registration, 422, cancel_problem=problem)
    try:
        await admin.cancel(registration, staff=account, keep_fee=form.get("keep_fee") == "yes")
    except Conflict as exc:
        return await _detail(request, event, registration, exc.status_code, problem=exc.message)
    return _back(request, event, registration, admin.Action.CANCELLED)


@signed_in
async def restore(request: Request, account: StaffAccount) -> Response:
    """Bring a cancelled registration back: seats confirmed where there is room, else on the waiting list."""
    organizer_only(account)
    await _checked_form(request)
    event, registration = await _person(request, account)
    try:
        await admin.restore(registration, staff=account)
    except Conflict as exc:
        return await _detail(request, event, registration, exc.status_code, problem=exc.message)
    return _back(request, event, registration, admin.Action.RESTORED)


@signed_in
async def record_payment(request: Request, account: StaffAccount) -> Response:
    """Money taken at the desk (one tap for the whole amount in cash), a transfer received, a fee
    waived or money given back. The form's own payment_id makes a second tap record nothing new.
    A desk account takes payments only, and comes back to the desk's page of the person."""
    event = await payments_event(account, request.path_params["slug"])
    form = await _checked_form(request)
    registration = await registrations.by_code(event, request.path_params["code"])
    at_desk = account.role != Role.ORGANIZER
    values = {name: str(form.get(name) or "") for name in ("amount", "method", "note", "payment_id", "device", "fee")}
    try:
        amount = int(values["amount"].replace(",", "").replace("¥", "").replace("円", "").strip())
    except ValueError:
        amount = -1
    try:
        data = parse(
            PaymentInput,
            {**values, "amount": amount, "payment_id": values["payment_id"] or None, "fee": values["fee"] or None},
        )
        require_payments(account, data.method)
        await ledger.record(
            registration,
            data.amount,
            data.method,
            staff=account,
            note=data.note,
            payment_id=data.payment_id,
            device=data.device,
            fee=data.fee,
        )
    except (Conflict, InvalidInput) as exc:
        problem = next(iter(exc.fields.values()), exc.message) if isinstance(exc, InvalidInput) else exc.message
        status = 422 if isinstance(exc, InvalidInput) else exc.status_code
        if at_desk:
            return await desk.desk_page(request, event, registration, status, payment_problem=problem)
        return await _detail(request, event, registration, status, payment_problem=problem)
    page = "staff_desk" if at_desk else "staff_registration"
    url = request.url_for(page, slug=event.slug, code=registration.code)
    answer = RedirectResponse(str(url.include_query_params(done="paid")) + "#fees", status_code=303)
    # The desk's name is remembered by this browser, so each payment it takes is counted in its box.
    answer.set_cookie(
        DESK_COOKIE,
        quote(data.device),
        max_age=7 * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=settings_of(request).secure_cookies,
    )
    return answer


@signed_in
async def confirm_membership(request: Request, account: StaffAccount) -> Response:
    """The desk saw the person's membership card (or knows them): no longer "to confirm"."""
    organizer_only(account)
    await _checked_form(request)
    event, registration = await _person(request, account)
    await admin.confirm_membership(registration, staff=account)
    return _back(request, event, registration, admin.Action.MEMBERSHIP_CONFIRMED)


@signed_in
async def receipt(request: Request, account: StaffAccount) -> Response:
    """A copy of one of the person's receipts (marked 再発行 after the first), for the desk to print."""
    event = await payments_event(account, request.path_params["slug"])
    registration = await registrations.by_code(event, request.path_params["code"])
    return await receipt_pdf(request, registration, event)


@signed_in
async def replace_secret(request: Request, account: StaffAccount) -> Response:
    """New links and badge QR code; shown once here (never put in a URL) so the organizer can pass them on."""
    organizer_only(account)
    await _checked_form(request)
    event, registration = await _person(request, account)
    await admin.replace_secret(registration, staff=account)
    return await _detail(
        request, event, registration, replaced=participant_links(base_url(request), registration.secret)
    )


@signed_in
async def personal_data(request: Request, account: StaffAccount) -> Response:
    """Everything kept about one person, as a JSON file: for their right of access."""
    event, registration = await _person(request, account)
    registration.event = event
    data = await privacy.personal_data(registration)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    headers = {
        "Content-Disposition": f'attachment; filename="{event.slug}-{registration.code}-personal-data.json"',
        "Cache-Control": "no-store",
    }
    return Response(encoded(body), media_type="application/json; charset=utf-8", headers=headers)


@signed_in
async def erase(request: Request, account: StaffAccount) -> Response:
    """Erase one person's data at their request (the organizer ticks a box to confirm)."""
    organizer_only(account)
    form = await _checked_form(request)
    event, registration = await _person(request, account)
    if form.get("confirm") != "yes":
        problem = _("Tick the box to confirm the erasure.")
        return await _detail(request, event, registration, 422, erase_problem=problem)
    await privacy.erase_own(registration)
    return _back(request, event, registration, "erased")


ROUTES = [
    route("/events/{slug}", name="staff_event", get=registration_list),
    route("/events/{slug}/registrations/{code}", name="staff_registration", get=show, post=edit),
    route("/events/{slug}/registrations/{code}/seats/{session}", name="staff_registration_seat", post=move_seat),
    route("/events/{slug}/registrations/{code}/cancel", name="staff_registration_cancel", post=cancel),
    route("/events/{slug}/registrations/{code}/payments", name="staff_registration_payment", post=record_payment),
    route("/events/{slug}/registrations/{code}/receipts/{number}", name="staff_registration_receipt", get=receipt),
    route(
        "/events/{slug}/registrations/{code}/membership", name="staff_registration_membership", post=confirm_membership
    ),
    route("/events/{slug}/registrations/{code}/restore", name="staff_registration_restore", post=restore),
    route("/events/{slug}/registrations/{code}/data.json", name="staff_registration_data", get=personal_data),
    route("/events/{slug}/registrations/{code}/erase", name="staff_registration_erase", post=erase),
    route(
        "/events/{slug}/registrations/{code}/replace-secret",
        name="staff_registration_replace_secret",
        post=replace_secret,
    ),
]
