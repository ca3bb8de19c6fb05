"""API: taking a registration's money: payments, refunds and waivers, and its account.

Organizers do all of it; a door account given the right (`StaffAccount.takes_payments`, the desk's
volunteers) records payments and prints their receipts, and is shown a receipt through its own
token, never the participant's link."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events import clock
from events.http.common import base_url, json_response, read_json
from events.http.receipts import receipt_json, receipt_pdf
from events.links import participant_links
from events.money import ledger, receipts
from events.money.figures import money_figures
from events.money.models import EntryKind, LedgerEntry, Method
from events.money.schemas import PaymentInput
from events.program.models import Event
from events.registrations import service
from events.staff.auth import api_event, payments_event, require_payments, require_token
from events.staff.models import Role, StaffAccount
from events.validation import parse


def entry_json(entry: LedgerEntry, event: Event) -> dict[str, Any]:
    """A payment, refund or waiver as the contract shows it (`amount` as money moved, always positive)."""
    return {
        "id": entry.id,
        "amount": abs(entry.amount),
        "method": ledger.api_method(entry),
        "at": clock.isoformat(entry.at, event.timezone),
        "note": entry.note,
        "staff": entry.staff_email,
        "payment_id": entry.payment_id,
    }


async def _desk_event(request: Request) -> tuple[StaffAccount, Event]:
    """The token's account and the path's event, for an account that takes money there."""
    account = await require_token(request)
    return account, await payments_event(account, request.path_params["slug"])


async def record_payment(request: Request) -> JSONResponse:
    account, event = await _desk_event(request)
    registration = await service.by_code(event, request.path_params["code"])
    data = parse(PaymentInput, await read_json(request))
    require_payments(account, data.method)
    recorded = await ledger.record(
        registration,
        data.amount,
        data.method,
        staff=account,
        note=data.note,
        payment_id=data.payment_id,
        refund_via=Method(data.via),
        device=data.device,
        fee=data.fee,
    )
    receipt = None
    if recorded.receipt is not None:
        if account.role == Role.ORGANIZER:
            url = participant_links(base_url(request), registration.secret)["receipts"]
        else:
            url = str(request.url_for("api_staff_receipts", slug=event.slug, code=registration.code))
        shown = receipt_json(recorded.receipt, event, url)
        receipt = {"number": shown["number"], "pdf": shown["pdf"]}
    body = {**entry_json(recorded.entry, event), "amount_due": recorded.amount_due, "receipt": receipt}
    return json_response(body, status_code=201, private=True)


async def list_payments(request: Request) -> JSONResponse:
    """The registration's payments, refunds and waivers, oldest first (its charges are in payments.csv)."""
    _account, event = await _desk_event(request)
    registration = await service.by_code(event, request.path_params["code"])
    kinds = (EntryKind.PAYMENT, EntryKind.REFUND, EntryKind.WAIVER)
    entries = await ledger.entries_of(registration, kinds=kinds)
    return json_response([entry_json(entry, event) for entry in entries], private=True)


async def receipts_list(request: Request) -> JSONResponse:
    """(extension) A registration's receipts, oldest first, as the participant's list shows them."""
    _account, event = await _desk_event(request)
    registration = await service.by_code(event, request.path_params["code"])
    url = str(request.url_for("api_staff_receipts", slug=event.slug, code=registration.code))
    return json_response(
        [receipt_json(found, event, url) for found in await receipts.receipts_of(registration)], private=True
    )


async def receipt(request: Request) -> Response:
    """(extension) One of a registration's receipts, for the desk to print: through a staff token,
    so a desk account never holds the participant's link."""
    _account, event = await _desk_event(request)
    registration = await service.by_code(event, request.path_params["code"])
    return await receipt_pdf(request, registration, event)


async def money(request: Request) -> JSONResponse:
    """The event's money figures (organizers only: door accounts reach nothing of the ledger)."""
    _account, event = await api_event(request, Role.ORGANIZER)
    return json_response((await money_figures(event)).as_json(), private=True)
