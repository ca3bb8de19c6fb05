"""The desk: a person's fees for a door account that takes money (`StaffAccount.takes_payments`).

The desk's volunteers take cash and print receipts, and see only what that needs: the name,
organization, category, sessions and the fees, never the e-mail address, answers, mail or links
of the organizers' page of a person (`events.web.registrations`)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from events.errors import Forbidden
from events.i18n import gettext as _
from events.money import ledger, receipts, transfers
from events.money.models import EntryKind, Method
from events.program.models import Event
from events.registrations import service as registrations
from events.registrations.models import Registration
from events.staff.auth import event_for, takes_payments
from events.staff.models import Role, StaffAccount
from events.web.pages import render
from events.web.routing import route
from events.web.staff import signed_in

#: The cookie that keeps the name of the desk this browser takes money at.
DESK_COOKIE = "tsudoi_desk"


async def payer_event(request: Request, account: StaffAccount) -> Event:
    """The event of the path, for an account that takes money there (an organizer, or a desk account)."""
    event = await event_for(account, request.path_params["slug"], Role.ORGANIZER, Role.DOOR)
    if not takes_payments(account):
        raise Forbidden(_("Your account may not do this."))
    return event


def entry_words() -> dict[str, str]:
    """What each kind of ledger entry, and each way of paying, is called on the page."""
    return {
        EntryKind.CHARGE: _("Charge"),
        EntryKind.PAYMENT: _("Payment"),
        EntryKind.REFUND: _("Refund"),
        EntryKind.WAIVER: _("Waived"),
        Method.CASH: _("cash"),
        Method.TRANSFER: _("bank transfer"),
        Method.NONE: "",
    }


async def fees_context(request: Request, registration: Registration) -> dict[str, Any]:
    """What `staff/_fees.html` shows of a person's money."""
    return {
        "account_entries": await ledger.entries_of(registration),
        "receipts": await receipts.receipts_of(registration),
        "fees_to_take": await receipts.fees_to_take(registration),
        "transfer_reference": transfers.reference(registration.id),
        "entry_words": entry_words(),
        "payment_id": secrets.token_urlsafe(12),
        "desk": unquote(request.cookies.get(DESK_COOKIE, ""))[:64],
        "payment_problem": None,
    }


async def desk_page(
    request: Request, event: Event, registration: Registration, status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "event": event,
        "registration": registration,
        "seats": await registrations.seats_of(registration),
        "status_labels": {"confirmed": _("Confirmed"), "waitlisted": _("Waiting list"), "cancelled": _("Cancelled")},
        **await fees_context(request, registration),
        "done": _("Recorded.") if request.query_params.get("done") == "paid" else None,
        **extra,
    }
    return render(request, "staff/desk.html", context, status_code)


@signed_in
async def show(request: Request, account: StaffAccount) -> Response:
    event = await payer_event(request, account)
    return await desk_page(request, event, await registrations.by_code(event, request.path_params["code"]))


ROUTES = [route("/events/{slug}/desk/{code}", name="staff_desk", get=show)]
