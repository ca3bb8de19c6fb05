"""A door scan read from a request and its answer in the contract's shape: the API's and the
scanner page's alike."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from events import clock, logs
from events.checkin import presence, service
from events.checkin.models import Result, Source
from events.checkin.schemas import ScanInput
from events.errors import InvalidInput
from events.http.common import JSONAnswer, read_json, settings_of
from events.i18n import format_day
from events.i18n import gettext as _
from events.money.words import yen
from events.program.models import Event
from events.staff.models import StaffAccount
from events.validation import parse

MESSAGES = {
    Result.OK: lambda: _("Checked in."),
    Result.ALREADY_CHECKED_IN: lambda: _("Already checked in."),
    Result.NOT_REGISTERED: lambda: _("Not registered for this session."),
    Result.WAITLISTED: lambda: _("Only on the waiting list for this session."),
    Result.CANCELLED: lambda: _("This registration was cancelled."),
    Result.UNKNOWN: lambda: _("Unknown badge or code for this event."),
    Result.INVALID: lambda: _("There is no session of that code."),
    Result.OUT: lambda: _("Checked out."),
    Result.NOT_INSIDE: lambda: _("Not inside: not checked in here, or left already."),
}


def answer_json(event: Event, answer: service.ScanAnswer) -> dict[str, Any]:
    """The contract's shape: `result` always; session, time and the person for what was counted."""
    body: dict[str, Any] = {"result": str(answer.result), "message": MESSAGES[answer.result]()}
    if answer.status_code >= 400:
        body["error"] = str(answer.result)
    if answer.session is not None:
        body["session"] = answer.session.code
    if answer.checked_in_at is not None:
        body["checked_in_at"] = clock.isoformat(answer.checked_in_at, event.timezone)
        held_on = answer.session and service.off_day(answer.session, answer.checked_in_at, event.timezone)
        if held_on:
            body["off_day"] = True
            body["note"] = _("This session is held on %(day)s, not today.") % {"day": format_day(held_on)}
    if answer.result == Result.ALREADY_CHECKED_IN:
        body["device"] = answer.device
    if answer.person is not None and answer.result in (Result.OK, Result.ALREADY_CHECKED_IN):
        body["amount_due"] = answer.person.amount_due
        if answer.person.amount_due > 0:
            body["to_pay"] = _("%(amount)s to pay at the desk") % {"amount": yen(answer.person.amount_due)}
    if answer.inside is not None and answer.session is not None:
        body["inside"] = answer.inside
        if presence.nearly_full(answer.session, answer.inside):
            body["room_limit"] = answer.session.room_limit
            body["warning"] = _("%(inside)s inside: the room holds %(limit)s.") % {
                "inside": answer.inside,
                "limit": answer.session.room_limit,
            }
    if answer.person is not None:
        person = answer.person
        body["registration"] = {
            "code": person.code,
            "name": person.name,
            "organization": person.organization,
            "category": person.category,
            "category_label": event.category_label(person.category),
        }
    return body


async def scan_request(
    request: Request, event: Event, account: StaffAccount, *, out: bool = False
) -> service.ScanAnswer | JSONResponse:
    """Read a scan from the request body and check it in (`out`: count the person out, where the
    session counts exits); a malformed body answers `invalid` (422)."""
    try:
        data = parse(ScanInput, await read_json(request))
    except InvalidInput as exc:
        body = {"result": "invalid", "error": "invalid", "message": exc.message, "fields": exc.fields}
        return JSONAnswer(body, status_code=422, headers={"Cache-Control": "no-store"})
    scan = (event, data.scan, data.session)
    key, device, sent = settings_of(request).secret_key, data.device, data.scanned_at
    if out:
        answer = await service.check_out(
            *scan, secret_key=key, device=device, scan_id=data.scan_id, scanned_at=sent, staff=account
        )
    else:
        source = Source.SEARCH if data.found_by == "search" else None
        answer = await service.check_in(
            *scan, secret_key=key, device=device, scan_id=data.scan_id, scanned_at=sent, staff=account, source=source
        )
    if answer.logged:
        logs.recorded_in_scan_log(request.scope)
    return answer
